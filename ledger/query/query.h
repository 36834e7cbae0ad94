// RecordQuery: the records of a log that match a v1::QueryFilter, a page at a
// time, found from the query indexes (index_keys.h) without scanning records.
//
//   RETURN_IF_ERROR(ValidateFilter(filter));
//   ASSIGN_OR_RETURN(RecordQuery query,
//                    RecordQuery::Prepare(log, filter, tree_size, v1::OLDEST_FIRST));
//   ASSIGN_OR_RETURN(QueryPage page, query.Find(/*start=*/std::nullopt, /*limit=*/100));
//   // page.indexes; page.next: where the next page starts (nullopt: no more)
//
// How: each condition is a list of record indexes in log order — one posting
// list per value, the union of several values, the union of the event-time
// buckets covering a range — and the lists are walked in step (a leapfrog
// intersection: each list jumps to the first index >= the candidate, by a
// seek). The cost grows with the number of lists and with the jumps the
// rarest condition forces, not with the log. An integration-time range is an
// index range, found by binary search over record times; a filter's own
// IndexRange narrows it further.
//
// A query sees the records [0, tree_size) only, so its pages do not move
// while records are appended. (A finding is posted with its record, so the
// same holds for finding filters.)
//
// Not thread-safe; `log` must outlive the query.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/log.h"
#include "memoria/v1/query.pb.h"

namespace memoria::query {

inline constexpr uint32_t kDefaultPageSize = 100;
inline constexpr uint32_t kMaxPageSize = 1000;
// At most this many values in one repeated field of a filter.
inline constexpr int kMaxFilterValues = 100;

// OK, or INVALID_ARGUMENT naming the first bad condition: an unknown event
// type or finding rule, an empty value, an unspecified platform, a time range
// whose start is not before its end, too many values.
absl::Status ValidateFilter(const v1::QueryFilter& filter);

// At most this many separate event-time buckets (days and 32-day runs holding
// records) in one event-time range: the lists a query keeps in memory. The
// server refuses event times before 1900
// (ledger/sequencer/entry_validation.h), so a range meets at most about
// 1,500 of them, and more only in a log that stored odd
// times before that check; a range past the limit is RESOURCE_EXHAUSTED.
inline constexpr size_t kMaxEventTimeBuckets = 10'000;
// The work one Find may do: index reads plus jumps asked of posting lists
// (about 0.1-0.5 s of CPU), past which it returns the page found so far.
inline constexpr uint64_t kMaxWorkPerFind = 2'000'000;

struct QueryPage {
  std::vector<uint64_t> indexes;  // in the query's order
  // Where the next page starts, if anywhere: the first match after these, or,
  // on a page cut short by the work limit (fewer than `limit` indexes), the
  // first index not yet examined.
  std::optional<uint64_t> next;
};

// What a query has done so far, Prepare and every Find together. It grows
// with the index entries met, not with the span of a time range.
struct QueryStats {
  uint64_t index_reads = 0;  // seeks and steps of the index cursor
  uint64_t list_steps = 0;   // jumps asked of the query's conditions
};

class IndexCursor;
class PostingList;

class RecordQuery {
 public:
  // `filter` must be valid (ValidateFilter); tree_size <= log.Size().
  // RESOURCE_EXHAUSTED if its event-time range meets more than
  // kMaxEventTimeBuckets buckets holding records.
  static absl::StatusOr<RecordQuery> Prepare(const Log& log, const v1::QueryFilter& filter,
                                             uint64_t tree_size, v1::QueryOrder order);
  RecordQuery(RecordQuery&&) noexcept;
  RecordQuery& operator=(RecordQuery&&) noexcept;
  ~RecordQuery();

  // Up to `limit` matches, in order, from `start` on (inclusive; nullopt: from
  // the first record in this order). Fewer, with `next` set, when the call
  // has done work_limit() work: go on from `next`.
  absl::StatusOr<QueryPage> Find(std::optional<uint64_t> start, size_t limit);

  uint64_t tree_size() const { return tree_size_; }
  const QueryStats& stats() const;
  // The work one Find may do (kMaxWorkPerFind unless set; at least one step).
  uint64_t work_limit() const { return work_limit_; }
  void set_work_limit(uint64_t work) { work_limit_ = work; }

 private:
  RecordQuery(uint64_t tree_size, v1::QueryOrder order, std::unique_ptr<IndexCursor> cursor);

  uint64_t tree_size_;
  v1::QueryOrder order_;
  // Matches lie in [begin_, end_) (integration-time and index ranges within the tree).
  uint64_t begin_ = 0;
  uint64_t end_ = 0;
  uint64_t work_limit_ = kMaxWorkPerFind;
  std::unique_ptr<IndexCursor> cursor_;  // shared by the lists
  std::vector<std::unique_ptr<PostingList>> lists_;
};

// OK, or INVALID_ARGUMENT for an order that is not a QueryOrder value (proto3
// lets a client send any number; a page token binds only the orders there are).
absl::Status ValidateOrder(v1::QueryOrder order);

// Page tokens: opaque text that pins a query's tree size and where its next
// page starts, bound to the filter and order it was issued for.
struct PageToken {
  uint64_t tree_size = 0;
  uint64_t next = 0;
};
std::string EncodePageToken(const v1::QueryFilter& filter, v1::QueryOrder order,
                            const PageToken& token);
// INVALID_ARGUMENT if `text` is not a token of this filter and order, or the
// order is not valid (ValidateOrder).
absl::StatusOr<PageToken> DecodePageToken(std::string_view text, const v1::QueryFilter& filter,
                                          v1::QueryOrder order);

}  // namespace memoria::query
