// Named Ed25519 keys in the C2SP signed-note formats (as Go's
// golang.org/x/mod/sumdb/note writes them):
//
//   verifier key (vkey): name+hex8+base64(0x01 || 32-byte public key)
//   signer key:          PRIVATE+KEY+name+hex8+base64(0x01 || 32-byte seed)
//
// where hex8 is the key ID: the first four bytes of
// SHA-256(name || 0x0A || type || public key), big-endian. Names are non-empty
// UTF-8 without spaces or '+'. The same keys serve the log (checkpoints),
// administrators and writers (entries).
//
// The signature type byte is 0x01 (plain Ed25519 note signatures) for every
// key but a witness's: C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature)
// gives Ed25519 cosigner keys the type 0x04 (`cosignature/v1`, a timestamped
// signature over a different message; ledger/verify/cosignature.h). Both
// types share this one parser; a Verifier knows its type, and OpenNote only
// verifies plain (0x01) note signatures with it.
//
// Signer and Verifier are immutable values, safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memoria {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSignatureSize = 64;
using PublicKey = std::array<uint8_t, kPublicKeySize>;

// The signature type byte of a key (C2SP signed-note's vkey registry).
enum class SignatureType : uint8_t {
  kEd25519 = 0x01,          // note signatures over the note text
  kCosignatureV1 = 0x04,    // tlog-cosignature's Ed25519 cosignature/v1
};

// The C2SP key ID of an Ed25519 key called `name`, of signature type `type`.
uint32_t KeyId(std::string_view name, const PublicKey& public_key,
               SignatureType type = SignatureType::kEd25519);

// INVALID_ARGUMENT unless `name` is a valid key name.
absl::Status ValidateKeyName(std::string_view name);

class Verifier {
 public:
  // Parses a vkey of type 0x01 or 0x04; INVALID_ARGUMENT with the reason if it
  // is malformed, has an unknown type byte, or its key ID does not match its
  // name, type and key.
  static absl::StatusOr<Verifier> Parse(std::string_view vkey);
  static absl::StatusOr<Verifier> FromPublicKey(std::string_view name, const PublicKey& key,
                                                SignatureType type = SignatureType::kEd25519);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  SignatureType type() const { return type_; }
  // The vkey text: name+hex8+base64(type||key).
  std::string ToString() const;

  // True iff `signature` (64 bytes) is a valid Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  friend class Signer;
  Verifier(std::string name, const PublicKey& key, SignatureType type);
  std::string name_;
  uint32_t key_id_ = 0;
  PublicKey public_key_{};
  SignatureType type_ = SignatureType::kEd25519;
};

class Signer {
 public:
  // Parses a signer key; INVALID_ARGUMENT with the reason if it is malformed or
  // its key ID does not match. Never echoes the key text in the message.
  static absl::StatusOr<Signer> Parse(std::string_view signer_key);
  // A fresh key from the system RNG.
  static absl::StatusOr<Signer> Generate(std::string_view name,
                                         SignatureType type = SignatureType::kEd25519);

  const std::string& name() const { return verifier_.name(); }
  uint32_t key_id() const { return verifier_.key_id(); }
  SignatureType type() const { return verifier_.type(); }
  const Verifier& verifier() const { return verifier_; }
  // The signer key text: PRIVATE+KEY+name+hex8+base64(type||seed).
  std::string ToString() const;

  // The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032).
  std::string Sign(std::string_view message) const;

 private:
  Signer(Verifier verifier, const std::array<uint8_t, 32>& seed);
  Verifier verifier_;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_key_{};  // libsodium's seed || public key form
};

// Reads a signer key file. Refuses (PERMISSION_DENIED) a file readable or
// writable by group or others; NOT_FOUND if it does not exist.
absl::StatusOr<Signer> ReadSignerKeyFile(const std::string& path);
// Writes `signer.ToString()` and a newline to a new file of mode 0600;
// ALREADY_EXISTS if the file exists (keys are never overwritten).
absl::Status WriteSignerKeyFile(const std::string& path, const Signer& signer);

}  // namespace memoria
