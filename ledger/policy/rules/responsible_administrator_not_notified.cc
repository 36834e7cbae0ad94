// Item 15: the name of an account's responsible administrator is notified to
// the Oficina de Comunicación Social (ResponsibleAdministratorNotified) within
// FindingsOptions::responsible_notification_business_days of the grant.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"

namespace memoria::policy {

absl::Status ResponsibleAdministratorNotNotified(const QueryContext& q,
                                                 std::vector<v1::Finding>& out) {
  const uint32_t days = q.options->responsible_notification_business_days;
  for (const v1::AccountState& account : *q.accounts) {
    if (account.status() != v1::ACTIVE) continue;
    for (const v1::AdminState& admin : account.admins()) {
      if (!admin.responsible()) continue;
      const int64_t deadline = BusinessDeadline(admin.since_micros(), days, *q.calendar);
      const bool notified = admin.has_notified_index();
      if (notified && admin.notified_micros() <= deadline) continue;
      if (!notified && q.at_micros <= deadline) continue;
      if (notified && deadline < q.since_micros) continue;
      out.push_back(MakeFinding(
          "responsible_administrator_not_notified", "3.15", "medium",
          notified ? absl::StrCat("el nombre del administrador responsable de ",
                                  account.account().handle(), " (", admin.email(),
                                  ") se notificó a la Oficina de Comunicación Social después de ",
                                  days, " días hábiles")
                   : absl::StrCat("el nombre del administrador responsable de ",
                                  account.account().handle(), " (", admin.email(),
                                  ") no se ha notificado a la Oficina de Comunicación Social"),
          notified ? std::vector<uint64_t>{admin.since_index(), admin.notified_index()}
                   : std::vector<uint64_t>{admin.since_index()},
          &account.account()));
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
