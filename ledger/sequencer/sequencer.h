// Sequencer: the one thread that appends to the Log. It gathers the validated
// entries of concurrent calls into batches (group commit), writes each batch
// with one Log::AppendAsync (one synced RocksDB write, one checkpoint
// signature), and only once that write is durable answers the calls of that
// batch, from a second (completion) thread. While a batch is being synced the
// sequencer builds the next one: up to Log::kMaxBatchesInFlight are in
// flight, answered strictly in order.
//
//   Sequencer sequencer(*log, *registry, limits);
//   ASSIGN_OR_RETURN(std::shared_ptr<Submission> s, sequencer.Submit(std::move(entries)));
//   while (!s->WaitFor(absl::Milliseconds(50))) {
//     if (caller_gone && s->Withdraw()) return absl::CancelledError();
//   }
//   const absl::StatusOr<BatchOutcome>& outcome = s->result();
//
// or, without a waiting thread, Submit(entries, on_answered): the completion
// thread calls on_answered with the outcome (never for a withdrawn one).
//
// A batch holds whole submissions, never part of one: the entries of one
// AppendBatch call land in the same Log batch or not at all. A batch is
// written when it reaches BatchLimits::max_entries or max_bytes, when the
// oldest queued submission has waited max_wait, or at once when the log is
// idle (no write in progress) and the caller is alone: the previous batch
// held a single call and no other is queued. Concurrent callers share
// batches even when the log is idle: their batch also closes once it holds as
// many calls as the previous batch took (the callers that waited for that
// batch are back), so closed-loop callers never wait out max_wait, and a
// lone caller never waits.
//
// Before appending, for each submission in order, the sequencer decides what
// may have changed since validation:
//   - idempotency: an entry whose dedup key is in the log or in a batch in
//     flight (Log::FindDedup: the Log owns dedup keys), or earlier in the
//     batch is not appended again; its result is the original record with
//     duplicate = true (ALREADY_EXISTS if the retried entry bytes differ from
//     the original's);
//   - revocation: an entry by a writer revoked earlier (in the log or in this
//     batch) gets PERMISSION_DENIED;
//   - registry transitions: registering a known key or revoking an unknown or
//     revoked one gets FAILED_PRECONDITION;
//     accepted ones become writer registry state puts in the same batch.
// One failing entry fails its whole submission; the others go on.
// If a write fails, every submission of that batch and of the batches after
// it gets the error, and nothing of them was written (the Log then refuses
// appends until Log::Recover, called before each batch is planned, finds the
// store writable again).
//
// Cancellation: a submission withdrawn (Submission::Withdraw) before the
// sequencer takes it is dropped and never appended; once taken, it is appended
// in full (or fails as a whole) whatever happens to its caller.
//
// Thread-safe: Submit, Withdraw, WaitForGrowth and Stop may be called from any
// thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/hash.h"
#include "ledger/log.h"
#include "ledger/sequencer/batch_limits.h"
#include "ledger/sequencer/entry_validation.h"
#include "ledger/sequencer/writer_registry.h"
#include "ledger/views.h"

namespace memoria {

// The result for one entry: where it is in the log, and the record itself
// (receipts carry it, so that a client checks it holds the entry it sent).
struct EntryOutcome {
  uint64_t index = 0;
  Hash leaf_hash{};
  // True if the entry was already in the log (a retry); nothing was appended.
  bool duplicate = false;
  // The record's stored bytes; leaf_hash = LeafHash(leaf).
  std::string leaf;
};

// The result for one submission: one outcome per entry in order, and the
// signed checkpoint (tree_size leaves) that covers all of them.
struct BatchOutcome {
  std::vector<EntryOutcome> entries;
  uint64_t tree_size = 0;
  std::string checkpoint;
  // When set, holds the nodes of the proofs of the entries this batch
  // appended (AppendResult::proof_nodes); retries found in the log need reads.
  std::shared_ptr<const NodeSet> proof_nodes;
};

// One call's entries on their way through the sequencer.
class Submission {
 public:
  // Called once, on the sequencer's completion thread, with the answer; never
  // for a withdrawn submission.
  using OnAnswered = std::function<void(const absl::StatusOr<BatchOutcome>&)>;

  Submission(std::vector<ValidatedEntry> entries, OnAnswered on_answered);

  // Waits until the submission is answered or `timeout` passes; true if
  // answered.
  bool WaitFor(absl::Duration timeout) const;
  // Withdraws the submission if the sequencer has not taken it yet; true if it
  // was withdrawn (it will never be appended and is answered CANCELLED).
  bool Withdraw();
  // The answer; only after WaitFor returned true.
  const absl::StatusOr<BatchOutcome>& result() const;

 private:
  friend class Sequencer;
  enum class State { kQueued, kTaken, kWithdrawn, kDone };

  // Moves kQueued to kTaken; false if withdrawn.
  bool Take();
  void Finish(absl::StatusOr<BatchOutcome> result);

