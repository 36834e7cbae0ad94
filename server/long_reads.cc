#include "server/long_reads.h"

#include <malloc.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/call_interceptor.h"
#include "server/log_format.h"
#include "spdlog/spdlog.h"

namespace memoria::server {

absl::Status GoneOrStalledError() {
  return absl::CancelledError("the client went away, or took no message for the stall timeout");
}

LongReads::Slot::Slot(LongReads& owner, grpc::ServerContext& context)
    : owner_(owner), context_(context) {}

LongReads::Slot::~Slot() { owner_.Release(this); }

LongReads::LongReads(size_t max_concurrent, absl::Duration stall_timeout)
    : max_concurrent_(max_concurrent),
      stall_timeout_(stall_timeout),
      watchdog_([this] { Watch(); }) {}

LongReads::~LongReads() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watchdog_.join();
}

absl::StatusOr<std::unique_ptr<LongReads::Slot>> LongReads::Admit(grpc::ServerContext& context) {
  absl::MutexLock lock(&mu_);
  if (slots_.size() >= max_concurrent_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many concurrent long reads (", max_concurrent_, "); retry later"));
  }
  std::unique_ptr<Slot> slot(new Slot(*this, context));
  slots_.insert(slot.get());
  return slot;
}

void LongReads::Release(Slot* slot) {
  absl::MutexLock lock(&mu_);
  slots_.erase(slot);
  ended_since_trim_ = true;
}

size_t LongReads::active() const {
  absl::MutexLock lock(&mu_);
  return slots_.size();
}

uint64_t LongReads::stalls_cancelled() const {
  absl::MutexLock lock(&mu_);
  return stalls_cancelled_;
}

void LongReads::Watch() {
  // A stall is noticed within a quarter of the timeout (and at least every second).
  const absl::Duration tick =
      std::clamp(stall_timeout_ / 4, absl::Milliseconds(10), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick);
    if (stopping_) break;
    const int64_t now = absl::GetCurrentTimeNanos();
    for (Slot* slot : slots_) {
      const int64_t since = slot->writing_since_nanos_.load(std::memory_order_relaxed);
      if (slot->cancelled_ || since == 0 || absl::Nanoseconds(now - since) < stall_timeout_) {
        continue;
      }
      // Non-blocking; the slot (and its context) cannot go while mu_ is held.
      slot->context_.TryCancel();
      slot->cancelled_ = true;
      ++stalls_cancelled_;
      const std::string request_id = RequestIdOf(slot->context_);
      LogFields fields({{"request_id", request_id}});
      spdlog::info("cancelled a long read from {}: its client took no message for {}",
                   slot->context_.peer(), absl::FormatDuration(stall_timeout_));
    }
    if (slots_.empty() && ended_since_trim_) {
      ended_since_trim_ = false;
      mu_.Unlock();
      malloc_trim(0);
      mu_.Lock();
    }
  }
}

}  // namespace memoria::server
