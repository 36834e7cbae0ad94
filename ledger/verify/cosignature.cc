#include "ledger/verify/cosignature.h"

#include <span>
#include <vector>

#include "ledger/encoding.h"

namespace memoria {
namespace {

constexpr std::string_view kHeader = "cosignature/v1\n";
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 and a space
constexpr size_t kTimestampSize = 8;

absl::Status RequireCosignerType(SignatureType type, std::string_view name) {
  if (type != SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError("key " + std::string(name) +
                                      " is not a cosignature/v1 key (type 0x04)");
  }
  return absl::OkStatus();
}

}  // namespace

std::string CosignatureV1Message(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string message(kHeader);
  message.append("time ");
  message.append(std::to_string(timestamp));
  message.push_back('\n');
  message.append(checkpoint_text);
  return message;
}

absl::StatusOr<Cosignature> DecodeCosignature(const NoteSignature& signature) {
  if (signature.signature.size() != kTimestampSize + kSignatureSize) {
    return absl::InvalidArgumentError("cosignature by " + signature.name + " must be " +
                                      std::to_string(kTimestampSize + kSignatureSize) +
                                      " bytes after the key ID, got " +
                                      std::to_string(signature.signature.size()));
  }
  Cosignature cosignature;
  cosignature.name = signature.name;
  cosignature.key_id = signature.key_id;
  cosignature.timestamp = DecodeBigEndian64(signature.signature.substr(0, kTimestampSize));
  cosignature.signature = signature.signature.substr(kTimestampSize);
  if (cosignature.timestamp > kMaxCosignatureTimestamp) {
    return absl::InvalidArgumentError("cosignature by " + signature.name +
                                      " has a timestamp above 2^63 - 1");
  }
  return cosignature;
}

absl::StatusOr<std::string> CosignCheckpoint(std::string_view checkpoint_text,
                                             uint64_t timestamp, const Signer& cosigner) {
  if (absl::Status s = RequireCosignerType(cosigner.type(), cosigner.name()); !s.ok()) return s;
  if (absl::Status s = ValidateNoteText(checkpoint_text); !s.ok()) return s;
  if (timestamp == 0 || timestamp > kMaxCosignatureTimestamp) {
    return absl::InvalidArgumentError("cosignature timestamp must be in 1 .. 2^63 - 1");
  }
  const std::string signed_bytes =
      EncodeBigEndian32(cosigner.key_id()) + EncodeBigEndian64(timestamp) +
      cosigner.Sign(CosignatureV1Message(checkpoint_text, timestamp));
  std::string line(kSignaturePrefix);
  line.append(cosigner.name());
  line.push_back(' ');
  line.append(Base64Encode(signed_bytes));
  line.push_back('\n');
  return line;
}

absl::StatusOr<uint64_t> VerifyCosignature(const OpenedNote& opened, const Verifier& cosigner) {
  if (absl::Status s = RequireCosignerType(cosigner.type(), cosigner.name()); !s.ok()) return s;
  for (const NoteSignature& line : opened.unverified) {
    if (line.name != cosigner.name() || line.key_id != cosigner.key_id()) continue;
    absl::StatusOr<Cosignature> cosignature = DecodeCosignature(line);
    if (!cosignature.ok()) return cosignature.status();
    if (!cosigner.Verify(CosignatureV1Message(opened.text, cosignature->timestamp),
                         cosignature->signature)) {
      return absl::PermissionDeniedError("cosignature by " + cosigner.name() + " does not verify");
    }
    return cosignature->timestamp;
  }
  return absl::NotFoundError("no cosignature by " + cosigner.name());
}

absl::StatusOr<uint64_t> VerifyCosignature(std::string_view signed_note, const Verifier& cosigner) {
  if (absl::Status s = RequireCosignerType(cosigner.type(), cosigner.name()); !s.ok()) return s;
  absl::StatusOr<OpenedNote> parsed = ParseNote(signed_note);
  if (!parsed.ok()) return parsed.status();
  return VerifyCosignature(*parsed, cosigner);
}

}  // namespace memoria
