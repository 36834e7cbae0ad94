#include "ledger/policy/rules/time_util.h"

namespace memoria::policy {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

int64_t BusinessDeadline(int64_t from_micros, uint32_t business_days) {
  int64_t day = FloorDiv(from_micros + kColombiaOffsetMicros, kMicrosPerDay);
  for (uint32_t counted = 0; counted < business_days;) {
    ++day;
    const int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
    if (weekday >= 1 && weekday <= 5) ++counted;
  }
  return (day + 1) * kMicrosPerDay - kColombiaOffsetMicros;
}

}  // namespace memoria::policy
