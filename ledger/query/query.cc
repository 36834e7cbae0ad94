#include "ledger/query/query.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "absl/strings/str_join.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"
#include "ledger/query/event_type.h"
#include "ledger/query/index_keys.h"
#include "ledger/query/search_range.h"
#include "ledger/status.h"

namespace memoria::query {

// The state column's cursor, shared by a query's lists, counting what it reads.
class IndexCursor {
 public:
  explicit IndexCursor(Store::Cursor cursor) : cursor_(std::move(cursor)) {}
  void SeekAtOrAfter(std::string_view key) {
    ++stats_.index_reads;
    cursor_.SeekAtOrAfter(key);
  }
  void SeekAtOrBefore(std::string_view key) {
    ++stats_.index_reads;
    cursor_.SeekAtOrBefore(key);
  }
  void Next() {
    ++stats_.index_reads;
    cursor_.Next();
  }
  void Prev() {
    ++stats_.index_reads;
    cursor_.Prev();
  }
  bool Valid() const { return cursor_.Valid(); }
  std::string_view key() const { return cursor_.key(); }
  std::string_view value() const { return cursor_.value(); }
  absl::Status status() const { return cursor_.status(); }
  QueryStats& stats() { return stats_; }

 private:
  Store::Cursor cursor_;
  QueryStats stats_;
};

// A sorted list of record indexes, read by jumps. Answers are remembered, so
// that a list asked again for an index it already jumped over costs nothing.
class PostingList {
 public:
  virtual ~PostingList() = default;
  // The first index >= `i` / the last index <= `i` in the list; nullopt if none.
  virtual absl::StatusOr<std::optional<uint64_t>> AtOrAfter(uint64_t i) = 0;
  virtual absl::StatusOr<std::optional<uint64_t>> AtOrBefore(uint64_t i) = 0;
};

namespace {

using Answer = std::optional<uint64_t>;

// An event-time interval, both ends included (so that INT64_MAX fits in one).
using TimeInterval = std::pair<int64_t, int64_t>;

// The posting blocks prefix || be64(first) of the state column (index_keys.h);
// with `exact`, only the postings whose event time lies in
// [exact->first, exact->second]. The block last read is kept decoded.
class PrefixList final : public PostingList {
 public:
  PrefixList(IndexCursor& cursor, std::string prefix,
             std::optional<TimeInterval> exact = std::nullopt)
      : cursor_(cursor),
        prefix_(std::move(prefix)),
        with_times_(IsEventTimePrefix(prefix_)),
        exact_(exact) {}

  absl::StatusOr<Answer> AtOrAfter(uint64_t i) override {
    if (after_ && after_->first <= i && (!after_->second || i <= *after_->second)) {
      return after_->second;
    }
    ASSIGN_OR_RETURN(Answer answer, FindAtOrAfter(i));
    after_.emplace(i, answer);
    return answer;
  }

  absl::StatusOr<Answer> AtOrBefore(uint64_t i) override {
    if (before_ && i <= before_->first && (!before_->second || i >= *before_->second)) {
      return before_->second;
    }
    ASSIGN_OR_RETURN(Answer answer, FindAtOrBefore(i));
    before_.emplace(i, answer);
    return answer;
  }

 private:
  bool Here() const {
    return cursor_.Valid() && cursor_.key().size() == prefix_.size() + 8 &&
           cursor_.key().starts_with(prefix_);
  }
  bool Wanted(const Posting& posting) const {
    return !exact_ || (posting.time_micros >= exact_->first && posting.time_micros <= exact_->second);
  }
  // Decodes the block under the cursor into block_.
  absl::Status Load() {
    ASSIGN_OR_RETURN(block_, DecodeBlock(BlockFirstIndex(cursor_.key()), cursor_.value(), with_times_));
    return absl::OkStatus();
  }
  // The first wanted posting >= i in block_.
  Answer FirstInBlock(uint64_t i) const {
    auto it = std::lower_bound(block_.begin(), block_.end(), i,
                               [](const Posting& p, uint64_t v) { return p.index < v; });
    for (; it != block_.end(); ++it) {
      if (Wanted(*it)) return it->index;
    }
    return std::nullopt;
  }
  // The last wanted posting <= i in block_.
  Answer LastInBlock(uint64_t i) const {
    auto it = std::upper_bound(block_.begin(), block_.end(), i,
                               [](uint64_t v, const Posting& p) { return v < p.index; });
    while (it != block_.begin()) {
      --it;
      if (Wanted(*it)) return it->index;
    }
    return std::nullopt;
  }
  bool BlockCovers(uint64_t i) const {
    return !block_.empty() && block_.front().index <= i && i <= block_.back().index;
  }

