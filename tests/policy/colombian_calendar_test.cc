// The Colombian holiday calendar against the official calendars of 2021 to
// 2027 (written out by hand below, one list per year, from the decrees'
// published dates), Easter, business days and the extra non-working days.
#include "ledger/policy/colombian_calendar.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace memoria::policy {
namespace {

using absl::CivilDay;

// Month and day of each of the 18 holidays, in order (2025 has San Pedro y
// San Pablo and Sagrado Corazón both on 30 June).
const std::map<int, std::vector<std::pair<int, int>>> kOfficial = {
    {2021, {{1, 1}, {1, 11}, {3, 22}, {4, 1}, {4, 2}, {5, 1}, {5, 17}, {6, 7}, {6, 14},
            {7, 5}, {7, 20}, {8, 7}, {8, 16}, {10, 18}, {11, 1}, {11, 15}, {12, 8}, {12, 25}}},
    {2022, {{1, 1}, {1, 10}, {3, 21}, {4, 14}, {4, 15}, {5, 1}, {5, 30}, {6, 20}, {6, 27},
            {7, 4}, {7, 20}, {8, 7}, {8, 15}, {10, 17}, {11, 7}, {11, 14}, {12, 8}, {12, 25}}},
    {2023, {{1, 1}, {1, 9}, {3, 20}, {4, 6}, {4, 7}, {5, 1}, {5, 22}, {6, 12}, {6, 19},
            {7, 3}, {7, 20}, {8, 7}, {8, 21}, {10, 16}, {11, 6}, {11, 13}, {12, 8}, {12, 25}}},
    {2024, {{1, 1}, {1, 8}, {3, 25}, {3, 28}, {3, 29}, {5, 1}, {5, 13}, {6, 3}, {6, 10},
            {7, 1}, {7, 20}, {8, 7}, {8, 19}, {10, 14}, {11, 4}, {11, 11}, {12, 8}, {12, 25}}},
    {2025, {{1, 1}, {1, 6}, {3, 24}, {4, 17}, {4, 18}, {5, 1}, {6, 2}, {6, 23}, {6, 30},
            {6, 30}, {7, 20}, {8, 7}, {8, 18}, {10, 13}, {11, 3}, {11, 17}, {12, 8}, {12, 25}}},
    {2026, {{1, 1}, {1, 12}, {3, 23}, {4, 2}, {4, 3}, {5, 1}, {5, 18}, {6, 8}, {6, 15},
            {6, 29}, {7, 20}, {8, 7}, {8, 17}, {10, 12}, {11, 2}, {11, 16}, {12, 8}, {12, 25}}},
    {2027, {{1, 1}, {1, 11}, {3, 22}, {3, 25}, {3, 26}, {5, 1}, {5, 10}, {5, 31}, {6, 7},
            {7, 5}, {7, 20}, {8, 7}, {8, 16}, {10, 18}, {11, 1}, {11, 15}, {12, 8}, {12, 25}}},
};

TEST(ColombianCalendarTest, EasterSundayKnownDates) {
  EXPECT_EQ(EasterSunday(2021), CivilDay(2021, 4, 4));
  EXPECT_EQ(EasterSunday(2022), CivilDay(2022, 4, 17));
  EXPECT_EQ(EasterSunday(2023), CivilDay(2023, 4, 9));
  EXPECT_EQ(EasterSunday(2024), CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), CivilDay(2027, 3, 28));
  // The extremes of the Gregorian range: 22 March (1818, 2285) and 25 April (1943, 2038).
  EXPECT_EQ(EasterSunday(1818), CivilDay(1818, 3, 22));
  EXPECT_EQ(EasterSunday(2285), CivilDay(2285, 3, 22));
  EXPECT_EQ(EasterSunday(1943), CivilDay(1943, 4, 25));
  EXPECT_EQ(EasterSunday(2038), CivilDay(2038, 4, 25));
  EXPECT_EQ(EasterSunday(2000), CivilDay(2000, 4, 23));
  for (int year = 1583; year < 2500; ++year) {
    EXPECT_EQ(absl::GetWeekday(EasterSunday(year)), absl::Weekday::sunday) << year;
  }
}

TEST(ColombianCalendarTest, OfficialCalendars2021To2027) {
  for (const auto& [year, dates] : kOfficial) {
    std::vector<CivilDay> expected;
    for (const auto& [month, day] : dates) expected.emplace_back(year, month, day);
    std::vector<CivilDay> computed;
    for (const ColombianHoliday& holiday : ColombianHolidays(year)) {
      computed.push_back(holiday.day);
      EXPECT_FALSE(holiday.name.empty());
    }
    EXPECT_EQ(computed, expected) << year;
    // IsColombianHoliday (computed day by day, not from the list) agrees on
    // every day of the year.
    const std::set<CivilDay> set(expected.begin(), expected.end());
    for (CivilDay day(year, 1, 1); day.year() == year; ++day) {
      EXPECT_EQ(IsColombianHoliday(day), set.contains(day)) << day;
    }
  }
}

