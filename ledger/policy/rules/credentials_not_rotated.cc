// Section 2, "Seguridad y control": passwords are changed periodically (every
// FindingsOptions::credentials_rotation_days).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"

namespace memoria::policy {

absl::Status CredentialsNotRotated(const QueryContext& q, std::vector<v1::Finding>& out) {
  const int64_t limit = int64_t{q.options->credentials_rotation_days} * kMicrosPerDay;
  for (const v1::AccountState& account : *q.accounts) {
    if (account.status() != v1::ACTIVE) continue;
    const bool rotated = account.has_last_rotation_index();
    const int64_t last = rotated ? account.last_rotation_micros() : account.created_micros();
    if (q.at_micros - last <= limit) continue;
    out.push_back(MakeFinding(
        "credentials_not_rotated", "2 (seguridad y control)", "low",
        absl::StrCat("credentials of ", account.account().handle(), " not rotated for ",
                     (q.at_micros - last) / kMicrosPerDay, " days"),
        {rotated ? account.last_rotation_index() : account.created_index()}, &account.account()));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
