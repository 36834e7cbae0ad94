#include "ledger/checkpoint.h"

#include <charconv>

#include "ledger/encoding.h"
#include "ledger/note.h"

namespace memoria {

std::string Checkpoint::Body() const {
  std::string body = origin + "\n" + std::to_string(size) + "\n" + Base64Encode(AsBytes(root)) + "\n";
  for (const std::string& line : extensions) body += line + "\n";
  return body;
}

absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return absl::InvalidArgumentError("checkpoint body must end with a newline");
  }
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < body.size();) {
    const size_t eol = body.find('\n', start);
    lines.push_back(body.substr(start, eol - start));
    start = eol + 1;
  }
  if (lines.size() < 3) return absl::InvalidArgumentError("checkpoint needs origin, size and root lines");
  Checkpoint checkpoint;
  if (lines[0].empty()) return absl::InvalidArgumentError("checkpoint origin is empty");
  checkpoint.origin = std::string(lines[0]);

  const std::string_view size = lines[1];
  const bool decimal = !size.empty() && size.find_first_not_of("0123456789") == std::string_view::npos;
  if (!decimal || (size.size() > 1 && size[0] == '0')) {
    return absl::InvalidArgumentError("checkpoint size must be decimal without leading zeros");
  }
  const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), checkpoint.size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return absl::InvalidArgumentError("checkpoint size is out of range");
  }

  absl::StatusOr<std::string> root = Base64Decode(lines[2]);
  if (!root.ok()) return absl::InvalidArgumentError("checkpoint root is not valid base64");
  absl::StatusOr<Hash> hash = HashFromBytes(*root);
  if (!hash.ok()) return absl::InvalidArgumentError("checkpoint root must be 32 bytes");
  checkpoint.root = *hash;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return absl::InvalidArgumentError("checkpoint has an empty extension line");
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const Signer& log_key) {
  const Signer* signers[] = {&log_key};
  return SignNote(checkpoint.Body(), signers);
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const Verifier& log_key) {
  absl::StatusOr<OpenedNote> opened = OpenNote(signed_note, std::span<const Verifier>(&log_key, 1));
  if (!opened.ok()) return opened.status();
  absl::StatusOr<Checkpoint> checkpoint = ParseCheckpointBody(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != log_key.name()) {
    return absl::InvalidArgumentError("checkpoint origin \"" + checkpoint->origin +
                                      "\" is not the log key's name \"" + log_key.name() + "\"");
  }
  return checkpoint;
}

}  // namespace memoria
