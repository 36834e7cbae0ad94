// Item 15: every account has one named responsible administrator.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

absl::Status NoResponsibleAdministrator(const QueryContext& q, std::vector<v1::Finding>& out) {
  for (const v1::AccountState& account : *q.accounts) {
    if (account.status() != v1::ACTIVE) continue;
    bool responsible = false;
    for (const v1::AdminState& admin : account.admins()) responsible |= admin.responsible();
    if (responsible) continue;
    out.push_back(MakeFinding("no_responsible_administrator", "3.15", "medium",
                              absl::StrCat("active account ", account.account().handle(),
                                           " has no responsible administrator"),
                              {account.created_index()}, &account.account()));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
