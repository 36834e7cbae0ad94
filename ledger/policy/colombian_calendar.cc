#include "ledger/policy/colombian_calendar.h"

#include <algorithm>

namespace memoria::policy {
namespace {

struct Fixed {
  int month;
  int day;
  std::string_view name;
};

constexpr Fixed kFixed[] = {
    {1, 1, "Año Nuevo"},          {5, 1, "Día del Trabajo"},
    {7, 20, "Día de la Independencia"}, {8, 7, "Batalla de Boyacá"},
    {12, 8, "Inmaculada Concepción"},   {12, 25, "Navidad"},
};

// Ley 51 de 1983: moved to the following Monday.
constexpr Fixed kMovedToMonday[] = {
    {1, 6, "Reyes Magos"},
    {3, 19, "San José"},
    {6, 29, "San Pedro y San Pablo"},
    {8, 15, "Asunción de la Virgen"},
    {10, 12, "Día de la Raza"},
    {11, 1, "Todos los Santos"},
    {11, 11, "Independencia de Cartagena"},
};

struct FromEaster {
  int offset;  // days after Easter Sunday
  std::string_view name;
};

constexpr FromEaster kFromEaster[] = {
    {-3, "Jueves Santo"},
    {-2, "Viernes Santo"},
    {43, "Ascensión del Señor"},  // Thursday + 39, moved to Monday
    {64, "Corpus Christi"},       // Thursday + 60, moved to Monday
    {71, "Sagrado Corazón"},      // Friday + 68, moved to Monday
};

absl::CivilDay NextMonday(absl::CivilDay day) {
  while (absl::GetWeekday(day) != absl::Weekday::monday) ++day;
  return day;
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

}  // namespace

absl::CivilDay EasterSunday(int64_t year) {
  const int64_t a = year % 19;
  const int64_t b = year / 100;
  const int64_t c = year % 100;
  const int64_t d = b / 4;
  const int64_t e = b % 4;
  const int64_t f = (b + 8) / 25;
  const int64_t g = (b - f + 1) / 3;
  const int64_t h = (19 * a + b - d - g + 15) % 30;
  const int64_t i = c / 4;
  const int64_t k = c % 4;
  const int64_t l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int64_t m = (a + 11 * h + 22 * l) / 451;
  const int64_t month = (h + l - 7 * m + 114) / 31;
  const int64_t day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, static_cast<int>(month), static_cast<int>(day));
}

std::vector<ColombianHoliday> ColombianHolidays(int64_t year) {
  std::vector<ColombianHoliday> out;
  out.reserve(18);
  for (const Fixed& fixed : kFixed) {
    out.push_back({absl::CivilDay(year, fixed.month, fixed.day), fixed.name});
  }
  for (const Fixed& moved : kMovedToMonday) {
    out.push_back({NextMonday(absl::CivilDay(year, moved.month, moved.day)), moved.name});
  }
  const absl::CivilDay easter = EasterSunday(year);
  for (const FromEaster& feast : kFromEaster) out.push_back({easter + feast.offset, feast.name});
  std::sort(out.begin(), out.end(), [](const ColombianHoliday& a, const ColombianHoliday& b) {
    return a.day != b.day ? a.day < b.day : a.name < b.name;
  });
  return out;
}

bool IsColombianHoliday(absl::CivilDay day) {
  const int month = day.month();
  for (const Fixed& fixed : kFixed) {
    if (fixed.month == month && fixed.day == day.day()) return true;
  }
  if (absl::GetWeekday(day) == absl::Weekday::monday) {
    // A Monday is a moved holiday if the original date is that Monday or one
    // of the six days before it.
    for (const Fixed& moved : kMovedToMonday) {
      const absl::CivilDay original(day.year(), moved.month, moved.day);
      if (original <= day && day - original < 7) return true;
    }
  }
  if (month < 3 || month > 7) return false;  // Easter - 3 >= 19 March; Easter + 71 <= 5 July
  const absl::CivilDay easter = EasterSunday(day.year());
  const int64_t offset = day - easter;
  for (const FromEaster& feast : kFromEaster) {
    if (feast.offset == offset) return true;
  }
  return false;
}

BusinessCalendar::BusinessCalendar(std::vector<absl::CivilDay> extra_non_working_days)
    : extra_(std::move(extra_non_working_days)) {
  std::sort(extra_.begin(), extra_.end());
  extra_.erase(std::unique(extra_.begin(), extra_.end()), extra_.end());
}

bool BusinessCalendar::IsBusinessDay(absl::CivilDay day) const {
  if (IsWeekend(day) || IsColombianHoliday(day)) return false;
  return !std::binary_search(extra_.begin(), extra_.end(), day);
}

absl::CivilDay BusinessCalendar::AddBusinessDays(absl::CivilDay from, uint32_t n) const {
  absl::CivilDay day = from;
  for (uint32_t counted = 0; counted < n;) {
    ++day;
    if (IsBusinessDay(day)) ++counted;
  }
  return day;
}

absl::CivilDay BusinessCalendar::EarliestStartReaching(absl::CivilDay day, uint32_t n) const {
  if (n == 0) return day;
  // The n-th business day counting back from the day before `day`: starting
  // there, the n business days after it end at or after `day`; a day earlier,
  // they end before it.
  absl::CivilDay start = day;
  for (uint32_t counted = 0; counted < n;) {
    --start;
    if (IsBusinessDay(start)) ++counted;
  }
  return start;
}

}  // namespace memoria::policy
