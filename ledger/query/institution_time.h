// The institution's time: what clerks and citizens read and type, in the
// institution's time zone (an IANA name, America/Bogota for the Alcaldía de
// Pasto), never UTC alone. One place for the client (`memoria request`) and
// the server (the citizens' portal) alike.
//
//   ASSIGN_OR_RETURN(absl::TimeZone zone, LoadInstitutionZone("America/Bogota"));
//   FormatInstitutionTime(micros, zone)     // "2026-01-31 23:30:00 -05:00"
//   ParseInstitutionTime("2026-01-31", zone, RangeBound::kTo)
//       // the end of 31 January in Pasto: 2026-02-01 00:00:00 -05:00 (exclusive)
//   DescribeTimeRange(from, to, zone, Language::kEs)
//       // "entre el 1 y el 31 de enero de 2026"
//
// Times are shown to the second with the zone's offset at that instant;
// microseconds are not shown (the bundle keeps the exact values). The zone is
// read from the system's time-zone database (/usr/share/zoneinfo, Debian's
// tzdata) by Abseil, since g++ 12's standard library has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/policy/event_labels.h"

namespace memoria::query {

// The zone of the Alcaldía de Pasto, the default of `memoria request
// --time-zone` (Colombia: UTC-5 all year, no daylight saving time).
inline constexpr char kDefaultTimeZone[] = "America/Bogota";

// The time zone named `name` (IANA, e.g. "America/Bogota", or "UTC").
// INVALID_ARGUMENT naming it, and saying to install tzdata, if the database
// has no such zone.
absl::StatusOr<absl::TimeZone> LoadInstitutionZone(const std::string& name);

// `micros` since the Unix epoch as "YYYY-MM-DD HH:MM:SS ±HH:MM" in `zone`,
// the seconds floored (microseconds are not shown); e.g.
// "2026-01-31 23:30:00 -05:00".
std::string FormatInstitutionTime(int64_t micros, const absl::TimeZone& zone);

// Which end of a [from, to) range a typed time is.
enum class RangeBound { kFrom, kTo };

// A time typed by a person, as microseconds since the Unix epoch:
//   "2026-01-31"                  a plain date: the institution's whole day.
//                                 kFrom: its first instant (00:00:00 in
//                                 `zone`); kTo: the first instant of the next
//                                 day, so that an exclusive `to` includes the
//                                 whole day ("--to 2026-01-31" keeps 23:30).
//   "2026-01-31T23:30:00-05:00"   RFC 3339 (any offset, "Z" for UTC)
//   "2026-01-31 23:30:00 -05:00"  the form FormatInstitutionTime writes
//   "1769920200000000"            microseconds since the Unix epoch
// INVALID_ARGUMENT showing the accepted forms otherwise.
absl::StatusOr<int64_t> ParseInstitutionTime(std::string_view text, const absl::TimeZone& zone,
                                             RangeBound bound);

// A day in words: "31 de enero de 2026" (es), "January 31, 2026" (en).
std::string DayInWords(absl::CivilDay day, policy::Language lang);

// The range [from, to) in words, after "eventos"/"events": bounds at the
// institution's midnight read as whole days ("entre el 1 y el 31 de marzo de
// 2026", "between March 1 and March 31, 2026", "el 31 de enero de 2026"),
// others as times ("desde el 2026-03-01 10:00:00 -05:00 y antes del ...").
// A bound left out is open ("desde el ...", "hasta el ... inclusive"); both
// left out: "" (any time).
std::string DescribeTimeRange(std::optional<int64_t> from_micros, std::optional<int64_t> to_micros,
                              const absl::TimeZone& zone, policy::Language lang);

}  // namespace memoria::query
