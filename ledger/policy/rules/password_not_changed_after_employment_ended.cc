// Section 2 ("Seguridad y control") and item 13: when a person's employment
// link ends, the passwords of the accounts they administered then are changed
// (CredentialsRotated) within FindingsOptions::password_change_after_employment_days,
// so that nobody keeps an account after leaving.
//
// Cost: one InventoryAt per EmploymentEnded up to the query's record (they
// are few: people leaving), plus the scan of their keys.
#include "absl/strings/str_cat.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

absl::Status PasswordNotChangedAfterEmploymentEnded(const QueryContext& q,
                                                    std::vector<v1::Finding>& out) {
  const int64_t limit = int64_t{q.options->password_change_after_employment_days} * kMicrosPerDay;
  struct Ended {
    std::string email;
    uint64_t index;
  };
  std::vector<Ended> ended;
  RETURN_IF_ERROR(q.state->Scan(kEmploymentEndedPrefix, [&](std::string_view key, std::string_view) {
    const uint64_t index = TrailingIndex(key);
    if (index > q.at_index) return true;
    const std::string_view rest = key.substr(kEmploymentEndedPrefix.size());
    ended.push_back({std::string(rest.substr(0, rest.size() - 9)), index});
    return true;
  }));
  for (const Ended& end : ended) {
    ASSIGN_OR_RETURN(const int64_t ended_micros, (*q.time_of)(end.index));
    const int64_t deadline = ended_micros + limit;
    if (deadline < q.since_micros) continue;
    ASSIGN_OR_RETURN(std::vector<v1::AccountState> then, InventoryAt(*q.state, end.index));
    for (const v1::AccountState& was : then) {
      bool administered = false;
      for (const v1::AdminState& admin : was.admins()) administered |= admin.email() == end.email;
      if (!administered) continue;
      const v1::AccountState* now = nullptr;
      for (const v1::AccountState& account : *q.accounts) {
        if (AccountKey(account.account()) == AccountKey(was.account())) now = &account;
      }
      if (now == nullptr || now->status() == v1::CLOSED) continue;
      const bool changed = now->has_last_rotation_index() && now->last_rotation_index() > end.index;
      if (changed && now->last_rotation_micros() <= deadline) continue;
      if (!changed && q.at_micros <= deadline) continue;
      out.push_back(MakeFinding(
          "password_not_changed_after_employment_ended", "2 (seguridad y control), 3.13", "high",
          changed ? absl::StrCat("la contraseña de ", was.account().handle(),
                                 " se cambió más de ", q.options->password_change_after_employment_days,
                                 " días después del retiro de ", end.email)
                  : absl::StrCat("la contraseña de ", was.account().handle(),
                                 " no se ha cambiado tras el retiro de ", end.email,
                                 ", que la administraba"),
          changed ? std::vector<uint64_t>{end.index, now->last_rotation_index()}
                  : std::vector<uint64_t>{end.index},
          &was.account()));
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