  absl::StatusOr<Answer> FindAtOrAfter(uint64_t i) {
    if (BlockCovers(i)) {
      if (Answer answer = FirstInBlock(i)) return answer;
      // Not here: go on from the block after this one.
      cursor_.SeekAtOrAfter(BlockKey(prefix_, block_.front().index));
      if (Here()) cursor_.Next();
    } else {
      // The block that may hold i starts at or before it.
      cursor_.SeekAtOrBefore(BlockKey(prefix_, i));
      if (!Here()) cursor_.SeekAtOrAfter(BlockKey(prefix_, i));
    }
    for (; Here(); cursor_.Next()) {
      RETURN_IF_ERROR(Load());
      if (Answer answer = FirstInBlock(i)) return answer;
    }
    RETURN_IF_ERROR(cursor_.status());
    return std::nullopt;
  }

  absl::StatusOr<Answer> FindAtOrBefore(uint64_t i) {
    if (BlockCovers(i)) {
      if (Answer answer = LastInBlock(i)) return answer;
      cursor_.SeekAtOrBefore(BlockKey(prefix_, block_.front().index));
      if (Here()) cursor_.Prev();
    } else {
      cursor_.SeekAtOrBefore(BlockKey(prefix_, i));
    }
    for (; Here(); cursor_.Prev()) {
      RETURN_IF_ERROR(Load());
      if (Answer answer = LastInBlock(i)) return answer;
    }
    RETURN_IF_ERROR(cursor_.status());
    return std::nullopt;
  }

  IndexCursor& cursor_;
  const std::string prefix_;
  const bool with_times_;
  const std::optional<TimeInterval> exact_;
  std::vector<Posting> block_;
  // (asked, answer) of the last jump each way.
  std::optional<std::pair<uint64_t, Answer>> after_;
  std::optional<std::pair<uint64_t, Answer>> before_;
};

// Any of several lists. Its last answer each way is remembered too: asked
// again for an index between the last one asked and that answer, it answers
// the same without asking its lists. Each list asked counts as a list step.
class UnionList final : public PostingList {
 public:
  UnionList(IndexCursor& cursor, std::vector<std::unique_ptr<PostingList>> lists)
      : cursor_(cursor), lists_(std::move(lists)) {}

  absl::StatusOr<Answer> AtOrAfter(uint64_t i) override {
    if (after_ && after_->first <= i && (!after_->second || i <= *after_->second)) {
      return after_->second;
    }
    cursor_.stats().list_steps += lists_.size();
    Answer best;
    for (const std::unique_ptr<PostingList>& list : lists_) {
      ASSIGN_OR_RETURN(Answer answer, list->AtOrAfter(i));
      if (answer && (!best || *answer < *best)) best = answer;
    }
    after_.emplace(i, best);
    return best;
  }
  absl::StatusOr<Answer> AtOrBefore(uint64_t i) override {
    if (before_ && i <= before_->first && (!before_->second || i >= *before_->second)) {
      return before_->second;
    }
    cursor_.stats().list_steps += lists_.size();
    Answer best;
    for (const std::unique_ptr<PostingList>& list : lists_) {
      ASSIGN_OR_RETURN(Answer answer, list->AtOrBefore(i));
      if (answer && (!best || *answer > *best)) best = answer;
    }
    before_.emplace(i, best);
    return best;
  }

