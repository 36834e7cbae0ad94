// A log with the policy views maintained as the sequencer will: each batch's
// records go through PolicyViews::OnRecord and the puts land in the same
// Log::Append. Times come from a fake clock; events are built by the helpers
// below.
#pragma once

#include "tests/support/temp_dir.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/clock.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/state_reader.h"
#include "memoria/v1/entry.pb.h"

namespace memoria::policy::testing {

class FakeClock final : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = 0;
};

// A temporary directory removed with its contents.
using TempDir = ::memoria::testing::TempDir;

struct Timed {
  v1::PolicyEvent event;
  int64_t time_micros = 0;         // integration time (and event time)
  int64_t event_time_micros = 0;   // 0: the integration time
};

class PolicyLedger {
 public:
  PolicyLedger();
  // Appends the events as one batch at the time of the first; returns the
  // index of the first. Aborts the test on error.
  // With `views` false the views are not maintained (benchmark baseline).
  uint64_t AppendBatch(const std::vector<Timed>& events, bool views = true);
  uint64_t Append(const v1::PolicyEvent& event, int64_t time_micros, int64_t event_time = 0) {
    return AppendBatch({{event, time_micros, event_time}});
  }

  Log& log() { return *log_; }
  const StateReader& state() const { return reader_; }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Log> log_;
  LogStateReader reader_;
  PolicyViews views_;
  uint64_t next_request_ = 0;
};

// Builders.
v1::Official Person(const std::string& email, const std::string& dependency, bool head = false);
v1::PolicyEvent Event(const v1::Official& actor, v1::Platform platform, const std::string& handle);

}  // namespace memoria::policy::testing
