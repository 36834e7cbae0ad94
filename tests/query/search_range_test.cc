// The searched range's rule (ledger/query/search_range.h) and a filter
// re-applied to one record (ledger/query/record_match.h), on records built
// here: the boundaries of the event-time allowance, integration-time and
// index bounds, a stated range checked (too late, too short, earlier is fine),
// and each condition of a filter matched from the record alone.
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/query/record_match.h"
#include "ledger/query/search_range.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::query {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr int64_t kAhead = 50;

// Integration times of a log of 6 records (never decreasing).
const std::vector<int64_t> kTimes = {100, 200, 200, 300, 400, 400};

absl::StatusOr<int64_t> TimeOf(uint64_t index) {
  if (index >= kTimes.size()) return absl::OutOfRangeError("beyond the log");
  return kTimes[index];
}

v1::QueryFilter EventFrom(int64_t from) {
  v1::QueryFilter filter;
  filter.mutable_event_time()->set_from_micros(from);
  return filter;
}

SearchRange Choose(const v1::QueryFilter& filter, uint64_t size = kTimes.size()) {
  absl::StatusOr<SearchRange> range = ChooseSearchRange(filter, size, kAhead, TimeOf);
  EXPECT_TRUE(range.ok()) << range.status();
  return range.ok() ? *range : SearchRange{};
}

TEST(SearchRangeTest, EarliestIntegrationIsTheEventStartLessTheAllowanceOrTheIntegrationStart) {
  EXPECT_EQ(EarliestIntegration(v1::QueryFilter(), kAhead), std::nullopt);
  v1::QueryFilter only_to;
  only_to.mutable_event_time()->set_to_micros(1000);
  EXPECT_EQ(EarliestIntegration(only_to, kAhead), std::nullopt);
  EXPECT_THAT(EarliestIntegration(EventFrom(250), kAhead), Optional(200));
  v1::QueryFilter both = EventFrom(250);
  both.mutable_integrated()->set_from_micros(300);
  EXPECT_THAT(EarliestIntegration(both, kAhead), Optional(300));
  both.mutable_integrated()->set_from_micros(150);
  EXPECT_THAT(EarliestIntegration(both, kAhead), Optional(200));
  // Saturates rather than wrapping.
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_THAT(EarliestIntegration(EventFrom(min + 10), kAhead), Optional(min));
}

