// C2SP signed notes (c2sp.org/signed-note): a UTF-8 text, a blank line, and
// one or more signature lines "— name base64(key ID || signature)\n".
//
//   ASSIGN_OR_RETURN(std::string note, SignNote(text, {&log_signer}));
//   ASSIGN_OR_RETURN(OpenedNote opened, OpenNote(note, {log_verifier}));
//
// Opening follows the spec: the text is valid UTF-8 with no control character
// but '\n' and ends in '\n'; signatures by unknown (name, key ID) are ignored;
// at least 16 signature lines are accepted (at most 100); the note is rejected
// if a known key's signature fails or no known key signed it. Only plain
// Ed25519 keys (type 0x01) sign and verify note text here; a cosigner key
// (type 0x04) signs another message (ledger/verify/cosignature.h), so
// OpenNote counts its lines as unverified and SignNote refuses it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/keys.h"

namespace memoria {

inline constexpr size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // 64 bytes for Ed25519
};

struct OpenedNote {
  std::string text;                       // up to and including the final '\n'
  std::vector<NoteSignature> verified;    // by one of the known verifiers
  std::vector<NoteSignature> unverified;  // by keys we do not know
};

// INVALID_ARGUMENT unless `text` is a valid note text.
absl::Status ValidateNoteText(std::string_view text);

// Signs `text` with each signer, in order. INVALID_ARGUMENT if the text is not
// a valid note text or no signer is given.
absl::StatusOr<std::string> SignNote(std::string_view text,
                                     std::span<const Signer* const> signers);

// Parses a signed note without verifying anything: every signature line is
// in `unverified`. INVALID_ARGUMENT if malformed (OpenNote's syntax rules).
absl::StatusOr<OpenedNote> ParseNote(std::string_view note);

// Parses and verifies a signed note. INVALID_ARGUMENT if malformed;
// PERMISSION_DENIED if a known key's signature fails or no known key signed it.
absl::StatusOr<OpenedNote> OpenNote(std::string_view note, std::span<const Verifier> known);

}  // namespace memoria
