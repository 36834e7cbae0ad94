// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519
// `cosignature/v1` type: a witness's timestamped signature of a checkpoint.
//
// The cosigner key is an Ed25519 key of signature type 0x04 (ledger/keys.h,
// SignatureType::kCosignatureV1); its key ID is
// SHA-256(name || "\n" || 0x04 || public key)[:4]. The signed message is
//
//   cosignature/v1\n
//   time <POSIX seconds, decimal, no leading zeros>\n
//   <the checkpoint's whole note text: origin, size, root, extension lines>
//
// and the signature line added to the checkpoint note is
//
//   — <cosigner name> base64(key ID || u64 big-endian timestamp || 64-byte signature)\n
//
// Pure functions over values: safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/keys.h"
#include "ledger/note.h"

namespace memoria {

// The largest timestamp a cosignature may carry (2^63 - 1).
inline constexpr uint64_t kMaxCosignatureTimestamp = (uint64_t{1} << 63) - 1;

// The message a cosigner signs: the two header lines and `checkpoint_text`
// (the note text, ending in '\n', without signature lines).
std::string CosignatureV1Message(std::string_view checkpoint_text, uint64_t timestamp);

// One decoded cosignature line.
struct Cosignature {
  std::string name;
  uint32_t key_id = 0;
  uint64_t timestamp = 0;
  std::string signature;  // 64 bytes
};

// Decodes a note signature (as OpenNote reports it: name, key ID, and the
// bytes after the key ID) as a timestamped cosignature. INVALID_ARGUMENT if
// its bytes are not u64 timestamp || 64-byte signature, or the timestamp
// exceeds kMaxCosignatureTimestamp.
absl::StatusOr<Cosignature> DecodeCosignature(const NoteSignature& signature);

// Cosigns `checkpoint_text` at `timestamp` (POSIX seconds, 1 ..
// kMaxCosignatureTimestamp) and returns the signature line, '\n' included.
// INVALID_ARGUMENT if `cosigner` is not of type 0x04, the text is not a valid
// note text, or the timestamp is out of range.
absl::StatusOr<std::string> CosignCheckpoint(std::string_view checkpoint_text,
                                             uint64_t timestamp, const Signer& cosigner);

// Verifies the cosignature by `cosigner` (type 0x04) on a signed checkpoint
// note, ignoring every other signature line (the log's, other witnesses').
// Returns the cosignature's timestamp. INVALID_ARGUMENT if the note or the
// cosigner's line is malformed or the key is not of type 0x04; NOT_FOUND if
// no line carries the cosigner's name and key ID; PERMISSION_DENIED if it
// does not verify.
absl::StatusOr<uint64_t> VerifyCosignature(std::string_view signed_note, const Verifier& cosigner);

// The same over a note already opened (with any verifiers): looks at its
// unverified signatures, where OpenNote puts cosignatures.
absl::StatusOr<uint64_t> VerifyCosignature(const OpenedNote& opened, const Verifier& cosigner);

}  // namespace memoria