  // Owned by the sequencer once taken; fixed until then.
  std::vector<ValidatedEntry> entries_;
  size_t bytes_ = 0;
  absl::Time enqueued_;
  const OnAnswered on_answered_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kQueued;
  absl::StatusOr<BatchOutcome> result_ ABSL_GUARDED_BY(mu_);
};

struct SequencerStats {
  uint64_t batches = 0;
  uint64_t appended = 0;    // records written
  uint64_t duplicates = 0;  // retries answered from the log
  uint64_t failed = 0;      // submissions answered with an error by the sequencer
  uint64_t queued = 0;      // entries waiting for the sequencer to take them, now
};

class Sequencer {
 public:
  // Called on the completion thread for each batch written (durable), with
  // its number of new records and the time from the start of its write to
  // the completion thread seeing it durable (a batch waiting behind the
  // previous batch's answers includes that wait). Must not block. For
  // metrics (server/server_metrics.h).
  using OnBatchWritten = std::function<void(size_t records, absl::Duration write)>;

  // Starts the sequencing thread. `log`, `registry` and `observer` (if not
  // null) must outlive the sequencer; nobody else may call log.Append
  // meanwhile. `observer` derives views from each new record; its state puts
  // land in the record's batch (ledger/views.h).
  Sequencer(Log& log, WriterRegistry& registry, const BatchLimits& limits,
            BatchObserver* observer = nullptr, OnBatchWritten on_written = nullptr);
  // Stop()s.
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues the entries of one call (non-empty). UNAVAILABLE once stopping.
  // `on_answered` (optional) is called with the answer, on the completion
  // thread: it must not block.
  absl::StatusOr<std::shared_ptr<Submission>> Submit(
      std::vector<ValidatedEntry> entries, Submission::OnAnswered on_answered = nullptr);

  // Stops intake, writes every queued submission, answers them, and joins the
  // thread. Idempotent.
  void Stop();
  bool stopped() const;

  // Blocks until the log holds more than `size` records, the sequencer stops,
  // or `timeout` passes; true if the log grew beyond `size`.
  bool WaitForGrowth(uint64_t size, absl::Duration timeout) const;

  SequencerStats stats() const;

 private:
  // A planned batch on its way to disk and back to its callers.
  struct PlannedBatch;

  void Run();
  // Takes the next batch of submissions off the queue (empty when stopping and
  // drained).
  std::vector<std::shared_ptr<Submission>> NextBatch();
  // Decides each entry's fate, starts the batch's write, and queues it for
  // the completion thread.
  void Process(std::vector<std::shared_ptr<Submission>>& batch);
  // The completion thread: waits for each planned batch's write, in order,
  // and answers its submissions.
  void Complete();
  void Answer(PlannedBatch& planned);
  // Runs the observer over the (parsed) entries of a planned batch,
  // appending its state puts.
  absl::Status ObserveBatch(uint64_t base, int64_t time,
                            const std::vector<const v1::Entry*>& entries,
                            std::vector<StatePut>& puts);
  static std::future<absl::StatusOr<AppendResult>> Failed(absl::Status status);

  Log& log_;
  WriterRegistry& registry_;
  const BatchLimits limits_;
  const OnBatchWritten on_written_;
  // Called by the sequencer (OnRecord) and completion (OnDurable,
  // OnAbandoned) threads, one at a time.
  absl::Mutex observer_mu_;
  BatchObserver* const observer_ ABSL_PT_GUARDED_BY(observer_mu_);

  // State of batches in flight (planned, not yet answered), so that the next
  // batch sees them: writer state key -> new state. (Their dedup keys are
  // the Log's: Log::FindDedup.) Written by the sequencer thread, cleared by
  // the completion thread.
  mutable absl::Mutex flight_mu_;
  std::map<std::string, v1::WriterInfo> writers_in_flight_ ABSL_GUARDED_BY(flight_mu_);
  std::deque<std::unique_ptr<PlannedBatch>> planned_batches_ ABSL_GUARDED_BY(flight_mu_);
  // Planned batches with a write not yet answered.
  std::atomic<size_t> writes_in_progress_{0};
  bool planning_done_ ABSL_GUARDED_BY(flight_mu_) = false;

  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<Submission>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Entries and bytes in queue_ (withdrawn submissions included).
  size_t queued_entries_ ABSL_GUARDED_BY(mu_) = 0;
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Submissions in the last batch taken (for NextBatch's group commit).
  size_t last_batch_calls_ ABSL_GUARDED_BY(mu_) = 0;

  // Growth notifications for WaitForGrowth (Watch streams).
  mutable absl::Mutex growth_mu_;
  uint64_t published_size_ ABSL_GUARDED_BY(growth_mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(growth_mu_) = false;

  mutable absl::Mutex stats_mu_;
  SequencerStats stats_ ABSL_GUARDED_BY(stats_mu_);

  absl::Mutex stop_mu_;  // serializes Stop()
  std::thread thread_;
  std::thread completion_thread_;
};

}  // namespace memoria
