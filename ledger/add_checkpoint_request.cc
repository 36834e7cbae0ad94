#include "ledger/add_checkpoint_request.h"

#include "ledger/encoding.h"

namespace memoria {
namespace {

// A decimal with no leading zeros ("0" alone for zero), fitting in 64 bits.
absl::StatusOr<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) {
    return absl::InvalidArgumentError("not a decimal size without leading zeros");
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return absl::InvalidArgumentError("not a decimal size");
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return absl::InvalidArgumentError("size overflows 64 bits");
    value = value * 10 + digit;
  }
  return value;
}

// Takes the next '\n'-terminated line off `text`.
absl::StatusOr<std::string_view> NextLine(std::string_view& text) {
  const size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return absl::InvalidArgumentError("request line without newline");
  std::string_view line = text.substr(0, eol);
  text.remove_prefix(eol + 1);
  return line;
}

}  // namespace

absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body) {
  AddCheckpointRequest request;
  absl::StatusOr<std::string_view> line = NextLine(body);
  if (!line.ok()) return line.status();
  if (line->substr(0, 4) != "old ") {
    return absl::InvalidArgumentError("request must start with \"old <size>\"");
  }
  absl::StatusOr<uint64_t> old_size = ParseDecimal(line->substr(4));
  if (!old_size.ok()) {
    return absl::InvalidArgumentError("old size: " + std::string(old_size.status().message()));
  }
  request.old_size = *old_size;
  while (true) {
    line = NextLine(body);
    if (!line.ok()) return absl::InvalidArgumentError("request has no empty line before the checkpoint");
    if (line->empty()) break;
    if (request.proof.size() == kMaxConsistencyProofLines) {
      return absl::InvalidArgumentError("more than 63 consistency proof lines");
    }
    absl::StatusOr<std::string> bytes = Base64Decode(*line);
    if (!bytes.ok()) return absl::InvalidArgumentError("consistency proof line is not base64");
    absl::StatusOr<Hash> hash = HashFromBytes(*bytes);
    if (!hash.ok()) return absl::InvalidArgumentError("consistency proof line is not a 32-byte hash");
    request.proof.push_back(*hash);
  }
  if (body.empty()) return absl::InvalidArgumentError("request has no checkpoint");
  request.checkpoint = std::string(body);
  return request;
}

std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request) {
  std::string text = "old " + std::to_string(request.old_size) + "\n";
  for (const Hash& hash : request.proof) {
    text.append(Base64Encode(AsBytes(hash)));
    text.push_back('\n');
  }
  text.push_back('\n');
  text.append(request.checkpoint);
  return text;
}

std::string FormatTlogSize(uint64_t size) { return std::to_string(size) + "\n"; }

absl::StatusOr<uint64_t> ParseTlogSize(std::string_view body) {
  if (body.ends_with('\n')) body.remove_suffix(1);
  return ParseDecimal(body);
}

}  // namespace memoria
