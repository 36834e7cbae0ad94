// Item 15 (and 13): the role of a person whose employment link ended must be
// finalized; administrators never keep the accounts.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

absl::Status RoleKeptAfterEmploymentEnded(const QueryContext& q, std::vector<v1::Finding>& out) {
  for (const v1::AccountState& account : *q.accounts) {
    for (const v1::AdminState& admin : account.admins()) {
      std::string prefix = std::string(kEmploymentEndedPrefix).append(admin.email());
      prefix.push_back('\0');
      std::optional<uint64_t> ended;
      RETURN_IF_ERROR(q.state->Scan(prefix, [&](std::string_view key, std::string_view) {
        const uint64_t index = TrailingIndex(key);
        if (index > q.at_index) return false;
        if (index > admin.since_index()) ended = index;
        return true;
      }));
      if (!ended.has_value()) continue;
      out.push_back(MakeFinding(
          "role_kept_after_employment_ended", "3.15", "high",
          absl::StrCat(admin.email(), " still administers ", account.account().handle(),
                       " after the employment link ended"),
          {admin.since_index(), *ended}, &account.account()));
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