TEST(SearchRangeTest, TheRangeStartsAtTheFirstRecordIntegratedAtOrAfterTheEarliestTime) {
  // No time bound: the whole tree.
  EXPECT_EQ(Choose(v1::QueryFilter()), (SearchRange{0, 6}));
  // Event at or after 250: a record integrated at 200 may carry an event up
  // to 250 (the allowance), so records 1 and 2 can match: the range starts at 1.
  EXPECT_EQ(Choose(EventFrom(250)), (SearchRange{1, 6}));
  // One microsecond later, records integrated at 200 cannot.
  EXPECT_EQ(Choose(EventFrom(251)), (SearchRange{3, 6}));
  // An event start before the log: from 0. After every record: empty range at the end.
  EXPECT_EQ(Choose(EventFrom(-5)), (SearchRange{0, 6}));
  EXPECT_EQ(Choose(EventFrom(10'000)), (SearchRange{6, 6}));
  // An integration bound, and an index bound, raise the start.
  v1::QueryFilter filter = EventFrom(250);
  filter.mutable_integrated()->set_from_micros(301);
  EXPECT_EQ(Choose(filter), (SearchRange{4, 6}));
  filter.mutable_indexes()->set_from(5);
  EXPECT_EQ(Choose(filter), (SearchRange{5, 6}));
  // An index range's end shortens the range; nothing else does (backfill).
  v1::QueryFilter ended = EventFrom(250);
  ended.mutable_event_time()->set_to_micros(260);
  ended.mutable_integrated()->set_to_micros(201);
  EXPECT_EQ(Choose(ended), (SearchRange{1, 6}));
  ended.mutable_indexes()->set_to(2);
  EXPECT_EQ(Choose(ended), (SearchRange{1, 2}));
  // Against a smaller checkpoint.
  EXPECT_EQ(Choose(EventFrom(10'000), 3), (SearchRange{3, 3}));
}

TEST(SearchRangeTest, AStatedRangeIsCheckedAgainstTheRecordBeforeIt) {
  const v1::QueryFilter filter = EventFrom(250);  // the rule: [1, 6)
  // The rule's own range: record 0 was integrated at 100 < 200.
  ASSERT_TRUE(NeedsRecordBefore(filter, kAhead, {1, 6}));
  EXPECT_TRUE(CheckSearchRange(filter, 6, kAhead, {1, 6}, kTimes[0]).ok());
  // Earlier is fine, from 0 needs nothing.
  EXPECT_FALSE(NeedsRecordBefore(filter, kAhead, {0, 6}));
  EXPECT_TRUE(CheckSearchRange(filter, 6, kAhead, {0, 6}, std::nullopt).ok());
  // One later: record 1 was integrated at 200, not before 200.
  absl::Status late = CheckSearchRange(filter, 6, kAhead, {2, 6}, kTimes[1]);
  EXPECT_TRUE(absl::IsFailedPrecondition(late)) << late;
  EXPECT_THAT(late.message(), HasSubstr("starts too late: record 1"));
  // The record before not read.
  EXPECT_TRUE(absl::IsFailedPrecondition(CheckSearchRange(filter, 6, kAhead, {2, 6}, std::nullopt)));
  // Ending early.
  absl::Status early = CheckSearchRange(filter, 6, kAhead, {1, 5}, kTimes[0]);
  EXPECT_TRUE(absl::IsFailedPrecondition(early)) << early;
  EXPECT_THAT(early.message(), HasSubstr("ends at 5, before 6"));
  // Beyond the tree, inverted.
  EXPECT_TRUE(absl::IsInvalidArgument(CheckSearchRange(filter, 6, kAhead, {1, 7}, kTimes[0])));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckSearchRange(filter, 6, kAhead, {4, 3}, kTimes[2])));
  // No time bound: only 0 (or the index range's start) will do.
  v1::QueryFilter untimed;
  EXPECT_FALSE(NeedsRecordBefore(untimed, kAhead, {1, 6}));
  EXPECT_TRUE(absl::IsFailedPrecondition(CheckSearchRange(untimed, 6, kAhead, {1, 6}, kTimes[0])));
  untimed.mutable_indexes()->set_from(3);
  EXPECT_TRUE(CheckSearchRange(untimed, 6, kAhead, {3, 6}, std::nullopt).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(CheckSearchRange(untimed, 6, kAhead, {4, 6}, kTimes[3])));
  // A negative allowance is refused.
  EXPECT_TRUE(absl::IsInvalidArgument(CheckSearchRange(filter, 6, -1, {0, 6}, std::nullopt)));
}

// A record's bytes: a policy event (or, with generic, a generic one).
std::string Leaf(int64_t event_time, int64_t integrated, bool generic = false) {
  v1::Entry entry;
  entry.set_writer("community-manager");
  entry.set_request_id("r");
  entry.set_event_time_micros(event_time);
  if (generic) {
    entry.mutable_generic()->set_type("post.published");
  } else {
    v1::PolicyEvent& event = *entry.mutable_policy();
    event.mutable_actor()->set_email("Prensa@Pasto.gov.co");
    event.mutable_account()->set_platform(v1::FACEBOOK);
    event.mutable_account()->set_handle("AlcaldiaPasto");
    event.mutable_post_published()->set_platform_post_id("p1");
  }
  v1::Record record;
  record.set_entry(entry.SerializeAsString());
  record.set_writer_signature(std::string(64, 's'));
  record.set_prev_leaf_hash(std::string(32, 'h'));
  record.set_integration_time_micros(integrated);
  return EncodeRecord(record);
}

bool Match(const v1::QueryFilter& filter, uint64_t index, const std::string& leaf) {
  absl::StatusOr<RecordMatcher> matcher = RecordMatcher::Create(filter);
  EXPECT_TRUE(matcher.ok()) << matcher.status();
  if (!matcher.ok()) return false;
  absl::StatusOr<bool> match = matcher->Matches(index, leaf);
  EXPECT_TRUE(match.ok()) << match.status();
  return match.ok() && *match;
}

TEST(RecordMatcherTest, EachConditionIsMatchedFromTheRecordAlone) {
  const std::string policy = Leaf(1000, 5000);
  const std::string generic = Leaf(1000, 5000, /*generic=*/true);
  EXPECT_TRUE(Match(v1::QueryFilter(), 7, policy));
  // Event time [from, to): the start included, the end not.
  v1::QueryFilter times;
  times.mutable_event_time()->set_from_micros(1000);
  times.mutable_event_time()->set_to_micros(1001);
  EXPECT_TRUE(Match(times, 7, policy));
  times.mutable_event_time()->set_from_micros(1001);
  times.mutable_event_time()->set_to_micros(2000);
  EXPECT_FALSE(Match(times, 7, policy));
  times.mutable_event_time()->set_from_micros(0);
  times.mutable_event_time()->set_to_micros(1000);
  EXPECT_FALSE(Match(times, 7, policy));
  // Integration time and index ranges.
  v1::QueryFilter integrated;
  integrated.mutable_integrated()->set_from_micros(5000);
  EXPECT_TRUE(Match(integrated, 7, policy));
  integrated.mutable_integrated()->set_to_micros(5000);
  integrated.mutable_integrated()->clear_from_micros();
  EXPECT_FALSE(Match(integrated, 7, policy));
  v1::QueryFilter indexes;
  indexes.mutable_indexes()->set_from(7);
  indexes.mutable_indexes()->set_to(8);
  EXPECT_TRUE(Match(indexes, 7, policy));
  EXPECT_FALSE(Match(indexes, 8, policy));
  // Equality conditions, normalized as the index normalizes them.
  v1::QueryFilter account;
  v1::AccountRef& ref = *account.add_accounts();
  ref.set_platform(v1::FACEBOOK);
  ref.set_handle("@ALCALDIAPASTO");
  EXPECT_TRUE(Match(account, 7, policy));
  EXPECT_FALSE(Match(account, 7, generic));
  ref.set_platform(v1::TWITTER);
  EXPECT_FALSE(Match(account, 7, policy));
  v1::QueryFilter actor;
  actor.add_actors("prensa@pasto.GOV.co");
  EXPECT_TRUE(Match(actor, 7, policy));
  v1::QueryFilter types;  // any of several values; every condition
  types.add_event_types("user_blocked");
  types.add_event_types("post_published");
  types.add_writers("community-manager");
  types.add_platforms(v1::FACEBOOK);
  EXPECT_TRUE(Match(types, 7, policy));
  types.add_generic_types("post.published");
  EXPECT_FALSE(Match(types, 7, policy));  // a policy event has no generic type
  v1::QueryFilter generic_type;
  generic_type.add_generic_types("post.published");
  generic_type.add_event_types("generic");
  EXPECT_TRUE(Match(generic_type, 7, generic));
}

TEST(RecordMatcherTest, FindingsAndInvalidFiltersAreRefusedAndGarbageIsDataLoss) {
  v1::QueryFilter findings;
  findings.add_findings("user_blocked");
  absl::StatusOr<RecordMatcher> refused = RecordMatcher::Create(findings);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cannot be re-applied from records alone"));
  v1::QueryFilter invalid;
  invalid.add_event_types("no_such_type");
  EXPECT_TRUE(absl::IsInvalidArgument(RecordMatcher::Create(invalid).status()));
  absl::StatusOr<RecordMatcher> matcher = RecordMatcher::Create(v1::QueryFilter());
  ASSERT_TRUE(matcher.ok());
  EXPECT_TRUE(absl::IsDataLoss(matcher->Matches(3, "\xff\xff not a record").status()));
}

}  // namespace
}  // namespace memoria::query
