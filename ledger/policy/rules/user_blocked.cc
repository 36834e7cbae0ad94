// Item 9: users are never blocked.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> UserBlocked(const RecordContext& r) {
  if (!r.event->has_user_blocked()) return std::nullopt;
  return MakeFinding("user_blocked", "3.9", "high",
                     absl::StrCat("a user was blocked on ", r.event->account().handle()), {r.index},
                     &r.event->account());
}

}  // namespace memoria::policy
