// Time, injected so that tests are deterministic.
#pragma once

#include <cstdint>

namespace memoria {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC). Thread-safe.
  virtual int64_t NowMicros() const = 0;
};

// The system's real-time clock; lives forever.
const Clock& SystemClock();

}  // namespace memoria
