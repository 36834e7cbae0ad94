// Gate: holds the threads that pass it while it is closed, so that a test can
// stop a pipeline at a chosen step (a Log's write, a sequencer's observer)
// and look at what is in flight.
//
//   Gate gate;
//   options.before_write_for_testing = [&gate] { gate.Pass(); };
//   gate.Close();  ... start the work ...  gate.AwaitHeld();  ... check ...  gate.Open();
//
// Thread-safe.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memoria::testing {

class Gate {
 public:
  void Close() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  // Called by the thread held: counts it, waits while the gate is closed.
  void Pass() {
    absl::MutexLock lock(&mu_);
    ++reached_;
    ++held_;
    mu_.Await(absl::Condition(&open_));
    --held_;
  }
  // Waits until `count` threads in all have reached the gate.
  void AwaitReached(int count) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return reached_ >= count; };
    mu_.Await(absl::Condition(&reached));
  }
  // Waits until a thread is held at the gate.
  void AwaitHeld() {
    absl::MutexLock lock(&mu_);
    auto held = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_ > 0; };
    mu_.Await(absl::Condition(&held));
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  int reached_ ABSL_GUARDED_BY(mu_) = 0;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace memoria::testing
