// Citizens' duties 2, 3 (section 4): comments are removed only as spam,
// advertising, against public health, coexistence or safety, or inviting to
// break the law.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> CommentRemovedForOtherReason(const RecordContext& r) {
  if (!r.event->has_comment_moderated() || r.event->comment_moderated().reason() != v1::OTHER_REASON) {
    return std::nullopt;
  }
  const v1::CommentModerated& moderated = r.event->comment_moderated();
  return MakeFinding("comment_removed_for_other_reason", "4.2-4.3", "medium",
                     absl::StrCat("comment ", moderated.platform_comment_id(), " on ",
                                  r.event->account().handle(), " was ",
                                  moderated.action() == v1::DELETED ? "deleted" : "hidden",
                                  " for a reason the policy does not list: ",
                                  moderated.other_reason()),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
