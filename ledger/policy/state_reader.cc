#include "ledger/policy/state_reader.h"

namespace memoria::policy {

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
