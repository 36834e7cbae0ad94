// PQRD referral deadlines in business days around Colombian holidays,
// through the views as the sequencer maintains them: the term runs from the
// day after receipt and skips weekends, holidays and the configured extra
// non-working days. Each case has a PQRD referred on its last day (never a
// finding, although a weekend-only count would have flagged most), one
// referred the next business day (always a finding) and one never referred
// (a finding from the end of the last day on).
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/rules/time_util.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

using absl::CivilDay;
using testing::Event;
using testing::Person;
using testing::PolicyLedger;

constexpr int64_t kHour = int64_t{3600} * 1000000;
const v1::Official kOcsHead =
    Person("comunicaciones@pasto.gov.co", "Oficina de Comunicación Social", true);

// `hour` o'clock in Pasto on `day`.
int64_t Local(CivilDay day, int hour) { return StartOfColombianDay(day) + hour * kHour; }

v1::PolicyEvent Received() {
  v1::PolicyEvent e = Event(kOcsHead, v1::FACEBOOK, "AlcaldiaPasto");
  e.mutable_pqrd_received()->set_platform_message_id("m");
  return e;
}
v1::PolicyEvent Referred(uint64_t to) {
  v1::PolicyEvent e = Event(kOcsHead, v1::FACEBOOK, "AlcaldiaPasto");
  e.mutable_pqrd_referred()->set_filing_number("2026-0001");
  e.set_refers_to(to);
  return e;
}

struct Case {
  const char* what;
  CivilDay received;
  CivilDay last_day;      // the 2nd business day after receipt
  CivilDay next_business;  // the first business day after last_day
};

// In time order (the log's integration times never go back).
const Case kCases[] = {
    {"31 December 2025 (Wednesday), 1 January", CivilDay(2025, 12, 31), CivilDay(2026, 1, 5),
     CivilDay(2026, 1, 6)},
    {"Friday before the Reyes bridge (12 January)", CivilDay(2026, 1, 9), CivilDay(2026, 1, 14),
     CivilDay(2026, 1, 15)},
    {"Friday before a festivo Monday (San José, 23 March)", CivilDay(2026, 3, 20),
     CivilDay(2026, 3, 25), CivilDay(2026, 3, 26)},
    {"Miércoles Santo, before Jueves and Viernes Santo", CivilDay(2026, 4, 1), CivilDay(2026, 4, 7),
     CivilDay(2026, 4, 8)},
    {"Thursday before San Pedro (Monday 29 June)", CivilDay(2026, 6, 25), CivilDay(2026, 6, 30),
     CivilDay(2026, 7, 1)},
    {"a holiday just after the last day (Asunción, Monday 17 August)", CivilDay(2026, 8, 12),
     CivilDay(2026, 8, 14), CivilDay(2026, 8, 18)},
    {"31 December 2026 (Thursday)", CivilDay(2026, 12, 31), CivilDay(2027, 1, 5),
     CivilDay(2027, 1, 6)},
};

struct Indexes {
  uint64_t in_time, in_time_referral, late, late_referral, never;
};

class PqrdBusinessDaysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Case& c : kCases) {
      Indexes& ix = indexes_.emplace_back();
      ix.in_time = ledger_.Append(Received(), Local(c.received, 9));
      ix.late = ledger_.Append(Received(), Local(c.received, 10));
      ix.never = ledger_.Append(Received(), Local(c.received, 11));
      ix.in_time_referral = ledger_.Append(Referred(ix.in_time), Local(c.last_day, 17));
      ix.late_referral = ledger_.Append(Referred(ix.late), Local(c.next_business, 8));
    }
  }

  std::vector<std::vector<uint64_t>> PqrdFindings(int64_t at, int64_t since = 0,
                                                  const FindingsOptions& options = {}) {
    absl::StatusOr<FindingsResult> result = EvaluateFindings(
        ledger_.state(), ledger_.log().Size(), LogRecordTimes(ledger_.log()), at, since, options);
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<std::vector<uint64_t>> out;
    for (const v1::Finding& f : result->findings) {
      if (f.rule() != "pqrd_not_referred_in_time") continue;
      out.emplace_back(f.indexes().begin(), f.indexes().end());
    }
    return out;
  }

  PolicyLedger ledger_;
  std::vector<Indexes> indexes_;
};

