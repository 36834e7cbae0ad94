// Item 14: accounts on platforms beyond those the policy names for the main
// accounts (Facebook, X, Instagram, YouTube) need the Oficina de Comunicación
// Social's approval, with the Subsecretaría de Sistemas de Información
// (PlatformApproved, by the Oficina, before the account). Alternate accounts
// are limited to Facebook and X by item 11 (alternate_on_disallowed_platform).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"

namespace memoria::policy {

bool IsPolicyPlatform(v1::Platform platform) {
  return platform == v1::FACEBOOK || platform == v1::TWITTER || platform == v1::INSTAGRAM ||
         platform == v1::YOUTUBE;
}

std::optional<v1::Finding> AccountOnUnapprovedPlatform(const RecordContext& r) {
  if (!r.event->has_account_created() || r.event->account_created().kind() != v1::MAIN) {
    return std::nullopt;
  }
  if (IsPolicyPlatform(r.event->account().platform()) || r.platform_approved) return std::nullopt;
  return MakeFinding("account_on_unapproved_platform", "3.14", "medium",
                     absl::StrCat("la cuenta ", r.event->account().handle(), " se creó en ",
                                  v1::Platform_Name(r.event->account().platform()),
                                  " sin la aprobación de la plataforma por la Oficina de "
                                  "Comunicación Social y la Subsecretaría de Sistemas de "
                                  "Información"),
                     {r.index}, &r.event->account());
}

}  // namespace memoria::policy