 private:
  IndexCursor& cursor_;
  const std::vector<std::unique_ptr<PostingList>> lists_;
  std::optional<std::pair<uint64_t, Answer>> after_;
  std::optional<std::pair<uint64_t, Answer>> before_;
};

std::unique_ptr<PostingList> AnyOf(IndexCursor& cursor,
                                   std::vector<std::unique_ptr<PostingList>> lists) {
  if (lists.size() == 1) return std::move(lists.front());
  return std::make_unique<UnionList>(cursor, std::move(lists));
}

template <typename Values, typename ToPrefix>
std::unique_ptr<PostingList> AnyValue(IndexCursor& cursor, const Values& values,
                                      ToPrefix to_prefix) {
  std::vector<std::unique_ptr<PostingList>> lists;
  for (const auto& value : values) {
    lists.push_back(std::make_unique<PrefixList>(cursor, to_prefix(value)));
  }
  return AnyOf(cursor, std::move(lists));
}

// x mod m in [0, m), for m > 0 (no overflow for any int64 x).
int64_t FloorMod(int64_t x, int64_t m) {
  const int64_t r = x % m;
  return r < 0 ? r + m : r;
}

// The buckets of `level` that lie wholly inside the interval: [first, last]
// of bucket numbers (empty when first > last). Bucket numbers are within
// +-2^63 / 1 day, so nothing here overflows.
std::pair<int64_t, int64_t> WholeBuckets(int level, const TimeInterval& interval) {
  const int64_t span = EventTimeBucketMicros(level);
  const int64_t first = EventTimeBucket(level, interval.first) +
                        (FloorMod(interval.first, span) == 0 ? 0 : 1);
  const int64_t last = EventTimeBucket(level, interval.second) -
                       (FloorMod(interval.second, span) == span - 1 ? 0 : 1);
  return {first, last};
}

// Calls `visit(bucket)` for each bucket of `level` in [first, last] that the
// index holds, in order: one seek per bucket found (and one more), however
// many buckets the interval spans. RESOURCE_EXHAUSTED past `*budget` buckets.
absl::Status ForEachStoredBucket(IndexCursor& cursor, int level, int64_t first, int64_t last,
                                 size_t* budget, const std::function<void(int64_t)>& visit) {
  const std::string level_prefix = EventTimePrefix(level, 0).substr(0, kQueryIndexPrefix.size() + 3);
  for (int64_t bucket = first; bucket <= last;) {
    cursor.SeekAtOrAfter(EventTimePrefix(level, bucket));
    if (!cursor.Valid() || !cursor.key().starts_with(level_prefix) ||
        cursor.key().size() != level_prefix.size() + 16) {
      break;
    }
    const int64_t found = EventTimePrefixBucket(cursor.key().substr(level_prefix.size(), 8));
    if (found > last) break;
    if (*budget == 0) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the event-time range holds records in more than ", kMaxEventTimeBuckets,
          " separate days and 32-day runs; narrow it (split it into several queries)"));
    }
    --*budget;
    visit(found);
    if (found == last) break;
    bucket = found + 1;
  }
  return cursor.status();
}

