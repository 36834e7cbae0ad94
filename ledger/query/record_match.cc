#include "ledger/query/record_match.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ledger/query/index_keys.h"
#include "ledger/query/query.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::query {
namespace {

// [from, to) with open bounds left out, as v1::TimeRange says.
bool InRange(const v1::TimeRange& range, int64_t time) {
  if (range.has_from_micros() && time < range.from_micros()) return false;
  if (range.has_to_micros() && time >= range.to_micros()) return false;
  return true;
}

}  // namespace

absl::Status CheckReapplicable(const v1::QueryFilter& filter) {
  if (!filter.findings().empty()) {
    return absl::FailedPreconditionError(
        "a filter on findings cannot be re-applied from records alone: the policy views decide a "
        "record's findings from the state of the whole log before it, so its completeness is not "
        "checkable from the searched range");
  }
  return absl::OkStatus();
}

RecordMatcher::RecordMatcher(const v1::QueryFilter& filter)
    : filter_(filter), groups_(FilterConditionPrefixes(filter)) {
  for (std::vector<std::string>& group : groups_) std::sort(group.begin(), group.end());
}

absl::StatusOr<RecordMatcher> RecordMatcher::Create(const v1::QueryFilter& filter) {
  RETURN_IF_ERROR(ValidateFilter(filter));
  RETURN_IF_ERROR(CheckReapplicable(filter));
  return RecordMatcher(filter);
}

bool RecordMatcher::Matches(uint64_t index, const v1::Record& record, const v1::Entry& entry) const {
  const v1::IndexRange& indexes = filter_.indexes();
  if (indexes.has_from() && index < indexes.from()) return false;
  if (indexes.has_to() && index >= indexes.to()) return false;
  if (!InRange(filter_.integrated(), record.integration_time_micros())) return false;
  if (!InRange(filter_.event_time(), entry.event_time_micros())) return false;
  if (groups_.empty()) return true;
  const std::vector<std::string> held = EntryPostingPrefixes(entry);
  for (const std::vector<std::string>& group : groups_) {
    const bool met = std::any_of(held.begin(), held.end(), [&](const std::string& prefix) {
      return std::binary_search(group.begin(), group.end(), prefix);
    });
    if (!met) return false;
  }
  return true;
}

absl::StatusOr<bool> RecordMatcher::Matches(uint64_t index, std::string_view leaf) const {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  v1::Entry entry;
  if (!record.ok() || !entry.ParseFromString(record->entry())) {
    return absl::DataLossError(absl::StrCat("record ", index, " does not parse as a record and entry"));
  }
  return Matches(index, *record, entry);
}

}  // namespace memoria::query
