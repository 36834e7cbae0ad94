#include "ledger/policy/rules/rules.h"

#include <algorithm>

namespace memoria::policy {

v1::Finding MakeFinding(std::string_view rule, std::string_view item, std::string_view severity,
                        std::string message, std::vector<uint64_t> indexes,
                        const v1::AccountRef* account) {
  v1::Finding finding;
  finding.set_rule(std::string(rule));
  finding.set_item(std::string(item));
  finding.set_severity(std::string(severity));
  finding.set_message(std::move(message));
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  for (uint64_t index : indexes) finding.add_indexes(index);
  if (account != nullptr) *finding.mutable_account() = *account;
  return finding;
}

}  // namespace memoria::policy
