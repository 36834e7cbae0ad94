#include "ledger/policy/state_reader.h"

#include "ledger/encoding.h"

namespace memoria::policy {

absl::Status ScanIndexRange(const StateReader& state, std::string_view prefix, uint64_t begin,
                            uint64_t end, const StateVisitor& visit) {
  constexpr int kBlockBits = 16;
  bool stop = false;
  for (uint64_t block = begin >> kBlockBits; block <= (end >> kBlockBits) && !stop; ++block) {
    std::string block_prefix(prefix);
    const uint64_t first = block << kBlockBits;
    for (int shift = 56; shift >= kBlockBits; shift -= 8) {
      block_prefix.push_back(static_cast<char>((first >> shift) & 0xff));
    }
    absl::Status status = state.Scan(block_prefix, [&](std::string_view key, std::string_view value) {
      const uint64_t index = DecodeBigEndian64(key.substr(prefix.size(), 8));
      if (index < begin) return true;
      if (index > end || !visit(key, value)) {
        stop = true;
        return false;
      }
      return true;
    });
    if (!status.ok()) return status;
    if (block == (end >> kBlockBits)) break;  // no overflow past UINT64_MAX
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MapStateReader::Get(std::string_view key) const {
  auto it = map_.find(std::string(key));
  if (it == map_.end()) return absl::NotFoundError("no such state key");
  return it->second;
}

absl::Status MapStateReader::Scan(std::string_view prefix, const StateVisitor& visit) const {
  for (auto it = map_.lower_bound(std::string(prefix));
       it != map_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    if (!visit(it->first, it->second)) break;
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
