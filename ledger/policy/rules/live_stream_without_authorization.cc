// Item 19: a live stream needs a prior authorization for that account and a
// window holding its start, by the Oficina de Comunicación Social (main
// accounts) or by the head of the account's dependency (alternate accounts).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

std::optional<v1::Finding> LiveStreamWithoutAuthorization(const RecordContext& r) {
  if (!r.event->has_live_stream_started()) return std::nullopt;
  const v1::StreamAuthorizationFact* auth = r.stream_authorization;
  const int64_t start = r.entry->event_time_micros();
  const bool alternate = r.account != nullptr && r.account->kind() == v1::ALTERNATE;
  std::string problem;
  if (auth == nullptr) {
    problem = "no prior live-stream authorization is referred to";
  } else if (auth->account_key() != AccountKey(r.event->account())) {
    problem = "the authorization referred to is for another account";
  } else if (start < auth->window_start_micros() || start > auth->window_end_micros()) {
    problem = "it started outside the authorized window";
  } else if (!alternate && !IsComunicacionSocial(auth->actor_dependency())) {
    problem = "a main account's stream was not authorized by the Oficina de Comunicación Social";
  } else if (alternate && (!auth->actor_head_of_dependency() ||
                           NormalizeName(auth->actor_dependency()) !=
                               NormalizeName(r.account->dependency()))) {
    problem = "an alternate account's stream was not authorized by the head of its dependency";
  } else {
    return std::nullopt;
  }
  std::vector<uint64_t> indexes = {r.index};
  if (r.event->has_refers_to() && r.event->refers_to() < r.index) indexes.push_back(r.event->refers_to());
  return MakeFinding("live_stream_without_authorization", "3.19", "high",
                     absl::StrCat("live stream ", r.event->live_stream_started().platform_stream_id(),
                                  " on ", r.event->account().handle(), ": ", problem),
                     std::move(indexes), &r.event->account());
}

}  // namespace memoria::policy
