// Item 15: administrator roles are never granted to people without an
// employment link with the institution (AdminRoleGranted.employment_link).
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> RoleWithoutEmploymentLink(const RecordContext& r) {
  if (!r.event->has_admin_role_granted()) return std::nullopt;
  const v1::AdminRoleGranted& granted = r.event->admin_role_granted();
  if (!absl::StripAsciiWhitespace(granted.employment_link()).empty()) return std::nullopt;
  return MakeFinding("role_without_employment_link", "3.15", "high",
                     absl::StrCat("rol de administración de ", r.event->account().handle(),
                                  " asignado a ", granted.person().email(),
                                  " sin vinculación laboral con la entidad"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
