// LongReads: admission and liveness of the long reads (GetRecords, Watch,
// Export), the blocking stream handlers, each of which holds a gRPC thread
// for as long as it runs.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<LongReads::Slot> slot, long_reads.Admit(*context));
//   if (!slot->Write(*writer, message)) return ...;  // gone, or stalled and cancelled
//
// Admission: at most `max_concurrent` long reads at once; one more is
// RESOURCE_EXHAUSTED "too many concurrent long reads (N); retry later",
// answered at once, so that a crowd of streams cannot take every thread and
// byte of the server from the quick reads.
//
// Liveness: gRPC 1.51's synchronous ServerWriter::Write has no deadline; it
// waits for the client's flow-control window, for ever if the client stopped
// reading. A watchdog thread cancels the call (ServerContext::TryCancel) of a
// Write that has waited longer than `stall_timeout`: the Write returns false,
// the handler returns, its thread and slot are freed. A long read that waits
// for something else (Watch for the next record) is not stalled.
//
// Memory: when no long read is left after some ended, the watchdog gives the
// C library's free memory back to the system (malloc_trim, at most once per
// tick: a quarter of the stall timeout, at most a second): the buffers of
// many streams, freed on as many threads, otherwise stay in glibc's arenas
// (measured: 1,000 stalled streams left the server at 1.77x its baseline
// memory without it, 1.00x with it; memoria-bench --streams).
//
// Thread-safe. A Slot must not outlive its LongReads, nor its ServerContext.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace memoria::server {

// What a long read returns when a Write fails: CANCELLED, the client went
// away or took no message for the stall timeout.
absl::Status GoneOrStalledError();

class LongReads {
 public:
  // One admitted long read; releases its place when destroyed.
  class Slot {
   public:
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    // writer.Write(message), watched: false if the client went away or the
    // write stalled past the timeout (the call is then cancelled).
    template <typename Message>
    bool Write(grpc::ServerWriter<Message>& writer, const Message& message) {
      writing_since_nanos_.store(absl::GetCurrentTimeNanos(), std::memory_order_relaxed);
      const bool written = writer.Write(message);
      writing_since_nanos_.store(0, std::memory_order_relaxed);
      return written;
    }

   private:
    friend class LongReads;
    Slot(LongReads& owner, grpc::ServerContext& context);

    LongReads& owner_;
    grpc::ServerContext& context_;
    // When the pending Write began (absl::GetCurrentTimeNanos); 0: none.
    std::atomic<int64_t> writing_since_nanos_{0};
    bool cancelled_ = false;  // by the watchdog; guarded by owner_.mu_
  };

  LongReads(size_t max_concurrent, absl::Duration stall_timeout);
  // Stops the watchdog. Every Slot must be gone.
  ~LongReads();
  LongReads(const LongReads&) = delete;
  LongReads& operator=(const LongReads&) = delete;

  // A place for the long read of `context`; RESOURCE_EXHAUSTED "too many
  // concurrent long reads (N); retry later" if max_concurrent are held.
  absl::StatusOr<std::unique_ptr<Slot>> Admit(grpc::ServerContext& context);

  // Long reads held now, and cancelled as stalled since the start.
  size_t active() const;
  uint64_t stalls_cancelled() const;

 private:
  void Release(Slot* slot);
  // The watchdog's loop: cancels stalled writes, trims memory after a spell.
  void Watch();

  const size_t max_concurrent_;
  const absl::Duration stall_timeout_;
  mutable absl::Mutex mu_;
  std::unordered_set<Slot*> slots_ ABSL_GUARDED_BY(mu_);
  uint64_t stalls_cancelled_ ABSL_GUARDED_BY(mu_) = 0;
  // Some long read ended since the memory was last given back.
  bool ended_since_trim_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;  // last: starts once the rest is built
};

}  // namespace memoria::server
