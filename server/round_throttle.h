// RoundThrottle: when a background job that follows the log's checkpoints
// (witnessing, tiles publishing) should run again. A round is due for a
// checkpoint (its note: a new size, or more cosignatures) that differs from
// the last one done, once `interval` has passed since the last round began
// (under load: at most one round per interval) or once the note has not
// changed for `idle` (the log paused: its last checkpoint goes out at once).
//
//   RoundThrottle throttle(interval, idle);
//   every tick: if (throttle.Due(note, absl::Now())) { throttle.Started(now); ... throttle.Done(note); }
//
// Not thread-safe: one loop owns it.
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace memoria::server {

class RoundThrottle {
 public:
  RoundThrottle(absl::Duration interval, absl::Duration idle) : interval_(interval), idle_(idle) {}

  // Notes `note` as seen at `now`; true if a round should start for it.
  bool Due(std::string_view note, absl::Time now) {
    if (note != seen_) {
      seen_ = std::string(note);
      seen_at_ = now;
    }
    if (note.empty() || note == done_) return false;
    return now - started_ >= interval_ || now - seen_at_ >= idle_;
  }
  // A round begins now.
  void Started(absl::Time now) { started_ = now; }
  // The round for `note` is done (or given up): no other is due for it.
  void Done(std::string_view note) { done_ = std::string(note); }

 private:
  const absl::Duration interval_;
  const absl::Duration idle_;
  std::string seen_;
  absl::Time seen_at_ = absl::InfinitePast();
  absl::Time started_ = absl::InfinitePast();
  std::string done_;
};

}  // namespace memoria::server
