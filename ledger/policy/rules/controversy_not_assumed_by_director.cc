// Item 16: a controversy caused by a publication on an alternate account is
// assumed by the director responsible for its dependency: the one the
// account names (AccountCreated.responsible_director).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

std::optional<v1::Finding> ControversyNotAssumedByDirector(const RecordContext& r) {
  if (!r.event->has_controversy_recorded()) return std::nullopt;
  if (r.account == nullptr || r.account->kind() != v1::ALTERNATE) return std::nullopt;
  const std::string assumed = LowerAscii(r.event->controversy_recorded().responsible_director());
  const std::string director = LowerAscii(r.account->responsible_director());
  std::string problem;
  if (director.empty()) {
    problem = "la cuenta no tiene directivo responsable";
  } else if (assumed != director) {
    problem = absl::StrCat("la asume ", assumed, " y no el directivo responsable, ", director);
  } else {
    return std::nullopt;
  }
  return MakeFinding("controversy_not_assumed_by_director", "3.16", "medium",
                     absl::StrCat("controversia por la publicación ",
                                  r.event->controversy_recorded().platform_post_id(), " de ",
                                  r.event->account().handle(), ": ", problem),
                     {r.index, r.account->created_index()}, &r.event->account());
}

}  // namespace memoria::policy
