// Item 20: neglected alternate accounts (no activity for
// FindingsOptions::alternate_inactive_days) should be closed.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"

namespace memoria::policy {

absl::Status AlternateInactive(const QueryContext& q, std::vector<v1::Finding>& out) {
  const int64_t limit = int64_t{q.options->alternate_inactive_days} * kMicrosPerDay;
  for (const v1::AccountState& account : *q.accounts) {
    if (account.status() != v1::ACTIVE || account.kind() != v1::ALTERNATE) continue;
    const bool active = account.has_last_activity_index();
    const int64_t last = active ? account.last_activity_micros() : account.created_micros();
    if (q.at_micros - last <= limit) continue;
    out.push_back(MakeFinding(
        "alternate_inactive", "3.20", "low",
        absl::StrCat("alternate account ", account.account().handle(), " has had no activity for ",
                     (q.at_micros - last) / kMicrosPerDay, " days"),
        {active ? account.last_activity_index() : account.created_index()}, &account.account()));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