// The records whose event time lies in `range`: the 32-day buckets wholly
// inside it, and the days of the rest (at most 31 at each end), the partial
// days checked against exact times. Only the buckets the index holds are
// visited, so a range of any span costs what the records in it cost.
absl::StatusOr<std::unique_ptr<PostingList>> EventTimeList(IndexCursor& cursor,
                                                           const v1::TimeRange& range) {
  std::vector<std::unique_ptr<PostingList>> lists;
  if (range.has_to_micros() && range.to_micros() == std::numeric_limits<int64_t>::min()) {
    return std::make_unique<UnionList>(cursor, std::move(lists));  // empty
  }
  const TimeInterval exact(
      range.has_from_micros() ? range.from_micros() : std::numeric_limits<int64_t>::min(),
      range.has_to_micros() ? range.to_micros() - 1 : std::numeric_limits<int64_t>::max());
  if (exact.first > exact.second) return std::make_unique<UnionList>(cursor, std::move(lists));

  size_t budget = kMaxEventTimeBuckets;
  const auto add_days = [&](int64_t first_day, int64_t last_day) -> absl::Status {
    const std::pair<int64_t, int64_t> whole_days = WholeBuckets(0, exact);
    return ForEachStoredBucket(cursor, 0, first_day, last_day, &budget, [&](int64_t day) {
      const bool whole = day >= whole_days.first && day <= whole_days.second;
      lists.push_back(std::make_unique<PrefixList>(
          cursor, EventTimePrefix(0, day), whole ? std::nullopt : std::optional(exact)));
    });
  };
  const int64_t first_day = EventTimeBucket(0, exact.first);
  const int64_t last_day = EventTimeBucket(0, exact.second);
  const auto [first_run, last_run] = WholeBuckets(1, exact);
  if (first_run > last_run) {
    RETURN_IF_ERROR(add_days(first_day, last_day));  // less than 64 days
  } else {
    constexpr int64_t kDaysPerRun = 32;
    RETURN_IF_ERROR(add_days(first_day, first_run * kDaysPerRun - 1));
    RETURN_IF_ERROR(ForEachStoredBucket(cursor, 1, first_run, last_run, &budget, [&](int64_t run) {
      lists.push_back(std::make_unique<PrefixList>(cursor, EventTimePrefix(1, run)));
    }));
    RETURN_IF_ERROR(add_days((last_run + 1) * kDaysPerRun, last_day));
  }
  return AnyOf(cursor, std::move(lists));
}

absl::Status CheckRange(const v1::TimeRange& range, const char* what) {
  if (range.has_from_micros() && range.has_to_micros() &&
      range.from_micros() >= range.to_micros()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " range is empty or inverted: from ", range.from_micros(),
                     " is not before to ", range.to_micros(), " (microseconds; to is exclusive)"));
  }
  return absl::OkStatus();
}

template <typename Values>
absl::Status CheckValues(const Values& values, const char* what) {
  if (values.size() > kMaxFilterValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many ", what, " (", values.size(), "; at most ", kMaxFilterValues, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckStrings(const google::protobuf::RepeatedPtrField<std::string>& values,
                          const char* what) {
  RETURN_IF_ERROR(CheckValues(values, what));
  for (const std::string& value : values) {
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("empty value in ", what));
  }
  return absl::OkStatus();
}

std::string FilterDigest(const v1::QueryFilter& filter, v1::QueryOrder order) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    filter.SerializeToCodedStream(&coded);
  }
  bytes.push_back(static_cast<char>(order));
  const Hash digest = Sha256(bytes);
  return std::string(reinterpret_cast<const char*>(digest.data()), 8);
}

std::string RecordRuleList() {
  std::string list;
  for (std::string_view rule : policy::kRecordRuleNames) {
    if (!list.empty()) list.append(", ");
    list.append(rule);
  }
  return list;
}

constexpr char kPageTokenVersion = 1;
constexpr size_t kPageTokenBytes = 1 + 8 + 8 + 8;

}  // namespace

