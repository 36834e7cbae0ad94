// ledger/verify/cosignature.h: C2SP tlog-cosignature's Ed25519 cosignature/v1.
#include "ledger/verify/cosignature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/note.h"

namespace memoria {
namespace {

constexpr uint64_t kTime = 1679315147;  // the timestamp of the spec's example

Signer MustCosigner(std::string_view name) {
  absl::StatusOr<Signer> signer = Signer::Generate(name, SignatureType::kCosignatureV1);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *signer;
}

struct Signed {
  std::string note;  // the log-signed checkpoint
  std::string text;  // its body
};

Signed MustSignedCheckpoint(const Signer& log_key) {
  Checkpoint checkpoint;
  checkpoint.origin = log_key.name();
  checkpoint.size = 20852163;
  checkpoint.root = Sha256("root");
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key);
  EXPECT_TRUE(note.ok()) << note.status();
  return {*note, checkpoint.Body()};
}

class CosignatureTest : public ::testing::Test {
 protected:
  Signer log_key_ = *Signer::Generate("example.com/behind-the-sofa");
  Signer witness_ = MustCosigner("witness.example.com/w1");
  Signed checkpoint_ = MustSignedCheckpoint(log_key_);

  std::string Cosigned(uint64_t time = kTime) {
    absl::StatusOr<std::string> line = CosignCheckpoint(checkpoint_.text, time, witness_);
    EXPECT_TRUE(line.ok()) << line.status();
    return checkpoint_.note + *line;
  }
};

TEST_F(CosignatureTest, RoundTripReturnsTheTimestamp) {
  absl::StatusOr<uint64_t> time = VerifyCosignature(Cosigned(), witness_.verifier());
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, kTime);
  // The log's signature still verifies and the cosignature is ignored by it.
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(Cosigned(), log_key_.verifier());
  EXPECT_TRUE(opened.ok()) << opened.status();
}

TEST_F(CosignatureTest, SignatureLineFormat) {
  absl::StatusOr<std::string> line = CosignCheckpoint(checkpoint_.text, kTime, witness_);
  ASSERT_TRUE(line.ok());
  const std::string prefix = "\xE2\x80\x94 witness.example.com/w1 ";
  ASSERT_EQ(line->substr(0, prefix.size()), prefix);
  ASSERT_EQ(line->back(), '\n');
  absl::StatusOr<std::string> raw =
      Base64Decode(std::string_view(*line).substr(prefix.size(), line->size() - prefix.size() - 1));
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 4u + 8u + 64u);
  EXPECT_EQ(DecodeBigEndian32(raw->substr(0, 4)), witness_.key_id());
  EXPECT_EQ(DecodeBigEndian64(raw->substr(4, 8)), kTime);
  // The signature is a plain Ed25519 signature of the cosignature/v1 message.
  EXPECT_TRUE(witness_.verifier().Verify(CosignatureV1Message(checkpoint_.text, kTime),
                                         raw->substr(12)));
}

// The line checked by another Ed25519 implementation (OpenSSL's, not the
// libsodium memoria signs with), over the message written out as the spec
// defines it: the cosignature verifies with any implementation of the spec.
TEST_F(CosignatureTest, VerifiesWithOpenSslOverTheSpecsMessage) {
  absl::StatusOr<std::string> line = CosignCheckpoint(checkpoint_.text, kTime, witness_);
  ASSERT_TRUE(line.ok());
  const size_t space = line->rfind(' ');
  absl::StatusOr<std::string> raw =
      Base64Decode(std::string_view(*line).substr(space + 1, line->size() - space - 2));
  ASSERT_TRUE(raw.ok());
  const std::string message = "cosignature/v1\ntime 1679315147\n" + checkpoint_.text;
  const std::string signature = raw->substr(12);
  const PublicKey& key = witness_.verifier().public_key();
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
  ASSERT_NE(pkey, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey), 1);
  const auto verify = [&](const std::string& m) {
    return EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(m.data()),
                            m.size());
  };
  EXPECT_EQ(verify(message), 1);
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey), 1);
  EXPECT_NE(verify(checkpoint_.text), 1);  // not a plain note signature
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
}

