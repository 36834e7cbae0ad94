// RecordMatcher: whether one record matches a v1::QueryFilter, decided from
// the record's bytes alone (no index, no state, nothing secret), so that a
// verifier re-applies a request's filter over the records of the searched
// range (memoria-audit verify --bundle, completeness; search_range.h).
//
//   ASSIGN_OR_RETURN(RecordMatcher matcher, RecordMatcher::Create(filter));
//   ASSIGN_OR_RETURN(bool match, matcher.Matches(index, leaf));
//
// It is the query engine's definition of a match, not a second one: the
// equality conditions are the same posting prefixes (index_keys.h,
// FilterConditionPrefixes) compared with the prefixes the index writes for
// the record (EntryPostingPrefixes); the event-time condition is the same
// exact interval [from, to) on Entry.event_time_micros the event-time lists
// check; integration time is [from, to) on Record.integration_time_micros
// (the engine turns it into an index range, the same thing since those
// times never decrease); the index range is [from, to).
//
// Not re-applicable: `findings`. A record-rule finding is decided by the
// policy views from the state of the whole log before the record (the
// accounts inventory, authorizations), not from the record; a verifier
// would have to replay the log from its genesis. Create refuses such a
// filter (FAILED_PRECONDITION, saying so). Personal data never enters a
// filter: its only conditions on people are accounts and actor e-mails,
// which records hold in clear; commitments are not filterable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/query.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::query {

// OK if RecordMatcher can re-apply `filter` from records alone; otherwise
// FAILED_PRECONDITION naming the condition that cannot be.
absl::Status CheckReapplicable(const v1::QueryFilter& filter);

class RecordMatcher {
 public:
  // INVALID_ARGUMENT if the filter is not valid (ValidateFilter);
  // FAILED_PRECONDITION if it cannot be re-applied (CheckReapplicable).
  static absl::StatusOr<RecordMatcher> Create(const v1::QueryFilter& filter);

  // Whether the record at `index` (its stored bytes) matches. DATA_LOSS if
  // the bytes are not a record holding an entry.
  absl::StatusOr<bool> Matches(uint64_t index, std::string_view leaf) const;
  bool Matches(uint64_t index, const v1::Record& record, const v1::Entry& entry) const;

 private:
  explicit RecordMatcher(const v1::QueryFilter& filter);
  v1::QueryFilter filter_;
  std::vector<std::vector<std::string>> groups_;  // FilterConditionPrefixes
};

}  // namespace memoria::query
