// Item 17: the history of posts is part of the institution's memory; a post
// hidden on the platform leaves the public history too (a lesser finding than
// a deletion, post_deleted).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> PostHidden(const RecordContext& r) {
  if (!r.event->has_post_removed() || r.event->post_removed().action() != v1::HIDDEN) {
    return std::nullopt;
  }
  return MakeFinding("post_hidden", "3.17", "medium",
                     absl::StrCat("la publicación ", r.event->post_removed().platform_post_id(),
                                  " de ", r.event->account().handle(),
                                  " fue ocultada del historial"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