absl::Status ValidateFilter(const v1::QueryFilter& filter) {
  const v1::IndexRange& indexes = filter.indexes();
  if (indexes.has_from() && indexes.has_to() && indexes.from() > indexes.to()) {
    return absl::InvalidArgumentError(absl::StrCat("index range: from ", indexes.from(),
                                                   " is after to ", indexes.to(),
                                                   " (to is exclusive)"));
  }
  RETURN_IF_ERROR(CheckRange(filter.event_time(), "event time"));
  RETURN_IF_ERROR(CheckRange(filter.integrated(), "integration time"));
  RETURN_IF_ERROR(CheckStrings(filter.event_types(), "event types"));
  for (const std::string& type : filter.event_types()) {
    if (!IsEventTypeName(type)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown event type \"", type,
                                                     "\"; known types: ",
                                                     absl::StrJoin(EventTypeNames(), ", ")));
    }
  }
  RETURN_IF_ERROR(CheckStrings(filter.generic_types(), "generic types"));
  RETURN_IF_ERROR(CheckValues(filter.accounts(), "accounts"));
  for (const v1::AccountRef& account : filter.accounts()) {
    if (account.platform() == v1::PLATFORM_UNSPECIFIED || !v1::Platform_IsValid(account.platform())) {
      return absl::InvalidArgumentError("an account filter needs its platform");
    }
    if (account.handle().empty() || account.handle() == "@") {
      return absl::InvalidArgumentError("an account filter needs its handle");
    }
  }
  RETURN_IF_ERROR(CheckValues(filter.platforms(), "platforms"));
  for (int platform : filter.platforms()) {
    if (platform == v1::PLATFORM_UNSPECIFIED || !v1::Platform_IsValid(platform)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown platform ", platform));
    }
  }
  RETURN_IF_ERROR(CheckStrings(filter.actors(), "actors"));
  RETURN_IF_ERROR(CheckStrings(filter.writers(), "writers"));
  RETURN_IF_ERROR(CheckStrings(filter.findings(), "findings"));
  for (const std::string& rule : filter.findings()) {
    if (std::find(std::begin(policy::kRecordRuleNames), std::end(policy::kRecordRuleNames),
                  rule) == std::end(policy::kRecordRuleNames)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown finding rule \"", rule, "\" for a query; records can be filtered by the rules "
          "decided when they are sequenced: ", RecordRuleList(),
          " (the others are evaluated as of a time: ask for findings instead)"));
    }
  }
  return absl::OkStatus();
}

RecordQuery::RecordQuery(uint64_t tree_size, v1::QueryOrder order,
                         std::unique_ptr<IndexCursor> cursor)
    : tree_size_(tree_size), order_(order), cursor_(std::move(cursor)) {}
RecordQuery::RecordQuery(RecordQuery&&) noexcept = default;
RecordQuery& RecordQuery::operator=(RecordQuery&&) noexcept = default;
RecordQuery::~RecordQuery() = default;

absl::StatusOr<RecordQuery> RecordQuery::Prepare(const Log& log, const v1::QueryFilter& filter,
                                                 uint64_t tree_size, v1::QueryOrder order) {
  if (tree_size > log.Size()) {
    return absl::OutOfRangeError(absl::StrCat("tree size ", tree_size, " is beyond the log's size ",
                                              log.Size()));
  }
  RecordQuery query(tree_size, order, std::make_unique<IndexCursor>(log.NewStateCursor()));
  IndexCursor& cursor = *query.cursor_;

  query.end_ = tree_size;
  const v1::TimeRange& integrated = filter.integrated();
  if (integrated.has_from_micros() || integrated.has_to_micros()) {
    const policy::RecordTimeFn times = policy::LogRecordTimes(log);
    if (integrated.has_from_micros()) {
      ASSIGN_OR_RETURN(query.begin_,
                       FirstIntegratedAtOrAfter(tree_size, times, integrated.from_micros()));
    }
    if (integrated.has_to_micros()) {
      ASSIGN_OR_RETURN(query.end_,
                       FirstIntegratedAtOrAfter(tree_size, times, integrated.to_micros()));
    }
  }
  // An index range narrows the range of candidates the same way.
  if (filter.indexes().has_from()) query.begin_ = std::max(query.begin_, filter.indexes().from());
  if (filter.indexes().has_to()) query.end_ = std::min(query.end_, filter.indexes().to());

  std::vector<std::unique_ptr<PostingList>>& lists = query.lists_;
  const auto add = [&](std::unique_ptr<PostingList> list) { lists.push_back(std::move(list)); };
  // The same conditions RecordMatcher (record_match.h) checks on one record.
  for (const std::vector<std::string>& group : FilterConditionPrefixes(filter)) {
    add(AnyValue(cursor, group, [](const std::string& prefix) { return prefix; }));
  }
  if (filter.event_time().has_from_micros() || filter.event_time().has_to_micros()) {
    ASSIGN_OR_RETURN(std::unique_ptr<PostingList> list, EventTimeList(cursor, filter.event_time()));
    add(std::move(list));
  }
  return query;
}