TEST_F(PqrdBusinessDaysTest, TheCalendarAgreesWithTheCases) {
  const BusinessCalendar calendar;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(calendar.AddBusinessDays(c.received, 2), c.last_day);
    EXPECT_EQ(calendar.AddBusinessDays(c.last_day, 1), c.next_business);
    EXPECT_EQ(BusinessDeadline(Local(c.received, 23), 2, calendar),
              StartOfColombianDay(c.last_day + 1));
  }
}

TEST_F(PqrdBusinessDaysTest, OnlyLateAndMissingReferralsAreFound) {
  std::vector<std::vector<uint64_t>> expected;
  for (const Indexes& ix : indexes_) {
    expected.push_back({ix.late, ix.late_referral});
    expected.push_back({ix.never});
  }
  EXPECT_EQ(PqrdFindings(Local(CivilDay(2027, 6, 1), 0)), expected);
}

TEST_F(PqrdBusinessDaysTest, AMissingReferralIsFoundFromTheEndOfTheLastDay) {
  for (size_t i = 0; i < std::size(kCases); ++i) {
    SCOPED_TRACE(kCases[i].what);
    const int64_t end = StartOfColombianDay(kCases[i].last_day + 1);
    const std::vector<uint64_t> never = {indexes_[i].never};
    EXPECT_THAT(PqrdFindings(end - 1), ::testing::Not(::testing::Contains(never)));
    EXPECT_THAT(PqrdFindings(end + 1), ::testing::Contains(never));
  }
}

// A municipal decree makes Friday 14 August 2026 a non-working day: the
// August case's last day becomes Tuesday 18 (Monday 17 is Asunción), so its
// "late" referral is in time and its missing one not due until then.
TEST_F(PqrdBusinessDaysTest, ExtraNonWorkingDaysMoveTheDeadline) {
  FindingsOptions options;
  options.extra_non_working_days = {CivilDay(2026, 8, 14)};
  const Indexes& august = indexes_[5];
  const std::vector<uint64_t> late = {august.late, august.late_referral};
  const std::vector<uint64_t> never = {august.never};
  EXPECT_THAT(PqrdFindings(Local(CivilDay(2027, 6, 1), 0)), ::testing::Contains(late));
  EXPECT_THAT(PqrdFindings(Local(CivilDay(2027, 6, 1), 0), 0, options),
              ::testing::Not(::testing::Contains(late)));
  EXPECT_THAT(PqrdFindings(Local(CivilDay(2026, 8, 18), 20), 0, options),
              ::testing::Not(::testing::Contains(never)));
  EXPECT_THAT(PqrdFindings(Local(CivilDay(2026, 8, 19), 1), 0, options), ::testing::Contains(never));
}

// --since keeps the PQRDs whose deadline fell at or after it, however many
// holidays lie between their receipt and their deadline: received Tuesday 31
// March 2026, due Monday 6 April (six calendar days and a half later).
TEST(PqrdBusinessDaysSinceTest, SinceLooksBackOverHolidays) {
  PolicyLedger ledger;
  const uint64_t received = ledger.Append(Received(), Local(CivilDay(2026, 3, 31), 8));
  ledger.Append(Received(), Local(CivilDay(2026, 4, 6), 8));  // due 8 April
  const int64_t at = Local(CivilDay(2026, 5, 1), 0);
  auto found = [&](int64_t since) {
    absl::StatusOr<FindingsResult> result = EvaluateFindings(
        ledger.state(), ledger.log().Size(), LogRecordTimes(ledger.log()), at, since, {});
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<uint64_t> first;
    for (const v1::Finding& f : result->findings) {
      if (f.rule() == "pqrd_not_referred_in_time") first.push_back(f.indexes(0));
    }
    return first;
  };
  EXPECT_THAT(found(Local(CivilDay(2026, 4, 6), 18)), ::testing::ElementsAre(received, received + 1));
  EXPECT_THAT(found(Local(CivilDay(2026, 4, 7), 1)), ::testing::ElementsAre(received + 1));
}

}  // namespace
}  // namespace memoria::policy
