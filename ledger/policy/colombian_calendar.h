// Colombian public holidays and business days, for deadlines counted in
// business days (a PQRD's referral, Ley 1755 de 2015 art. 14).
//
// The 18 holidays of a year (Ley 51 de 1983, "Ley Emiliani", and the Easter
// calendar):
//   fixed:             1 Jan, 1 May, 20 Jul, 7 Aug, 8 Dec, 25 Dec;
//   moved to Monday:   6 Jan, 19 Mar, 29 Jun, 15 Aug, 12 Oct, 1 Nov, 11 Nov
//                      (the following Monday unless the day is a Monday);
//   Easter-based:      Jueves Santo (Easter - 3), Viernes Santo (Easter - 2),
//                      Ascensión (Easter + 43), Corpus Christi (Easter + 64),
//                      Sagrado Corazón (Easter + 71): the last three are the
//                      Mondays after the feast.
// Two may fall on the same day (San Pedro y San Pablo and Sagrado Corazón
// when Easter is on or after 19 April, e.g. 30 June 2025), so a year has 17
// or 18 distinct holiday dates.
//
// Computed for any Gregorian year, without tables; stateless and thread-safe.
//
//   BusinessCalendar calendar({absl::CivilDay(2024, 12, 24)});  // a municipal decree
//   calendar.IsBusinessDay(absl::CivilDay(2026, 4, 3));          // false: Viernes Santo
//   calendar.AddBusinessDays(absl::CivilDay(2026, 3, 31), 2);    // 6 April 2026
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"

namespace memoria::policy {

// Gregorian Easter Sunday of `year` (the anonymous, "Meeus/Jones/Butcher",
// algorithm).
absl::CivilDay EasterSunday(int64_t year);

struct ColombianHoliday {
  absl::CivilDay day;
  std::string_view name;  // Spanish, e.g. "Viernes Santo"
};
// The 18 holidays of `year`, sorted by day (ties by name); see above.
std::vector<ColombianHoliday> ColombianHolidays(int64_t year);
// True if `day` is one of them.
bool IsColombianHoliday(absl::CivilDay day);

// Business days: Monday to Friday, not a Colombian holiday and not one of the
// extra non-working days (a municipal decree, e.g. a local holiday or a day
// off declared by the Alcaldía).
class BusinessCalendar {
 public:
  explicit BusinessCalendar(std::vector<absl::CivilDay> extra_non_working_days = {});

  bool IsBusinessDay(absl::CivilDay day) const;
  // The `n`-th business day after `from` (`from` itself never counts, whatever
  // it is: terms run from the day after receipt); `from` when n = 0.
  absl::CivilDay AddBusinessDays(absl::CivilDay from, uint32_t n) const;
  // The earliest day `from` such that AddBusinessDays(from, n) >= `day`.
  absl::CivilDay EarliestStartReaching(absl::CivilDay day, uint32_t n) const;

 private:
  std::vector<absl::CivilDay> extra_;  // sorted, unique
};

}  // namespace memoria::policy
