// Items 10, 12: an alternate account is created only with the authorization
// of the Oficina de Comunicación Social, for that platform and handle.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

std::optional<v1::Finding> AlternateWithoutAuthorization(const RecordContext& r) {
  if (!r.event->has_account_created() || r.event->account_created().kind() != v1::ALTERNATE) {
    return std::nullopt;
  }
  const v1::AlternateAuthorizationFact* auth = r.alternate_authorization;
  std::string problem;
  if (auth == nullptr) {
    problem = r.event->has_refers_to() ? "refers to a record that is not an authorization"
                                       : "refers to no authorization";
  } else if (auth->account_key() != AccountKey(r.event->account())) {
    problem = "refers to an authorization for another account";
  } else if (!IsComunicacionSocial(auth->actor_dependency())) {
    problem = absl::StrCat("refers to an authorization given by \"", auth->actor_dependency(),
                           "\", not the Oficina de Comunicación Social");
  } else {
    return std::nullopt;
  }
  std::vector<uint64_t> indexes = {r.index};
  if (r.event->has_refers_to() && r.event->refers_to() < r.index) indexes.push_back(r.event->refers_to());
  return MakeFinding("alternate_without_authorization", "3.10", "high",
                     absl::StrCat("alternate account ", r.event->account().handle(), " was created but ",
                                  problem),
                     std::move(indexes), &r.event->account());
}

}  // namespace memoria::policy
