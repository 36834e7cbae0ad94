// Compliance findings as of a time: the findings decided when records were
// sequenced (stored by PolicyViews) plus the query rules (rules/rules.h)
// evaluated over the inventory as of that time.
//
//   FindingsOptions options;  // thresholds, institutional domains
//   ASSIGN_OR_RETURN(FindingsResult result,
//                    EvaluateFindings(reader, log.Size(), LogRecordTimes(log), at, since, options));
//
// `at_micros`: the findings as of the last record integrated at or before it;
// time rules (deadlines, inactivity, rotation) count up to `at_micros`.
// `since_micros`: findings about a record (the record rules, role grants) are
// reported for records integrated at or after it; deadlines are reported if
// they fell at or after it; conditions that hold at `at_micros` (an account
// without a responsible administrator, inactive, with old credentials, a
// role kept after the employment ended) are always reported.
//
// Findings are sorted by their first index, then rule. Cost: one IndexAtTime
// per bound, one InventoryAt, and scans of the (small) fact prefixes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_reader.h"
#include "memoria/v1/views.pb.h"

namespace memoria::policy {

struct FindingsResult {
  std::optional<uint64_t> at_index;  // nullopt: no record at or before at_micros
  std::vector<v1::Finding> findings;
};

absl::StatusOr<FindingsResult> EvaluateFindings(const StateReader& state, uint64_t size,
                                                const RecordTimeFn& time_of, int64_t at_micros,
                                                int64_t since_micros,
                                                const FindingsOptions& options);

}  // namespace memoria::policy
