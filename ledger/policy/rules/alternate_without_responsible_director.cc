// Item 16: the director of the responsible dependency answers for an
// alternate account's publications, so an alternate account names that
// director (AccountCreated.responsible_director) when it is created.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> AlternateWithoutResponsibleDirector(const RecordContext& r) {
  if (!r.event->has_account_created() || r.event->account_created().kind() != v1::ALTERNATE) {
    return std::nullopt;
  }
  if (!absl::StripAsciiWhitespace(r.event->account_created().responsible_director()).empty()) {
    return std::nullopt;
  }
  return MakeFinding("alternate_without_responsible_director", "3.16", "medium",
                     absl::StrCat("la cuenta alterna ", r.event->account().handle(),
                                  " se creó sin el directivo responsable de la dependencia"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
