// TilesPublisher: memoria-server's --tiles-dir: the log published as C2SP
// tlog-tiles (ledger/tile_writer.h) in a directory that --http-listen, any
// static web server, or a sync to object storage serves.
//
//   ASSIGN_OR_RETURN(auto tiles, TilesPublisher::Create(log, witnessing, options));
//   tiles->Start();   // catches up at once, then follows the log
//
// What is published: the latest checkpoint cosigned by the witnesses' quorum
// when there are witnesses (Witnessing::LatestCosigned(); nothing before the
// first), else the log's latest signed checkpoint (Log::Head()).
//
// When: like the witnessing scheduler (server/witnessing.h), a thread looks
// at that checkpoint every 10 ms and publishes it when it has grown and
// either `interval` has passed since the last publish began or it has not
// changed for `idle` (the log went quiet): under load at most every
// `interval`, the last checkpoint before a pause at once. At start the
// directory's own checkpoint is where it resumes (TileWriter::Open; an
// existing log is caught up by the first publish). Appends never wait for
// it: it reads the durable log only. A failed publish (a full disk) is
// logged and retried after `interval`; Stop() interrupts a long catch-up
// between two files.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/log.h"
#include "ledger/tile_writer.h"
#include "server/witnessing.h"

namespace memoria::server {

struct TilesPublisherOptions {
  std::string directory;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration idle = absl::Milliseconds(100);
};

class TilesPublisher {
 public:
  // Opens the directory (TileWriter::Open's errors: FAILED_PRECONDITION for
  // another log's directory, DATA_LOSS for one that publishes more than the
  // log or another history). `witnessing` may be null (no witnesses).
  static absl::StatusOr<std::unique_ptr<TilesPublisher>> Create(const Log& log,
                                                                const Witnessing* witnessing,
                                                                TilesPublisherOptions options);
  // Stop()s.
  ~TilesPublisher();
  TilesPublisher(const TilesPublisher&) = delete;
  TilesPublisher& operator=(const TilesPublisher&) = delete;

  void Start();
  // Stops the thread (a publish in progress stops between two files).
  // Idempotent.
  void Stop();

  // The size of the checkpoint in the directory.
  uint64_t published_size() const { return writer_->published_size(); }
  // Publishes that failed since start.
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  TilesPublisher(const Log& log, const Witnessing* witnessing, TilesPublisherOptions options,
                 std::unique_ptr<TileWriter> writer);
  // The note to publish now (empty if none yet) and its size.
  std::pair<std::string, uint64_t> Latest() const;
  void Loop();

  const Log& log_;
  const Witnessing* const witnessing_;
  const TilesPublisherOptions options_;
  const std::unique_ptr<TileWriter> writer_;  // the publishing thread's
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> failures_{0};
  std::thread thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace memoria::server
