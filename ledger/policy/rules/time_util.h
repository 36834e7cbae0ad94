// Time arithmetic of the query rules: days and Colombian business days.
//
// The institution's days are Colombian civil days. Colombia (America/Bogota)
// has been UTC-5 all year since 1993 (no daylight saving time), so this is the
// one place where the offset is fixed; an absl::TimeZone-based institution
// time utility may replace it.
#pragma once

#include <cstdint>

#include "absl/time/civil_time.h"
#include "ledger/policy/colombian_calendar.h"

namespace memoria::policy {

inline constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
// Colombia is UTC-5 all year.
inline constexpr int64_t kColombiaOffsetMicros = int64_t{-5} * 3600 * 1000000;

// The Colombian civil day of a UTC time, and the UTC time its start.
absl::CivilDay ColombianDay(int64_t utc_micros);
int64_t StartOfColombianDay(absl::CivilDay day);

// The end (exclusive, UTC micros) of the `business_days`-th business day of
// `calendar` after the Colombian day of `from_micros` (terms run from the day
// after receipt, Ley 1755 de 2015 art. 14).
int64_t BusinessDeadline(int64_t from_micros, uint32_t business_days,
                         const BusinessCalendar& calendar);

// A lower bound on the receipt time of anything whose BusinessDeadline is at
// or after `since_micros`: earlier receipts all fell due before it.
int64_t EarliestReceiptDueAtOrAfter(int64_t since_micros, uint32_t business_days,
                                    const BusinessCalendar& calendar);

}  // namespace memoria::policy
