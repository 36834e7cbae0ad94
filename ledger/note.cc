#include "ledger/note.h"

#include <set>
#include <utility>

#include "ledger/encoding.h"

namespace memoria {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

// Validates UTF-8 and rejects control characters other than '\n': C0, DEL
// and C1.
absl::Status ValidateText(std::string_view text) {
  bool control = false;
  const bool utf8 = ForEachCodePoint(text, [&control](uint32_t cp) {
    control = (cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
    return !control;
  });
  if (control) return absl::InvalidArgumentError("note contains a control character");
  if (!utf8) return absl::InvalidArgumentError("note is not valid UTF-8");
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateNoteText(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("note text must end with a newline");
  }
  return ValidateText(text);
}

absl::StatusOr<std::string> SignNote(std::string_view text,
                                     std::span<const Signer* const> signers) {
  if (absl::Status s = ValidateNoteText(text); !s.ok()) return s;
  if (signers.empty()) return absl::InvalidArgumentError("no signer given");
  for (const Signer* signer : signers) {
    if (signer->type() != SignatureType::kEd25519) {
      return absl::InvalidArgumentError("key " + signer->name() +
                                        " is not a note signing key (type 0x01)");
    }
  }
  std::string note(text);
  note.push_back('\n');
  for (const Signer* signer : signers) {
    const std::string sig = EncodeBigEndian32(signer->key_id()) + signer->Sign(text);
    note.append(kSignaturePrefix);
    note.append(signer->name());
    note.push_back(' ');
    note.append(Base64Encode(sig));
    note.push_back('\n');
  }
  return note;
}

absl::StatusOr<OpenedNote> ParseNote(std::string_view note) {
  if (absl::Status s = ValidateText(note); !s.ok()) return s;
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return absl::InvalidArgumentError("note has no blank line before its signatures");
  }
  OpenedNote parsed;
  parsed.text = std::string(note.substr(0, split + 1));
  std::string_view rest = note.substr(split + 2);
  if (rest.empty() || rest.back() != '\n') {
    return absl::InvalidArgumentError("note signatures must end with a newline");
  }
  size_t lines = 0;
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (++lines > kMaxNoteSignatures) {
      return absl::InvalidArgumentError("note has more than " + std::to_string(kMaxNoteSignatures) +
                                        " signatures");
    }
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return absl::InvalidArgumentError("malformed signature line: must start with U+2014 and a space");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return absl::InvalidArgumentError("malformed signature line: no space after the key name");
    }
    NoteSignature sig;
    sig.name = std::string(line.substr(0, space));
    if (!ValidateKeyName(sig.name).ok()) {
      return absl::InvalidArgumentError("malformed signature line: invalid key name");
    }
    absl::StatusOr<std::string> raw = Base64Decode(line.substr(space + 1));
    if (!raw.ok() || raw->size() < 5) {
      return absl::InvalidArgumentError("malformed signature line: bad base64 signature");
    }
    sig.key_id = DecodeBigEndian32(*raw);
    sig.signature = raw->substr(4);
    parsed.unverified.push_back(std::move(sig));
  }
  return parsed;
}

absl::StatusOr<OpenedNote> OpenNote(std::string_view note, std::span<const Verifier> known) {
  absl::StatusOr<OpenedNote> parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status();
  OpenedNote opened;
  opened.text = std::move(parsed->text);
  std::set<std::pair<std::string, uint32_t>> seen;
  for (NoteSignature& sig : parsed->unverified) {
    const Verifier* verifier = nullptr;
    for (const Verifier& v : known) {
      if (v.type() == SignatureType::kEd25519 && v.name() == sig.name &&
          v.key_id() == sig.key_id) {
        verifier = &v;
      }
    }
    if (verifier == nullptr) {
      opened.unverified.push_back(std::move(sig));
      continue;
    }
    if (!seen.insert({sig.name, sig.key_id}).second) {
      return absl::InvalidArgumentError("note has two signatures by key " + sig.name);
    }
    if (!verifier->Verify(opened.text, sig.signature)) {
      return absl::PermissionDeniedError("note signature by key " + sig.name + " does not verify");
    }
    opened.verified.push_back(std::move(sig));
  }
  if (opened.verified.empty()) {
    return absl::PermissionDeniedError("note is not signed by any known key");
  }
  return opened;
}

}  // namespace memoria