const QueryStats& RecordQuery::stats() const { return cursor_->stats(); }

absl::StatusOr<QueryPage> RecordQuery::Find(std::optional<uint64_t> start, size_t limit) {
  QueryPage page;
  if (begin_ >= end_) return page;
  const bool ascending = order_ != v1::NEWEST_FIRST;
  QueryStats& stats = cursor_->stats();
  const uint64_t work_before = stats.index_reads + stats.list_steps;
  // The candidate: every list is asked to jump to it; one that lands
  // elsewhere moves it; when none does, it is a match.
  uint64_t candidate = ascending ? std::max(start.value_or(begin_), begin_)
                                 : std::min(start.value_or(end_ - 1), end_ - 1);
  bool first_step = true;
  while (ascending ? candidate < end_ : candidate >= begin_) {
    // Each step moves the candidate, so a page cut short here has moved on.
    if (!first_step && stats.index_reads + stats.list_steps - work_before >= work_limit_) {
      page.next = candidate;
      return page;
    }
    first_step = false;
    bool agreed = true;
    for (const std::unique_ptr<PostingList>& list : lists_) {
      ++stats.list_steps;
      ASSIGN_OR_RETURN(Answer at, ascending ? list->AtOrAfter(candidate)
                                            : list->AtOrBefore(candidate));
      if (!at || (ascending ? *at >= end_ : *at < begin_)) return page;
      if (*at != candidate) {
        candidate = *at;
        agreed = false;
        break;
      }
    }
    if (!agreed) continue;
    if (page.indexes.size() == limit) {
      page.next = candidate;
      return page;
    }
    page.indexes.push_back(candidate);
    if (ascending) {
      ++candidate;
    } else {
      if (candidate == begin_) break;
      --candidate;
    }
  }
  return page;
}

std::string EncodePageToken(const v1::QueryFilter& filter, v1::QueryOrder order,
                            const PageToken& token) {
  std::string bytes(1, kPageTokenVersion);
  bytes.append(EncodeBigEndian64(token.tree_size));
  bytes.append(EncodeBigEndian64(token.next));
  bytes.append(FilterDigest(filter, order));
  return Base64Encode(bytes);
}

absl::Status ValidateOrder(v1::QueryOrder order) {
  if (!v1::QueryOrder_IsValid(order)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown query order ", static_cast<int>(order), " (OLDEST_FIRST = 0 or NEWEST_FIRST = 1)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PageToken> DecodePageToken(std::string_view text, const v1::QueryFilter& filter,
                                          v1::QueryOrder order) {
  // The token's digest holds the order as one byte: an order outside the enum
  // would match a token of another order.
  RETURN_IF_ERROR(ValidateOrder(order));
  absl::StatusOr<std::string> bytes = Base64Decode(text);
  if (!bytes.ok() || bytes->size() != kPageTokenBytes || (*bytes)[0] != kPageTokenVersion) {
    return absl::InvalidArgumentError("malformed page token");
  }
  if (std::string_view(*bytes).substr(17) != FilterDigest(filter, order)) {
    return absl::InvalidArgumentError(
        "the page token belongs to another query: repeat the filter and order of its first page");
  }
  PageToken token;
  token.tree_size = DecodeBigEndian64(std::string_view(*bytes).substr(1, 8));
  token.next = DecodeBigEndian64(std::string_view(*bytes).substr(9, 8));
  if (token.next >= token.tree_size) return absl::InvalidArgumentError("malformed page token");
  return token;
}

}  // namespace memoria::query
