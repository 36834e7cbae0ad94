#include "ledger/policy/findings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/time_util.h"
#include "ledger/policy/state_keys.h"
#include "ledger/status.h"

namespace memoria::policy {

absl::StatusOr<FindingsResult> EvaluateFindings(const StateReader& state, uint64_t size,
                                                const RecordTimeFn& time_of, int64_t at_micros,
                                                int64_t since_micros,
                                                const FindingsOptions& options) {
  FindingsResult result;
  ASSIGN_OR_RETURN(result.at_index, IndexAtTime(size, time_of, at_micros));
  if (!result.at_index.has_value()) return result;
  uint64_t since_index = 0;
  if (since_micros > 0) {
    ASSIGN_OR_RETURN(std::optional<uint64_t> before, IndexAtTime(size, time_of, since_micros - 1));
    since_index = before.has_value() ? *before + 1 : 0;
  }

  absl::Status status;
  RETURN_IF_ERROR(ScanIndexRange(state, kRecordFindingPrefix, since_index, *result.at_index,
                                 [&](std::string_view key, std::string_view value) {
    const uint64_t index = RecordFindingIndex(key);
    v1::Finding& finding = result.findings.emplace_back();
    if (!finding.ParseFromString(std::string(value))) {
      status = absl::DataLossError(absl::StrCat("finding at ", index, " does not parse"));
      return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(status);

  ASSIGN_OR_RETURN(std::vector<v1::AccountState> accounts, InventoryAt(state, *result.at_index));
  QueryContext context;
  context.state = &state;
  context.at_index = *result.at_index;
  context.at_micros = at_micros;
  context.since_micros = since_micros;
  context.since_index = since_index;
  const BusinessCalendar calendar(options.extra_non_working_days);
  context.calendar = &calendar;
  if (since_micros > 0) {
    const int64_t earliest = EarliestReceiptDueAtOrAfter(
        since_micros, options.pqrd_referral_business_days, calendar);
    ASSIGN_OR_RETURN(std::optional<uint64_t> before, IndexAtTime(size, time_of, earliest - 1));
    context.pqrd_since_index = before.has_value() ? *before + 1 : 0;
  }
  context.options = &options;
  context.accounts = &accounts;
  context.time_of = &time_of;
  for (QueryRule rule : kQueryRules) RETURN_IF_ERROR(rule(context, result.findings));

  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const v1::Finding& a, const v1::Finding& b) {
                     const uint64_t first_a = a.indexes_size() > 0 ? a.indexes(0) : 0;
                     const uint64_t first_b = b.indexes_size() > 0 ? b.indexes(0) : 0;
                     if (first_a != first_b) return first_a < first_b;
                     return a.rule() < b.rule();
                   });
  return result;
}

}  // namespace memoria::policy
