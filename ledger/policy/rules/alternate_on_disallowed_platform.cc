// Item 11: alternate accounts only on Facebook and Twitter.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

std::optional<v1::Finding> AlternateOnDisallowedPlatform(const RecordContext& r) {
  if (!r.event->has_account_created() || r.event->account_created().kind() != v1::ALTERNATE) {
    return std::nullopt;
  }
  const v1::Platform platform = r.event->account().platform();
  if (platform == v1::FACEBOOK || platform == v1::TWITTER) return std::nullopt;
  return MakeFinding("alternate_on_disallowed_platform", "3.11", "high",
                     absl::StrCat("alternate account ", r.event->account().handle(), " was created on ",
                                  v1::Platform_Name(platform),
                                  "; alternate accounts are allowed only on Facebook and Twitter"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
