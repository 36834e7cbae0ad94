// Item 8: a PQRD received by social media is referred to the correspondence
// unit; here, within FindingsOptions::pqrd_referral_business_days.
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

absl::Status PqrdNotReferredInTime(const QueryContext& q, std::vector<v1::Finding>& out) {
  absl::Status status;
  const uint32_t days = q.options->pqrd_referral_business_days;
  RETURN_IF_ERROR(ScanIndexRange(*q.state, kPqrdPrefix, q.pqrd_since_index, q.at_index,
                                 [&](std::string_view key, std::string_view value) {
    const uint64_t index = TrailingIndex(key);
    v1::PqrdFact fact;
    if (!fact.ParseFromString(std::string(value))) {
      status = absl::DataLossError(absl::StrCat("PQRD fact at ", index, " does not parse"));
      return false;
    }
    const int64_t deadline = BusinessDeadline(fact.received_micros(), days, *q.calendar);
    if (deadline < q.since_micros) return true;
    const bool referred = fact.has_referred_index() && fact.referred_index() <= q.at_index;
    if (referred && fact.referred_micros() <= deadline) return true;
    if (!referred && q.at_micros <= deadline) return true;
    out.push_back(MakeFinding(
        "pqrd_not_referred_in_time", "3.8", "medium",
        referred ? absl::StrCat("PQRD received on ", fact.account().handle(),
                                " was referred to the correspondence unit after ", days,
                                " business days")
                 : absl::StrCat("PQRD received on ", fact.account().handle(),
                                " was not referred to the correspondence unit within ", days,
                                " business days"),
        referred ? std::vector<uint64_t>{index, fact.referred_index()} : std::vector<uint64_t>{index},
        &fact.account()));
    return true;
  }));
  return status;
}

}  // namespace memoria::policy
