// Named Ed25519 keys in the C2SP signed-note formats: parsing, printing, key
// IDs, signing, and key files.
#include "ledger/keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hash.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::Base64;
using ::memoria::testing::kVector1Skey;
using ::memoria::testing::kVector1Vkey;
using ::memoria::testing::kVector2Vkey;
using ::memoria::testing::ReadFileOrDie;
using ::memoria::testing::ScopedTempDir;
using ::memoria::testing::Unbase64;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kVector1Seed = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kVector1Key = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

PublicKey ToPublicKey(std::string_view bytes) {
  PublicKey key{};
  EXPECT_EQ(bytes.size(), key.size());
  std::copy_n(bytes.begin(), std::min(bytes.size(), key.size()), key.begin());
  return key;
}

// The Ed25519 public key of vector 1 (without the algorithm byte).
PublicKey Vector1PublicKey() { return ToPublicKey(Unbase64(kVector1Key).substr(1)); }

std::string Hex8(uint32_t id) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", id);
  return buffer;
}

// name+hex8+base64(key_bytes), with the key ID computed for (name, public_key).
std::string VkeyText(std::string_view name, std::string_view key_bytes) {
  return std::string(name) + "+" + Hex8(KeyId(name, Vector1PublicKey())) + "+" +
         Base64(key_bytes);
}

TEST(KeyIdTest, MatchesTheVectorsHex8) {
  EXPECT_EQ(KeyId("PeterNeumann", Vector1PublicKey()), 0xc74f20a3u);
  EXPECT_EQ(KeyId("example.com/foo",
                  ToPublicKey(Unbase64("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").substr(1))),
            0x530d903au);
}

TEST(KeyIdTest, IsTheFirstFourBytesOfTheKeyHashBigEndian) {
  const PublicKey key = Vector1PublicKey();
  const std::string name = "some.name/x";
  const Hash hash = Sha256(name + "\n\x01" +
                           std::string(reinterpret_cast<const char*>(key.data()), key.size()));
  const uint32_t expected = uint32_t{hash[0]} << 24 | uint32_t{hash[1]} << 16 |
                            uint32_t{hash[2]} << 8 | uint32_t{hash[3]};
  EXPECT_EQ(KeyId(name, key), expected);
}

TEST(KeyNameTest, ValidNamesAreAccepted) {
  for (std::string_view name : {"PeterNeumann", "example.com/foo", "a", "log-1_x.example",
                                "\xe5\x90\x8d\xe5\x89\x8d" /* 名前 */}) {
    EXPECT_TRUE(ValidateKeyName(name).ok()) << name;
  }
}

