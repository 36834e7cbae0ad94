#include "ledger/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/private_file.h"

namespace memoria {
namespace {

constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

// Splits "name+hex8+base64" at its first two '+' (base64 may hold more).
absl::Status SplitKey(std::string_view text, std::string_view& name, uint32_t& key_id,
                      SignatureType& type, std::string& key_bytes, std::string_view kind) {
  const size_t p1 = text.find('+');
  if (p1 == std::string_view::npos) return absl::InvalidArgumentError(std::string(kind) + ": missing '+'");
  const size_t p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return absl::InvalidArgumentError(std::string(kind) + ": missing key ID");
  name = text.substr(0, p1);
  if (absl::Status s = ValidateKeyName(name); !s.ok()) {
    return absl::InvalidArgumentError(std::string(kind) + ": " + std::string(s.message()));
  }
  const std::string_view hex = text.substr(p1 + 1, p2 - p1 - 1);
  absl::StatusOr<std::string> id = HexDecode(hex);
  if (hex.size() != 8 || !id.ok()) {
    return absl::InvalidArgumentError(std::string(kind) + ": key ID is not 8 hex digits");
  }
  key_id = DecodeBigEndian32(*id);
  absl::StatusOr<std::string> decoded = Base64Decode(text.substr(p2 + 1));
  if (!decoded.ok()) return absl::InvalidArgumentError(std::string(kind) + ": key is not valid base64");
  if (decoded->size() != 33) {
    return absl::InvalidArgumentError(std::string(kind) + ": key must be 33 bytes, got " +
                                      std::to_string(decoded->size()));
  }
  const uint8_t type_byte = static_cast<uint8_t>((*decoded)[0]);
  if (type_byte != static_cast<uint8_t>(SignatureType::kEd25519) &&
      type_byte != static_cast<uint8_t>(SignatureType::kCosignatureV1)) {
    return absl::InvalidArgumentError(std::string(kind) +
                                      ": unknown algorithm (only Ed25519 0x01 and cosignature/v1 0x04)");
  }
  type = static_cast<SignatureType>(type_byte);
  key_bytes = decoded->substr(1);
  return absl::OkStatus();
}

std::string KeyText(std::string_view name, uint32_t key_id, SignatureType type,
                    const uint8_t* key32) {
  std::string raw(1, static_cast<char>(type));
  raw.append(reinterpret_cast<const char*>(key32), 32);
  return std::string(name) + "+" + HexEncode(EncodeBigEndian32(key_id)) + "+" + Base64Encode(raw);
}

}  // namespace

uint32_t KeyId(std::string_view name, const PublicKey& public_key, SignatureType type) {
  std::string message(name);
  message.push_back('\n');
  message.push_back(static_cast<char>(type));
  message.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  const Hash digest = Sha256(message);
  return DecodeBigEndian32(AsBytes(digest).substr(0, 4));
}

absl::Status ValidateKeyName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  // As Go's note package: UTF-8, no '+', no Unicode space; and no control
  // characters, which no note could carry.
  const bool valid = ForEachCodePoint(name, [](uint32_t cp) {
    const bool space = cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
                       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    return cp != '+' && !space && !control;
  });
  if (!valid) {
    return absl::InvalidArgumentError(
        "key name must be UTF-8 without '+', spaces or control characters");
  }
  return absl::OkStatus();
}

Verifier::Verifier(std::string name, const PublicKey& key, SignatureType type)
    : name_(std::move(name)), key_id_(KeyId(name_, key, type)), public_key_(key), type_(type) {}

absl::StatusOr<Verifier> Verifier::Parse(std::string_view vkey) {
  std::string_view name;
  uint32_t id = 0;
  SignatureType type = SignatureType::kEd25519;
  std::string key;
  if (absl::Status s = SplitKey(vkey, name, id, type, key, "verifier key"); !s.ok()) return s;
  PublicKey pub;
  std::memcpy(pub.data(), key.data(), pub.size());
  Verifier verifier(std::string(name), pub, type);
  if (verifier.key_id() != id) {
    return absl::InvalidArgumentError("verifier key: key ID does not match name and key");
  }
  return verifier;
}

absl::StatusOr<Verifier> Verifier::FromPublicKey(std::string_view name, const PublicKey& key,
                                                 SignatureType type) {
  if (absl::Status s = ValidateKeyName(name); !s.ok()) return s;
  return Verifier(std::string(name), key, type);
}

std::string Verifier::ToString() const {
  return KeyText(name_, key_id_, type_, public_key_.data());
}

bool Verifier::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key_.data()) == 0;
}

Signer::Signer(Verifier verifier, const std::array<uint8_t, 32>& seed)
    : verifier_(std::move(verifier)), seed_(seed) {
  PublicKey pub;
  crypto_sign_seed_keypair(pub.data(), secret_key_.data(), seed_.data());
}

absl::StatusOr<Signer> Signer::Parse(std::string_view signer_key) {
  if (signer_key.substr(0, kPrivateKeyPrefix.size()) != kPrivateKeyPrefix) {
    return absl::InvalidArgumentError("signer key: must start with PRIVATE+KEY+");
  }
  std::string_view name;
  uint32_t id = 0;
  SignatureType type = SignatureType::kEd25519;
  std::string seed_bytes;
  if (absl::Status s = SplitKey(signer_key.substr(kPrivateKeyPrefix.size()), name, id, type,
                                seed_bytes, "signer key");
      !s.ok()) {
    return s;
  }
  std::array<uint8_t, 32> seed;
  std::memcpy(seed.data(), seed_bytes.data(), seed.size());
  PublicKey pub;
  std::array<uint8_t, 64> secret;
  crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data());
  sodium_memzero(secret.data(), secret.size());
  Verifier verifier(std::string(name), pub, type);
  if (verifier.key_id() != id) {
    return absl::InvalidArgumentError("signer key: key ID does not match name and key");
  }
  return Signer(std::move(verifier), seed);
}

absl::StatusOr<Signer> Signer::Generate(std::string_view name, SignatureType type) {
  if (absl::Status s = ValidateKeyName(name); !s.ok()) return s;
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  PublicKey pub;
  std::array<uint8_t, 64> secret;
  crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data());
  sodium_memzero(secret.data(), secret.size());
  return Signer(Verifier(std::string(name), pub, type), seed);
}

std::string Signer::ToString() const {
  return std::string(kPrivateKeyPrefix) + KeyText(name(), key_id(), type(), seed_.data());
}

std::string Signer::Sign(std::string_view message) const {
  std::string signature(kSignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

absl::StatusOr<Signer> ReadSignerKeyFile(const std::string& path) {
  if (absl::Status mode = CheckPrivateFileMode(path, "key file"); !mode.ok()) return mode;
  std::ifstream in(path);
  if (!in) return absl::UnavailableError("cannot read key file " + path);
  std::string text;
  std::getline(in, text);
  absl::StatusOr<Signer> signer = Signer::Parse(text);
  if (!signer.ok()) {
    return absl::InvalidArgumentError("key file " + path + ": " + std::string(signer.status().message()));
  }
  return signer;
}

absl::Status WriteSignerKeyFile(const std::string& path, const Signer& signer) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError("key file " + path + " already exists");
    return absl::UnavailableError("cannot create key file " + path + ": " + std::strerror(errno));
  }
  const std::string text = signer.ToString() + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return absl::UnavailableError("cannot write key file " + path);
  return absl::OkStatus();
}

}  // namespace memoria
