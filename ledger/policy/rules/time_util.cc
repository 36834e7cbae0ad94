#include "ledger/policy/rules/time_util.h"

namespace memoria::policy {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

const absl::CivilDay kEpoch(1970, 1, 1);

}  // namespace

absl::CivilDay ColombianDay(int64_t utc_micros) {
  return kEpoch + FloorDiv(utc_micros + kColombiaOffsetMicros, kMicrosPerDay);
}

int64_t StartOfColombianDay(absl::CivilDay day) {
  return (day - kEpoch) * kMicrosPerDay - kColombiaOffsetMicros;
}

int64_t BusinessDeadline(int64_t from_micros, uint32_t business_days,
                         const BusinessCalendar& calendar) {
  return StartOfColombianDay(calendar.AddBusinessDays(ColombianDay(from_micros), business_days) + 1);
}

int64_t EarliestReceiptDueAtOrAfter(int64_t since_micros, uint32_t business_days,
                                    const BusinessCalendar& calendar) {
  // A deadline is the end of a day D; it is at or after since_micros only if
  // D is at least the day before since's day.
  const absl::CivilDay last_day = ColombianDay(since_micros) - 1;
  return StartOfColombianDay(calendar.EarliestStartReaching(last_day, business_days));
}

}  // namespace memoria::policy