TEST(CosignatureMessage, IsTheSpecsExample) {
  const std::string body =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  EXPECT_EQ(CosignatureV1Message(body, 1679315147),
            "cosignature/v1\ntime 1679315147\n"
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

// The spec's example checkpoint: its witness line decodes as a timestamped
// signature whose time is the one of the spec's example message. (The
// example's witness key is not published, so its signature cannot be checked.)
TEST(CosignatureSpecExample, WitnessLineDecodes) {
  const std::string note =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
      "\xE2\x80\x94 example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
      "\xE2\x80\x94 witness.example.com/w1 "
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
      "mbIUBkBIfZ+qnA==\n";
  absl::StatusOr<OpenedNote> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->unverified.size(), 2u);
  absl::StatusOr<Cosignature> cosignature = DecodeCosignature(parsed->unverified[1]);
  ASSERT_TRUE(cosignature.ok()) << cosignature.status();
  EXPECT_EQ(cosignature->name, "witness.example.com/w1");
  EXPECT_EQ(cosignature->key_id, 0x8d66cf3fu);
  EXPECT_EQ(cosignature->timestamp, 1679315147u);
  // The log's line (a plain 64-byte note signature) is not a cosignature.
  EXPECT_EQ(DecodeCosignature(parsed->unverified[0]).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A cosignature/v1 vkey published by a running witness: its key ID is
// SHA-256(name || "\n" || 0x04 || key)[:4], which Parse checks.
TEST(CosignerVkey, PublicWitnessKeyParses) {
  absl::StatusOr<Verifier> v =
      Verifier::Parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->type(), SignatureType::kCosignatureV1);
  EXPECT_EQ(v->key_id(), 0xda77ade7u);
  EXPECT_EQ(v->ToString(), "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
  // The same key with a wrong key ID is refused.
  EXPECT_FALSE(
      Verifier::Parse("remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2").ok());
}

TEST(CosignerVkey, KeyIdCommitsToTheType) {
  const Signer witness = MustCosigner("w");
  const PublicKey& key = witness.verifier().public_key();
  EXPECT_EQ(witness.key_id(), KeyId("w", key, SignatureType::kCosignatureV1));
  EXPECT_NE(KeyId("w", key, SignatureType::kCosignatureV1), KeyId("w", key));
  // Expected from the definition, computed independently.
  std::string message = "w\n";
  message.push_back('\x04');
  message.append(reinterpret_cast<const char*>(key.data()), key.size());
  EXPECT_EQ(witness.key_id(), DecodeBigEndian32(AsBytes(Sha256(message)).substr(0, 4)));
  // Round trips of the vkey and of the signer key keep the type.
  absl::StatusOr<Verifier> parsed = Verifier::Parse(witness.verifier().ToString());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->type(), SignatureType::kCosignatureV1);
  absl::StatusOr<Signer> signer = Signer::Parse(witness.ToString());
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->type(), SignatureType::kCosignatureV1);
  EXPECT_EQ(signer->key_id(), witness.key_id());
}

TEST_F(CosignatureTest, TamperedBodyIsRefused) {
  std::string note = Cosigned();
  note[note.find("20852163")] = '3';
  EXPECT_EQ(VerifyCosignature(note, witness_.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(CosignatureTest, TamperedTimestampIsRefused) {
  absl::StatusOr<std::string> line = CosignCheckpoint(checkpoint_.text, kTime, witness_);
  ASSERT_TRUE(line.ok());
  absl::StatusOr<OpenedNote> parsed = ParseNote(checkpoint_.note + *line);
  ASSERT_TRUE(parsed.ok());
  NoteSignature& sig = parsed->unverified.back();
  sig.signature = EncodeBigEndian64(kTime + 1) + sig.signature.substr(8);
  EXPECT_EQ(VerifyCosignature(*parsed, witness_.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(CosignatureTest, OtherKeyIdIsNotTheCosigners) {
  absl::StatusOr<OpenedNote> parsed = ParseNote(Cosigned());
  ASSERT_TRUE(parsed.ok());
  parsed->unverified.back().key_id ^= 1;
  EXPECT_EQ(VerifyCosignature(*parsed, witness_.verifier()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CosignatureTest, WrongKeyIsRefused) {
  const Signer impostor = MustCosigner("witness.example.com/w1");
  // Another key of the same name: its key ID differs, so its line is not ours.
  EXPECT_EQ(VerifyCosignature(Cosigned(), impostor.verifier()).status().code(),
            absl::StatusCode::kNotFound);
  // A line carrying our name and key ID but signed by another key fails.
  absl::StatusOr<std::string> forged = CosignCheckpoint(checkpoint_.text, kTime, impostor);
  ASSERT_TRUE(forged.ok());
  absl::StatusOr<OpenedNote> parsed = ParseNote(checkpoint_.note + *forged);
  ASSERT_TRUE(parsed.ok());
  parsed->unverified.back().key_id = witness_.key_id();
  EXPECT_EQ(VerifyCosignature(*parsed, witness_.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(CosignatureTest, NoCosignatureIsNotFound) {
  EXPECT_EQ(VerifyCosignature(checkpoint_.note, witness_.verifier()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CosignatureTest, PlainKeysAreNotCosigners) {
  // A type 0x01 key neither cosigns nor verifies cosignatures...
  EXPECT_EQ(CosignCheckpoint(checkpoint_.text, kTime, log_key_).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Verifier> plain =
      Verifier::FromPublicKey(witness_.name(), witness_.verifier().public_key());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(VerifyCosignature(Cosigned(), *plain).status().code(),
            absl::StatusCode::kInvalidArgument);
  // ...and a cosigner key neither signs nor opens plain notes.
  const Signer* signers[] = {&witness_};
  EXPECT_EQ(SignNote(checkpoint_.text, signers).status().code(), absl::StatusCode::kInvalidArgument);
  const Verifier known[] = {witness_.verifier()};
  EXPECT_EQ(OpenNote(Cosigned(), known).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CosignatureTest, TimestampOutOfRangeIsRefused) {
  EXPECT_FALSE(CosignCheckpoint(checkpoint_.text, 0, witness_).ok());
  EXPECT_FALSE(CosignCheckpoint(checkpoint_.text, kMaxCosignatureTimestamp + 1, witness_).ok());
  NoteSignature sig{"w", 1, EncodeBigEndian64(kMaxCosignatureTimestamp + 1) + std::string(64, 'x')};
  EXPECT_EQ(DecodeCosignature(sig).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CosignatureExtensions, ExtensionLinesAreCovered) {
  const Signer witness = MustCosigner("w");
  const std::string text = "log\n1\n" + Base64Encode(AsBytes(Sha256("x"))) + "\nextension\n";
  absl::StatusOr<std::string> line = CosignCheckpoint(text, kTime, witness);
  ASSERT_TRUE(line.ok());
  EXPECT_TRUE(VerifyCosignature(text + "\n" + *line, witness.verifier()).ok());
  std::string changed = text;
  changed[changed.size() - 2] = '@';
  EXPECT_EQ(VerifyCosignature(changed + "\n" + *line, witness.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace memoria
