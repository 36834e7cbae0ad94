#include "ledger/query/search_range.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ledger/query/record_csv.h"
#include "ledger/status.h"

namespace memoria::query {
namespace {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();

// The end of the range: the tree, or the index range's end if smaller.
uint64_t RuleEnd(const v1::QueryFilter& filter, uint64_t tree_size) {
  return filter.indexes().has_to() ? std::min(tree_size, filter.indexes().to()) : tree_size;
}

}  // namespace

std::optional<int64_t> EarliestIntegration(const v1::QueryFilter& filter, int64_t ahead_micros) {
  std::optional<int64_t> earliest;
  if (filter.event_time().has_from_micros()) {
    const int64_t from = filter.event_time().from_micros();
    earliest = from < kMinTime + ahead_micros ? kMinTime : from - ahead_micros;
  }
  if (filter.integrated().has_from_micros()) {
    earliest = std::max(earliest.value_or(kMinTime), filter.integrated().from_micros());
  }
  return earliest;
}

absl::StatusOr<uint64_t> FirstIntegratedAtOrAfter(uint64_t size, const IntegrationTimeFn& time_of,
                                                 int64_t time) {
  uint64_t low = 0, high = size;  // the answer lies in [low, high]
  while (low < high) {
    const uint64_t mid = low + (high - low) / 2;
    ASSIGN_OR_RETURN(const int64_t at, time_of(mid));
    if (at >= time) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

absl::StatusOr<SearchRange> ChooseSearchRange(const v1::QueryFilter& filter, uint64_t tree_size,
                                              int64_t ahead_micros,
                                              const IntegrationTimeFn& time_of) {
  if (ahead_micros < 0) return absl::InvalidArgumentError("the event-time allowance is negative");
  SearchRange range{0, RuleEnd(filter, tree_size)};
  if (const std::optional<int64_t> earliest = EarliestIntegration(filter, ahead_micros);
      earliest.has_value() && *earliest != kMinTime) {
    ASSIGN_OR_RETURN(range.from, FirstIntegratedAtOrAfter(range.to, time_of, *earliest));
  }
  if (filter.indexes().has_from()) range.from = std::max(range.from, filter.indexes().from());
  range.from = std::min(range.from, range.to);
  return range;
}

bool NeedsRecordBefore(const v1::QueryFilter& filter, int64_t ahead_micros,
                       const SearchRange& stated) {
  if (stated.from == 0) return false;
  if (filter.indexes().has_from() && stated.from <= filter.indexes().from()) return false;
  const std::optional<int64_t> earliest = EarliestIntegration(filter, ahead_micros);
  return earliest.has_value() && *earliest != kMinTime;
}

absl::Status CheckSearchRange(const v1::QueryFilter& filter, uint64_t tree_size,
                              int64_t ahead_micros, const SearchRange& stated,
                              std::optional<int64_t> integrated_before) {
  if (ahead_micros < 0) return absl::InvalidArgumentError("the event-time allowance is negative");
  if (stated.from > stated.to || stated.to > tree_size) {
    return absl::InvalidArgumentError(absl::StrCat("searched range [", stated.from, ", ", stated.to,
                                                   ") is not a range of the tree of ", tree_size,
                                                   " records"));
  }
  const uint64_t end = RuleEnd(filter, tree_size);
  if (stated.to < end) {
    return absl::FailedPreconditionError(
        absl::StrCat("the searched range ends at ", stated.to, ", before ", end,
                     ": a record integrated later can match (records may be integrated any time "
                     "after their event)"));
  }
  if (stated.from == 0 || (filter.indexes().has_from() && stated.from <= filter.indexes().from())) {
    return absl::OkStatus();
  }
  const std::optional<int64_t> earliest = EarliestIntegration(filter, ahead_micros);
  if (!earliest.has_value() || *earliest == kMinTime) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the searched range starts at ", stated.from,
        " but the filter bounds no time from below: every record from 0 can match"));
  }
  if (!integrated_before.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the searched range starts at ", stated.from, " and record ", stated.from - 1,
        " was not read to show it was integrated before ", FormatMicrosUtc(*earliest)));
  }
  if (*integrated_before >= *earliest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the searched range starts too late: record ", stated.from - 1, " was integrated at ",
        FormatMicrosUtc(*integrated_before), ", not before ", FormatMicrosUtc(*earliest),
        " (event-time start minus the allowance, or integration start), so it and earlier "
        "records can match"));
  }
  return absl::OkStatus();
}

}  // namespace memoria::query
