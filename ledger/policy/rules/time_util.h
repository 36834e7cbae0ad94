// Time arithmetic of the query rules: days and Colombian business days.
#pragma once

#include <cstdint>

namespace memoria::policy {

inline constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
// Colombia is UTC-5 all year.
inline constexpr int64_t kColombiaOffsetMicros = int64_t{-5} * 3600 * 1000000;

// The end (exclusive, UTC micros) of the `business_days`-th business day
// (Monday to Friday, Colombian time) after the day of `from_micros`.
int64_t BusinessDeadline(int64_t from_micros, uint32_t business_days);

}  // namespace memoria::policy