TEST(KeyNameTest, EmptyNameIsInvalidArgument) {
  EXPECT_EQ(ValidateKeyName("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeyNameTest, NamesWithPlusOrWhitespaceAreInvalidArgument) {
  for (std::string_view name : {"Peter+Neumann", "+", "Peter Neumann", " x", "x ", "a\tb",
                                "a\nb"}) {
    EXPECT_EQ(ValidateKeyName(name).code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

// Go's note package (unicode.IsSpace) refuses these too, so a key named with
// one could not be used by Go verifiers.
TEST(KeyNameTest, UnicodeSpaceInNameIsInvalidArgument) {
  for (std::string_view name : {"a\xc2\xa0" "b" /* U+00A0 */, "a\xe2\x80\x83" "b" /* U+2003 */,
                                "a\xe3\x80\x80" "b" /* U+3000 */, "a\xc2\x85" "b" /* U+0085 */}) {
    EXPECT_EQ(ValidateKeyName(name).code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

TEST(KeyNameTest, NonUtf8NameIsInvalidArgument) {
  EXPECT_EQ(ValidateKeyName("bad\xff").code(), absl::StatusCode::kInvalidArgument);
}

TEST(VerifierTest, ParsesVector1) {
  absl::StatusOr<Verifier> verifier = Verifier::Parse(kVector1Vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->name(), "PeterNeumann");
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier->public_key(), Vector1PublicKey());
  EXPECT_EQ(verifier->ToString(), kVector1Vkey);
}

TEST(VerifierTest, ParsesVector2) {
  absl::StatusOr<Verifier> verifier = Verifier::Parse(kVector2Vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->name(), "example.com/foo");
  EXPECT_EQ(verifier->key_id(), 0x530d903au);
  EXPECT_EQ(verifier->ToString(), kVector2Vkey);
}

TEST(VerifierTest, FromPublicKeyEqualsParsedVkey) {
  absl::StatusOr<Verifier> verifier = Verifier::FromPublicKey("PeterNeumann", Vector1PublicKey());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier->ToString(), kVector1Vkey);
}

TEST(VerifierTest, FromPublicKeyWithInvalidNameIsInvalidArgument) {
  for (std::string_view name : {"", "a b", "a+b"}) {
    EXPECT_EQ(Verifier::FromPublicKey(name, Vector1PublicKey()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(VerifierTest, WrongAlgorithmByteIsInvalidArgument) {
  std::string key = Unbase64(kVector1Key);
  for (char algorithm : {'\x00', '\x02', '\xff'}) {
    key[0] = algorithm;
    EXPECT_EQ(Verifier::Parse("PeterNeumann+c74f20a3+" + Base64(key)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << int{algorithm};
  }
}

TEST(VerifierTest, KeyIdMismatchIsInvalidArgument) {
  for (std::string_view hex8 : {"c74f20a4", "00000000", "a3204fc7"}) {
    EXPECT_EQ(Verifier::Parse("PeterNeumann+" + std::string(hex8) + "+" + std::string(kVector1Key))
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << hex8;
  }
  // The right ID for another name.
  EXPECT_EQ(Verifier::Parse("PeterNeumanN+c74f20a3+" + std::string(kVector1Key)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifierTest, MalformedHex8IsInvalidArgument) {
  for (std::string_view hex8 : {"c74f20a", "c74f20a30", "c74f20ag", "", "-74f20a3", "0xc74f20"}) {
    EXPECT_EQ(Verifier::Parse("PeterNeumann+" + std::string(hex8) + "+" + std::string(kVector1Key))
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << hex8;
  }
}

TEST(VerifierTest, InvalidNamesAreInvalidArgument) {
  const std::string key = Unbase64(kVector1Key);
  // Each with the key ID that matches the (invalid) name, so only the name is wrong.
  for (std::string_view name : {"", "Peter Neumann", "Peter+Neumann", "Peter\tNeumann"}) {
    EXPECT_EQ(Verifier::Parse(VkeyText(name, key)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "\"" << name << "\"";
  }
}

TEST(VerifierTest, TruncatedOrBadBase64IsInvalidArgument) {
  const std::string vkey(kVector1Vkey);
  for (size_t cut : {1u, 2u, 4u, 20u, 44u}) {
    EXPECT_EQ(Verifier::Parse(vkey.substr(0, vkey.size() - cut)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << cut;
  }
  EXPECT_EQ(Verifier::Parse(vkey + "=").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Verifier::Parse(vkey + "+extra").status().code(), absl::StatusCode::kInvalidArgument);
  std::string bad_char = vkey;
  bad_char[vkey.size() - 3] = '!';
  EXPECT_EQ(Verifier::Parse(bad_char).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VerifierTest, NonAsciiByteInKeyBase64IsInvalidArgument) {
  std::string vkey(kVector1Vkey);
  const size_t slash = vkey.rfind('/');
  ASSERT_NE(slash, std::string::npos);
  vkey[slash] = '\x80';  // a decoder that reads it as '/' yields the same key
  EXPECT_EQ(Verifier::Parse(vkey).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VerifierTest, WrongKeyLengthIsInvalidArgument) {
  const std::string key = Unbase64(kVector1Key);
  for (const std::string& bytes :
       {key.substr(0, 32), key.substr(0, 1), key + std::string(1, '\0'), key + key,
        std::string()}) {
    EXPECT_EQ(Verifier::Parse(VkeyText("PeterNeumann", bytes)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bytes.size();
  }
}

TEST(VerifierTest, MissingPartsAreInvalidArgument) {
  for (std::string_view vkey : {"", "+", "++", "PeterNeumann", "PeterNeumann+c74f20a3",
                                "PeterNeumann+c74f20a3+", "+c74f20a3+", "c74f20a3+ARpc"}) {
    EXPECT_EQ(Verifier::Parse(vkey).status().code(), absl::StatusCode::kInvalidArgument) << vkey;
  }
}

TEST(VerifierTest, SignerKeyIsNotAVerifierKey) {
  EXPECT_EQ(Verifier::Parse(kVector1Skey).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SignerTest, ParsesVector1AndRoundTrips) {
  absl::StatusOr<Signer> signer = Signer::Parse(kVector1Skey);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->ToString(), kVector1Skey);
  EXPECT_EQ(signer->verifier().ToString(), kVector1Vkey);
  EXPECT_EQ(signer->verifier().public_key(), Vector1PublicKey());
}

TEST(SignerTest, SignaturesAreDeterministicAndVerify) {
  absl::StatusOr<Signer> signer = Signer::Parse(kVector1Skey);
  ASSERT_TRUE(signer.ok()) << signer.status();
  const std::string signature = signer->Sign("message");
  ASSERT_EQ(signature.size(), kSignatureSize);
  EXPECT_EQ(signer->Sign("message"), signature);
  EXPECT_NE(signer->Sign("message2"), signature);
  absl::StatusOr<Verifier> verifier = Verifier::Parse(kVector1Vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE(verifier->Verify("message", signature));
}

TEST(SignerTest, VerifyRejectsWrongMessageSignatureOrLength) {
  absl::StatusOr<Signer> signer = Signer::Parse(kVector1Skey);
  ASSERT_TRUE(signer.ok()) << signer.status();
  const Verifier& verifier = signer->verifier();
  const std::string signature = signer->Sign("message");
  EXPECT_FALSE(verifier.Verify("messagE", signature));
  EXPECT_FALSE(verifier.Verify("", signature));
  for (size_t i : {0u, 31u, 32u, 63u}) {
    std::string bad = signature;
    bad[i] ^= 0x01;
    EXPECT_FALSE(verifier.Verify("message", bad)) << i;
  }
  EXPECT_FALSE(verifier.Verify("message", signature.substr(0, 63)));
  EXPECT_FALSE(verifier.Verify("message", signature + "x"));
  EXPECT_FALSE(verifier.Verify("message", ""));
  absl::StatusOr<Signer> other = Signer::Generate("PeterNeumann");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->verifier().Verify("message", signature));
}

TEST(SignerTest, GenerateMakesFreshWorkingKeys) {
  absl::StatusOr<Signer> a = Signer::Generate("log.example/a");
  absl::StatusOr<Signer> b = Signer::Generate("log.example/a");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->name(), "log.example/a");
  EXPECT_NE(a->ToString(), b->ToString());
  EXPECT_NE(a->verifier().public_key(), b->verifier().public_key());
  EXPECT_EQ(a->key_id(), KeyId("log.example/a", a->verifier().public_key()));
  EXPECT_TRUE(a->verifier().Verify("x", a->Sign("x")));

  absl::StatusOr<Signer> reparsed = Signer::Parse(a->ToString());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(reparsed->ToString(), a->ToString());
  EXPECT_EQ(reparsed->Sign("x"), a->Sign("x"));
  absl::StatusOr<Verifier> verifier = Verifier::Parse(a->verifier().ToString());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->public_key(), a->verifier().public_key());
}

TEST(SignerTest, GenerateWithInvalidNameIsInvalidArgument) {
  for (std::string_view name : {"", "a b", "a+b"}) {
    EXPECT_EQ(Signer::Generate(name).status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

// Malformed signer keys, all derived from vector 1.
std::vector<std::string> MalformedSignerKeys() {
  const std::string seed = Unbase64(kVector1Seed);
  std::string wrong_algorithm = seed;
  wrong_algorithm[0] = '\x02';
  return {
      std::string(kVector1Vkey),                                           // no prefix
      "private+key+PeterNeumann+c74f20a3+" + std::string(kVector1Seed),    // lowercase prefix
      "PRIVATE+KEY+PeterNeumann+c74f20a4+" + std::string(kVector1Seed),    // ID mismatch
      "PRIVATE+KEY+PeterNeumanN+c74f20a3+" + std::string(kVector1Seed),    // name mismatch
      "PRIVATE+KEY+PeterNeumann+c74f20a+" + std::string(kVector1Seed),     // short hex8
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + Base64(wrong_algorithm),      // algorithm 2
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + Base64(seed.substr(0, 32)),   // 31-byte seed
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + Base64(seed + "x"),           // 33-byte seed
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + std::string(kVector1Seed.substr(0, 40)),
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + std::string(kVector1Seed.substr(0, 43)),
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + std::string(kVector1Seed) + "=",
      "PRIVATE+KEY+Peter Neumann+c74f20a3+" + std::string(kVector1Seed),   // space in name
      "PRIVATE+KEY++c74f20a3+" + std::string(kVector1Seed),                // empty name
      "PRIVATE+KEY+c74f20a3+" + std::string(kVector1Seed),                 // no name
      "PRIVATE+KEY+PeterNeumann+c74f20a3",                                 // no key
      "PRIVATE+KEY+PeterNeumann+c74f20a3+",
      "PRIVATE+KEY+",
      "PRIVATE+KEY",
      "",
  };
}

TEST(SignerTest, MalformedSignerKeysAreInvalidArgument) {
  for (const std::string& text : MalformedSignerKeys()) {
    EXPECT_EQ(Signer::Parse(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(SignerTest, ParseErrorsNeverEchoTheKey) {
  for (const std::string& text : MalformedSignerKeys()) {
    const absl::Status status = Signer::Parse(text).status();
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(kVector1Seed.substr(0, 16)))) << text;
    if (text.size() > 30) {
      EXPECT_THAT(std::string(status.message()), Not(HasSubstr(text.substr(text.size() - 16))));
    }
  }
}

// ---- Key files -------------------------------------------------------------------

mode_t FileMode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteRawFile(const std::string& path, std::string_view contents, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary);
    out << contents;
  }
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

TEST(KeyFileTest, WriteCreatesAFileOfMode0600HoldingTheKeyAndANewline) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  absl::StatusOr<Signer> signer = Signer::Parse(kVector1Skey);
  ASSERT_TRUE(signer.ok()) << signer.status();
  const mode_t old_umask = umask(0);  // a permissive umask must not widen the mode
  const absl::Status written = WriteSignerKeyFile(path, *signer);
  umask(old_umask);
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(FileMode(path), 0600u);
  EXPECT_EQ(ReadFileOrDie(path), std::string(kVector1Skey) + "\n");
}

TEST(KeyFileTest, WrittenKeyReadsBack) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  absl::StatusOr<Signer> signer = Signer::Generate("log.example");
  ASSERT_TRUE(signer.ok()) << signer.status();
  ASSERT_TRUE(WriteSignerKeyFile(path, *signer).ok());
  absl::StatusOr<Signer> read = ReadSignerKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->ToString(), signer->ToString());
}

TEST(KeyFileTest, WriteRefusesToOverwriteAnExistingFile) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  absl::StatusOr<Signer> first = Signer::Generate("log.example");
  absl::StatusOr<Signer> second = Signer::Generate("log.example");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(WriteSignerKeyFile(path, *first).ok());
  EXPECT_EQ(WriteSignerKeyFile(path, *second).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFileOrDie(path), first->ToString() + "\n");
  EXPECT_EQ(FileMode(path), 0600u);
}

TEST(KeyFileTest, WriteRefusesAnUnrelatedExistingFile) {
  ScopedTempDir dir;
  const std::string path = dir.File("notes.txt");
  WriteRawFile(path, "precious\n", 0644);
  absl::StatusOr<Signer> signer = Signer::Generate("log.example");
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(WriteSignerKeyFile(path, *signer).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFileOrDie(path), "precious\n");
}

TEST(KeyFileTest, WriteDoesNotFollowADanglingSymlink) {
  ScopedTempDir dir;
  const std::string link = dir.File("log.key");
  const std::string target = dir.File("elsewhere.key");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  absl::StatusOr<Signer> signer = Signer::Generate("log.example");
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(WriteSignerKeyFile(link, *signer).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(access(target.c_str(), F_OK), 0) << "the key was written through the symlink";
}

TEST(KeyFileTest, WriteIntoAMissingDirectoryFails) {
  ScopedTempDir dir;
  absl::StatusOr<Signer> signer = Signer::Generate("log.example");
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_FALSE(WriteSignerKeyFile(dir.File("no/such/dir/log.key"), *signer).ok());
}

TEST(KeyFileTest, ReadRefusesAFileReadableByOthers) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  WriteRawFile(path, std::string(kVector1Skey) + "\n", 0644);
  EXPECT_EQ(ReadSignerKeyFile(path).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(KeyFileTest, ReadRefusesAnyGroupOrOtherPermission) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  WriteRawFile(path, std::string(kVector1Skey) + "\n", 0600);
  for (mode_t mode : {0640, 0620, 0610, 0604, 0602, 0601, 0660, 0666}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    EXPECT_EQ(ReadSignerKeyFile(path).status().code(), absl::StatusCode::kPermissionDenied)
        << std::oct << mode;
  }
}

TEST(KeyFileTest, ReadAcceptsOwnerOnlyModes) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  WriteRawFile(path, std::string(kVector1Skey) + "\n", 0600);
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    absl::StatusOr<Signer> signer = ReadSignerKeyFile(path);
    ASSERT_TRUE(signer.ok()) << std::oct << mode << ": " << signer.status();
    EXPECT_EQ(signer->ToString(), kVector1Skey);
  }
}

TEST(KeyFileTest, ReadOfAMissingFileIsNotFound) {
  ScopedTempDir dir;
  EXPECT_EQ(ReadSignerKeyFile(dir.File("missing.key")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyFileTest, ReadOfAMalformedKeyIsInvalidArgument) {
  ScopedTempDir dir;
  const std::string path = dir.File("log.key");
  WriteRawFile(path, std::string(kVector1Vkey) + "\n", 0600);
  const absl::Status status = ReadSignerKeyFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria
