// The institution's time: shown in its zone with the offset, plain dates as
// its whole days (the 31 January 23:30 boundary in Pasto), ranges in words.
#include "ledger/query/institution_time.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memoria::query {
namespace {

using policy::Language;
using ::testing::HasSubstr;

constexpr int64_t kJan31At2330Pasto = 1769920200000000;  // 2026-02-01T04:30:00Z
constexpr int64_t kJan1Pasto = 1767243600000000;         // 2026-01-01 00:00:00 -05:00
constexpr int64_t kFeb1Pasto = 1769922000000000;         // 2026-02-01 00:00:00 -05:00
constexpr int64_t kMar1Pasto = 1772341200000000;
constexpr int64_t kApr1Pasto = 1775019600000000;

absl::TimeZone Bogota() {
  absl::StatusOr<absl::TimeZone> zone = LoadInstitutionZone(kDefaultTimeZone);
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

TEST(InstitutionTimeTest, AZoneThatDoesNotExistIsAClearError) {
  absl::StatusOr<absl::TimeZone> zone = LoadInstitutionZone("America/Atlantis");
  ASSERT_EQ(zone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zone.status().message(), HasSubstr("America/Atlantis"));
  EXPECT_THAT(zone.status().message(), HasSubstr("tzdata"));
  EXPECT_FALSE(LoadInstitutionZone("").ok());
  EXPECT_TRUE(LoadInstitutionZone("UTC").ok());
}

TEST(InstitutionTimeTest, ShownInTheZoneWithItsOffsetAndNoMicroseconds) {
  const absl::TimeZone zone = Bogota();
  // The PQRD of 31 January at 23:30 in Pasto is in January, not on 1 February (UTC).
  EXPECT_EQ(FormatInstitutionTime(kJan31At2330Pasto, zone), "2026-01-31 23:30:00 -05:00");
  EXPECT_EQ(FormatInstitutionTime(kJan31At2330Pasto + 999'999, zone), "2026-01-31 23:30:00 -05:00");
  EXPECT_EQ(FormatInstitutionTime(kFeb1Pasto - 1, zone), "2026-01-31 23:59:59 -05:00");
  EXPECT_EQ(FormatInstitutionTime(kFeb1Pasto, zone), "2026-02-01 00:00:00 -05:00");
  EXPECT_EQ(FormatInstitutionTime(kJan31At2330Pasto, absl::UTCTimeZone()),
            "2026-02-01 04:30:00 +00:00");
  absl::StatusOr<absl::TimeZone> madrid = LoadInstitutionZone("Europe/Madrid");
  ASSERT_TRUE(madrid.ok());
  EXPECT_EQ(FormatInstitutionTime(kJan31At2330Pasto, *madrid), "2026-02-01 05:30:00 +01:00");
  // Both ends of int64 do not crash.
  EXPECT_FALSE(FormatInstitutionTime(std::numeric_limits<int64_t>::max(), zone).empty());
  EXPECT_FALSE(FormatInstitutionTime(std::numeric_limits<int64_t>::min(), zone).empty());
}

TEST(InstitutionTimeTest, PlainDatesAreTheInstitutionsWholeDays) {
  const absl::TimeZone zone = Bogota();
  EXPECT_EQ(*ParseInstitutionTime("2026-01-01", zone, RangeBound::kFrom), kJan1Pasto);
  // --to 2026-01-31 ends when 1 February starts in Pasto (exclusive), so
  // 23:30 on the 31st is inside and midnight is not.
  const int64_t to = *ParseInstitutionTime("2026-01-31", zone, RangeBound::kTo);
  EXPECT_EQ(to, kFeb1Pasto);
  EXPECT_LT(kJan31At2330Pasto, to);
  EXPECT_EQ(*ParseInstitutionTime("2026-02-01", zone, RangeBound::kFrom), to);
  // In UTC the same dates are other instants.
  EXPECT_EQ(*ParseInstitutionTime("2026-01-31", absl::UTCTimeZone(), RangeBound::kTo),
            kFeb1Pasto - int64_t{5} * 3600 * 1'000'000);
  // Month and year ends, a leap day.
  EXPECT_EQ(*ParseInstitutionTime("2026-12-31", zone, RangeBound::kTo),
            *ParseInstitutionTime("2027-01-01", zone, RangeBound::kFrom));
  EXPECT_EQ(*ParseInstitutionTime("2028-02-29", zone, RangeBound::kTo),
            *ParseInstitutionTime("2028-03-01", zone, RangeBound::kFrom));
}

TEST(InstitutionTimeTest, OtherFormsAndErrors) {
  const absl::TimeZone zone = Bogota();
  EXPECT_EQ(*ParseInstitutionTime("2026-01-31T23:30:00-05:00", zone, RangeBound::kFrom),
            kJan31At2330Pasto);
  EXPECT_EQ(*ParseInstitutionTime("2026-02-01T04:30:00Z", zone, RangeBound::kTo), kJan31At2330Pasto);
  EXPECT_EQ(*ParseInstitutionTime("2026-01-31 23:30:00 -05:00", zone, RangeBound::kTo),
            kJan31At2330Pasto);
  EXPECT_EQ(*ParseInstitutionTime("1769920200000000", zone, RangeBound::kFrom), kJan31At2330Pasto);
  for (const char* bad : {"2026-02-30", "2026-13-01", "31/01/2026", "2026-1-31", "ayer", ""}) {
    absl::StatusOr<int64_t> parsed = ParseInstitutionTime(bad, zone, RangeBound::kFrom);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseInstitutionTime("ayer", zone, RangeBound::kFrom).status().message(),
              HasSubstr("2026-01-31"));
}

TEST(InstitutionTimeTest, DaysInWords) {
  EXPECT_EQ(DayInWords(absl::CivilDay(2026, 1, 31), Language::kEs), "31 de enero de 2026");
  EXPECT_EQ(DayInWords(absl::CivilDay(2026, 9, 1), Language::kEs), "1 de septiembre de 2026");
  EXPECT_EQ(DayInWords(absl::CivilDay(2026, 1, 31), Language::kEn), "January 31, 2026");
}

TEST(InstitutionTimeTest, RangesInWords) {
  const absl::TimeZone zone = Bogota();
  EXPECT_EQ(DescribeTimeRange(kMar1Pasto, kApr1Pasto, zone, Language::kEs),
            "entre el 1 y el 31 de marzo de 2026");
  EXPECT_EQ(DescribeTimeRange(kMar1Pasto, kApr1Pasto, zone, Language::kEn),
            "between March 1 and March 31, 2026");
  EXPECT_EQ(DescribeTimeRange(kJan1Pasto, kMar1Pasto, zone, Language::kEs),
            "entre el 1 de enero y el 28 de febrero de 2026");
  EXPECT_EQ(DescribeTimeRange(*ParseInstitutionTime("2025-12-01", zone, RangeBound::kFrom),
                              kFeb1Pasto, zone, Language::kEs),
            "entre el 1 de diciembre de 2025 y el 31 de enero de 2026");
  EXPECT_EQ(DescribeTimeRange(*ParseInstitutionTime("2026-01-31", zone, RangeBound::kFrom),
                              kFeb1Pasto, zone, Language::kEs),
            "el 31 de enero de 2026");
  EXPECT_EQ(DescribeTimeRange(kJan31At2330Pasto, kFeb1Pasto, zone, Language::kEs),
            "desde el 2026-01-31 23:30:00 -05:00 y antes del 2026-02-01 00:00:00 -05:00");
  EXPECT_EQ(DescribeTimeRange(kMar1Pasto, std::nullopt, zone, Language::kEs),
            "desde el 1 de marzo de 2026");
  EXPECT_EQ(DescribeTimeRange(std::nullopt, kApr1Pasto, zone, Language::kEs),
            "hasta el 31 de marzo de 2026 inclusive");
  EXPECT_EQ(DescribeTimeRange(std::nullopt, std::nullopt, zone, Language::kEs), "");
  // The same instants read in UTC are not whole days there.
  EXPECT_THAT(DescribeTimeRange(kMar1Pasto, kApr1Pasto, absl::UTCTimeZone(), Language::kEn),
              HasSubstr("from 2026-03-01 05:00:00 +00:00"));
}

}  // namespace
}  // namespace memoria::query
