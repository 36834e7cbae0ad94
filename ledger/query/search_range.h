// The searched range of a request: the part of the log [from, to) that must
// be searched so that it holds every record that can match a filter, chosen
// here once for the server (the Export header states it, and `memoria
// request` writes it into the bundle) and checked here for the verifier
// (`memoria-audit verify --bundle`, which re-applies the filter over the
// whole range: record_match.h).
//
// The rule (its reasons and limits: ledger/query/README.md, "Answers proven
// complete"):
//   - to   = the checkpoint's tree size N, or the filter's index range's end
//            if that is smaller.
//   - from = the first index whose integration time is at or after
//            T = max(event_time.from - A, integrated.from), the bounds the
//            filter has (A: the event-time allowance, what the log refuses
//            as an event time later than its integration time: the server's
//            --max-event-time-ahead); 0 if the filter has neither bound;
//            then raised to the filter's index range's start.
// Why: integration times never decrease along the log, and a record is
// integrated at or after (its event time - A), because the server refuses an
// entry whose event time is more than A ahead of its clock when it integrates
// it (ledger/sequencer/entry_validation.h). A record whose event lies at or
// after event_time.from was therefore integrated at or after from - A: at or
// after `from` of the range. A record may be integrated any time after its
// event (backfill, imports), so the range always runs to the end of the tree.
//
// What a verifier checks of a stated range (CheckSearchRange): to >= the
// rule's `to` (and <= N); from <= the rule's `from`, which holds if from is 0,
// or at most the index range's start, or the record at from - 1 (read from a
// source it does not trust, with its inclusion proof) was integrated before
// T. A range that starts later than the rule allows is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "memoria/v1/query.pb.h"

namespace memoria::query {

struct SearchRange {
  uint64_t from = 0;
  uint64_t to = 0;  // exclusive
  bool operator==(const SearchRange&) const = default;
};

// T: the integration time at or after which every record that can match
// `filter` lies, given the event-time allowance `ahead_micros` (>= 0);
// nullopt if the filter bounds neither event time from below nor
// integration time from below. Saturates at INT64_MIN.
std::optional<int64_t> EarliestIntegration(const v1::QueryFilter& filter, int64_t ahead_micros);

// The first index < size whose integration time is at or after `time`
// (`size` if none), given how to read a record's integration time (they never
// decrease): a binary search, O(log size) reads.
using IntegrationTimeFn = std::function<absl::StatusOr<int64_t>(uint64_t index)>;
absl::StatusOr<uint64_t> FirstIntegratedAtOrAfter(uint64_t size, const IntegrationTimeFn& time_of,
                                                 int64_t time);

// The rule's range for `filter` over a tree of `tree_size` records.
absl::StatusOr<SearchRange> ChooseSearchRange(const v1::QueryFilter& filter, uint64_t tree_size,
                                              int64_t ahead_micros,
                                              const IntegrationTimeFn& time_of);

// Whether the range check needs the integration time of the record at
// stated.from - 1 (it does unless from is 0 or within the index range's start,
// or the filter has no time bound).
bool NeedsRecordBefore(const v1::QueryFilter& filter, int64_t ahead_micros,
                       const SearchRange& stated);

// OK if `stated` covers the rule's range over a tree of `tree_size` records;
// `integrated_before` is the integration time of the record at stated.from -
// 1, required when NeedsRecordBefore. FAILED_PRECONDITION saying which end
// falls short otherwise; INVALID_ARGUMENT for a negative allowance or an
// inverted range.
absl::Status CheckSearchRange(const v1::QueryFilter& filter, uint64_t tree_size,
                              int64_t ahead_micros, const SearchRange& stated,
                              std::optional<int64_t> integrated_before);

}  // namespace memoria::query
