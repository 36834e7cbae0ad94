#include "ledger/query/institution_time.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace memoria::query {
namespace {

using policy::Language;

constexpr char kShownFormat[] = "%Y-%m-%d %H:%M:%S %Ez";

constexpr std::array<const char*, 12> kMonthsEs = {
    "enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
    "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
constexpr std::array<const char*, 12> kMonthsEn = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

const char* MonthName(int month, Language lang) {
  return (lang == Language::kEs ? kMonthsEs : kMonthsEn)[static_cast<size_t>(month - 1)];
}

bool IsPlainDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// The institution's day holding `micros`, and whether `micros` is its first
// instant (midnight).
struct LocalDay {
  absl::CivilDay day;
  bool at_midnight;
};

LocalDay DayOf(int64_t micros, const absl::TimeZone& zone) {
  const absl::Time time = absl::FromUnixMicros(micros);
  const absl::CivilSecond second = absl::ToCivilSecond(time, zone);
  const absl::CivilDay day(second);
  return {day, absl::FromCivil(day, zone) == time};
}

// "1 de marzo" / "March 1" (no year).
std::string DayMonth(absl::CivilDay day, Language lang) {
  if (lang == Language::kEs) return absl::StrCat(day.day(), " de ", MonthName(day.month(), lang));
  return absl::StrCat(MonthName(day.month(), lang), " ", day.day());
}

std::string Year(absl::CivilDay day, Language lang) {
  return lang == Language::kEs ? absl::StrCat(" de ", day.year()) : absl::StrCat(", ", day.year());
}

// A bound as the text after "desde el"/"from": a day in words at midnight, or
// the time.
std::string BoundText(const LocalDay& local, int64_t micros, const absl::TimeZone& zone,
                      Language lang) {
  return local.at_midnight ? DayInWords(local.day, lang) : FormatInstitutionTime(micros, zone);
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadInstitutionZone(const std::string& name) {
  absl::TimeZone zone;
  if (name.empty() || !absl::LoadTimeZone(name, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot load the time zone \"", name,
        "\": give an IANA name such as America/Bogota (the zones are read from "
        "/usr/share/zoneinfo: install Debian's tzdata package if it is missing)"));
  }
  return zone;
}

std::string FormatInstitutionTime(int64_t micros, const absl::TimeZone& zone) {
  return absl::FormatTime(kShownFormat, absl::FromUnixMicros(micros), zone);
}

absl::StatusOr<int64_t> ParseInstitutionTime(std::string_view text, const absl::TimeZone& zone,
                                             RangeBound bound) {
  const std::string input(text);
  int64_t micros = 0;
  if (absl::SimpleAtoi(input, &micros)) return micros;
  if (IsPlainDate(text)) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(input, &day) || absl::FormatCivilTime(day) != input) {
      return absl::InvalidArgumentError(absl::StrCat("\"", input, "\" is not a date of the calendar"));
    }
    if (bound == RangeBound::kTo) day += 1;
    return absl::ToUnixMicros(absl::FromCivil(day, zone));
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, input, &time, &error) ||
      absl::ParseTime(kShownFormat, input, &time, &error)) {
    return absl::ToUnixMicros(time);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", input,
      "\" is not a time: give a date (2026-01-31: the whole day in the institution's time zone), "
      "RFC 3339 (2026-01-31T23:30:00-05:00), \"2026-01-31 23:30:00 -05:00\" or microseconds "
      "since the Unix epoch"));
}

std::string DayInWords(absl::CivilDay day, Language lang) {
  return DayMonth(day, lang) + Year(day, lang);
}

std::string DescribeTimeRange(std::optional<int64_t> from_micros, std::optional<int64_t> to_micros,
                              const absl::TimeZone& zone, Language lang) {
  const bool es = lang == Language::kEs;
  if (!from_micros.has_value() && !to_micros.has_value()) return "";
  if (!to_micros.has_value()) {
    const LocalDay from = DayOf(*from_micros, zone);
    return absl::StrCat(es ? "desde el " : "from ", BoundText(from, *from_micros, zone, lang));
  }
  const LocalDay to = DayOf(*to_micros, zone);
  // The last day of a range ending at midnight: the day before.
  const absl::CivilDay last = to.day - 1;
  if (!from_micros.has_value()) {
    if (to.at_midnight) {
      return absl::StrCat(es ? "hasta el " : "until ", DayInWords(last, lang),
                          es ? " inclusive" : " inclusive");
    }
    return absl::StrCat(es ? "antes del " : "before ", FormatInstitutionTime(*to_micros, zone));
  }
  const LocalDay from = DayOf(*from_micros, zone);
  if (from.at_midnight && to.at_midnight && from.day <= last) {
    if (from.day == last) return absl::StrCat(es ? "el " : "on ", DayInWords(last, lang));
    if (from.day.year() == last.year() && from.day.month() == last.month()) {
      return es ? absl::StrCat("entre el ", from.day.day(), " y el ", DayInWords(last, lang))
                : absl::StrCat("between ", DayMonth(from.day, lang), " and ", DayInWords(last, lang));
    }
    if (from.day.year() == last.year()) {
      return absl::StrCat(es ? "entre el " : "between ", DayMonth(from.day, lang),
                          es ? " y el " : " and ", DayInWords(last, lang));
    }
    return absl::StrCat(es ? "entre el " : "between ", DayInWords(from.day, lang),
                        es ? " y el " : " and ", DayInWords(last, lang));
  }
  return absl::StrCat(es ? "desde el " : "from ", BoundText(from, *from_micros, zone, lang),
                      es ? " y antes del " : " and before ", FormatInstitutionTime(*to_micros, zone));
}

}  // namespace memoria::query
