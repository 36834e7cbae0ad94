// Item 17: the history of posts is never deleted (hiding is recorded only).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> PostDeleted(const RecordContext& r) {
  if (!r.event->has_post_removed() || r.event->post_removed().action() != v1::DELETED) {
    return std::nullopt;
  }
  return MakeFinding("post_deleted", "3.17", "high",
                     absl::StrCat("post ", r.event->post_removed().platform_post_id(), " on ",
                                  r.event->account().handle(), " was deleted"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
