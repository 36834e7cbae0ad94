// Item 11: a Facebook alternate account has an administrator from the Oficina
// de Comunicación Social.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

absl::Status FacebookAlternateWithoutComunicacionAdmin(const QueryContext& q,
                                                       std::vector<v1::Finding>& out) {
  for (const v1::AccountState& account : *q.accounts) {
    if (account.status() != v1::ACTIVE || account.kind() != v1::ALTERNATE ||
        account.account().platform() != v1::FACEBOOK) {
      continue;
    }
    bool found = false;
    for (const v1::AdminState& admin : account.admins()) found |= IsComunicacionSocial(admin.dependency());
    if (found) continue;
    out.push_back(MakeFinding("facebook_alternate_without_comunicacion_admin", "3.11", "medium",
                              absl::StrCat("Facebook alternate account ", account.account().handle(),
                                           " has no administrator from the Oficina de "
                                           "Comunicación Social"),
                              {account.created_index()}, &account.account()));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