TEST(ColombianCalendarTest, SanPedroAndSagradoCorazonShareADayWhenEasterIsLate) {
  std::vector<ColombianHoliday> holidays = ColombianHolidays(2025);
  ASSERT_EQ(holidays.size(), 18u);
  std::vector<std::string> on_june_30;
  for (const ColombianHoliday& h : holidays) {
    if (h.day == CivilDay(2025, 6, 30)) on_june_30.emplace_back(h.name);
  }
  EXPECT_THAT(on_june_30, ::testing::ElementsAre("Sagrado Corazón", "San Pedro y San Pablo"));
  // Every year has 18 holidays; 17 or 18 distinct days, every moved one a Monday.
  for (int year = 1984; year < 2200; ++year) {
    std::vector<ColombianHoliday> all = ColombianHolidays(year);
    ASSERT_EQ(all.size(), 18u);
    std::set<CivilDay> distinct;
    for (const ColombianHoliday& h : all) {
      distinct.insert(h.day);
      EXPECT_TRUE(IsColombianHoliday(h.day)) << h.day << " " << h.name;
    }
    const bool late_easter = EasterSunday(year) >= CivilDay(year, 4, 19);
    EXPECT_EQ(distinct.size(), late_easter ? 17u : 18u) << year;
  }
}

TEST(ColombianCalendarTest, BusinessDays) {
  const BusinessCalendar calendar;
  EXPECT_TRUE(calendar.IsBusinessDay(CivilDay(2026, 4, 1)));    // Miércoles Santo
  EXPECT_FALSE(calendar.IsBusinessDay(CivilDay(2026, 4, 2)));   // Jueves Santo
  EXPECT_FALSE(calendar.IsBusinessDay(CivilDay(2026, 4, 3)));   // Viernes Santo
  EXPECT_FALSE(calendar.IsBusinessDay(CivilDay(2026, 4, 4)));   // Saturday
  EXPECT_TRUE(calendar.IsBusinessDay(CivilDay(2026, 4, 6)));
  EXPECT_FALSE(calendar.IsBusinessDay(CivilDay(2026, 1, 12)));  // Reyes, moved from Tuesday 6
  EXPECT_TRUE(calendar.IsBusinessDay(CivilDay(2026, 1, 6)));    // not the holiday itself

  // From the day after: Wednesday 1 April 2026 -> 6 and 7 April.
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 4, 1), 1), CivilDay(2026, 4, 6));
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 4, 1), 2), CivilDay(2026, 4, 7));
  // 31 December 2026 (Thursday): 1 January, a weekend, then Monday 4.
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 12, 31), 1), CivilDay(2027, 1, 4));
  // A Friday before a festivo Monday (20 March 2026, San José on 23).
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 3, 20), 1), CivilDay(2026, 3, 24));
  // 15 business days (Ley 1755 art. 14) from Monday 30 March 2026: Semana Santa
  // and 1 May in between.
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 3, 30), 15), CivilDay(2026, 4, 22));
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 4, 24), 5), CivilDay(2026, 5, 4));
  EXPECT_EQ(calendar.AddBusinessDays(CivilDay(2026, 4, 3), 0), CivilDay(2026, 4, 3));
}

TEST(ColombianCalendarTest, ExtraNonWorkingDaysAreSkipped) {
  const BusinessCalendar plain;
  const BusinessCalendar decree({CivilDay(2026, 1, 2), CivilDay(2026, 1, 5), CivilDay(2026, 1, 2)});
  EXPECT_TRUE(plain.IsBusinessDay(CivilDay(2026, 1, 2)));
  EXPECT_FALSE(decree.IsBusinessDay(CivilDay(2026, 1, 2)));
  EXPECT_EQ(plain.AddBusinessDays(CivilDay(2025, 12, 31), 2), CivilDay(2026, 1, 5));
  EXPECT_EQ(decree.AddBusinessDays(CivilDay(2025, 12, 31), 2), CivilDay(2026, 1, 7));
}

// EarliestStartReaching is the inverse AddBusinessDays' deadline bounds rely on.
TEST(ColombianCalendarTest, EarliestStartReachingIsTheExactBound) {
  const BusinessCalendar calendar({CivilDay(2026, 4, 8)});
  for (uint32_t n : {0u, 1u, 2u, 5u, 15u}) {
    for (CivilDay day(2025, 12, 1); day < CivilDay(2026, 8, 1); ++day) {
      const CivilDay start = calendar.EarliestStartReaching(day, n);
      EXPECT_GE(calendar.AddBusinessDays(start, n), day) << day << " " << n;
      EXPECT_LT(calendar.AddBusinessDays(start - 1, n), day) << day << " " << n;
    }
  }
}

}  // namespace
}  // namespace memoria::policy
