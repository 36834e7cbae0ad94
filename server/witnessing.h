// Witnessing: memoria-server asks independent witnesses to cosign its
// checkpoints (C2SP tlog-witness, https://c2sp.org/tlog-witness) and keeps the
// latest checkpoint cosigned by the quorum of its witness policy (C2SP
// tlog-policy, ledger/verify/witness_policy.h), which GetCheckpoint serves
// when asked for `witnessed`.
//
//   ASSIGN_OR_RETURN(auto witnessing, Witnessing::Create(log, options));
//   RETURN_IF_ERROR(witnessing->CheckWitnesses());  // before serving
//   witnessing->Start();
//   ... witnessing->LatestCosigned() ...
//
// Rounds. A scheduler thread reads Log::Head() every 10 ms (appends never
// wait for witnessing) and starts a round when the head has grown since the
// last round and either `interval` has passed since the last round began or
// the log has been idle (no new checkpoint) for `idle` (server/round_throttle.h): under load a new
// checkpoint is witnessed at most every `interval`, and the last one before a
// pause at once. A round hands the head to every witness's own thread, so a
// slow or unreachable witness delays no other.
//
// Each witness's thread sends `old <size>` with the consistency proof from the
// size the witness holds for this log, learned from its 409 answers (the
// first request says `old 0`) and from its 200s. A failed request is logged
// and tried again after `interval` with the head of that time.
//
// The cosigned checkpoint. The cosignature lines received for one checkpoint
// are collected; once they meet the quorum, the note with every line is
// written durably to `state_file` and becomes LatestCosigned(). Lines that
// arrive later for that checkpoint are added to it.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/log.h"
#include "ledger/verify/witness_policy.h"
#include "server/witness_client.h"

namespace memoria::server {

struct WitnessingOptions {
  // Witnesses (each with its URL) and the quorum; a policy that lists logs
  // must list this log's key.
  WitnessPolicy policy;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration idle = absl::Milliseconds(100);
  // Bounds connecting to a witness, sending and reading its answer (each).
  absl::Duration timeout = absl::Seconds(5);
  // Where the latest cosigned checkpoint is kept (DataDir::WitnessedCheckpointPath).
  std::string state_file;
};

// A checkpoint with the cosignatures that meet the quorum.
struct CosignedCheckpoint {
  uint64_t size = 0;
  std::string note;  // the log's note, its signature line, then cosignature lines
};

// One witness as the log sees it.
struct WitnessStatus {
  std::string name;
  uint64_t cosigned_size = 0;  // the largest checkpoint it cosigned since start
  uint64_t failures = 0;       // failed requests since start
  std::string last_error;      // empty once a request succeeds again
  absl::Time last_success = absl::InfinitePast();  // its last cosignature received
};

class Witnessing {
 public:
  // Validates the options (INVALID_ARGUMENT: a witness without a usable URL,
  // a policy whose logs do not include this log's key, an interval, idle or
  // timeout that is not positive) and loads the stored cosigned checkpoint.
  // DATA_LOSS if that file does not verify under the log key, or names a
  // checkpoint larger than the log or not in its history (a restored copy or
  // a lost store: the message says which). A stored checkpoint whose
  // cosignatures no longer meet the policy's quorum is dropped (logged).
  static absl::StatusOr<std::unique_ptr<Witnessing>> Create(const Log& log,
                                                            WitnessingOptions options);
  // Stop()s.
  ~Witnessing();
  Witnessing(const Witnessing&) = delete;
  Witnessing& operator=(const Witnessing&) = delete;

  // Before Start(): submits the log's latest checkpoint to every witness at
  // once. FAILED_PRECONDITION naming the witnesses and sizes if any witness
  // holds a checkpoint of this log larger than the log (the store lost
  // acknowledged records, or an old copy was restored) or refuses the
  // latest checkpoint as inconsistent with what it cosigned (a fork). Other
  // failures (a witness unreachable, or not configured for this log) are
  // logged and are not errors. The cosignatures received count as a round.
  absl::Status CheckWitnesses();

  // Starts the scheduler and the witnesses' threads.
  void Start();
  // Stops the threads (an in-flight request ends at its timeout at worst).
  // Idempotent.
  void Stop();

  // The latest checkpoint cosigned by the quorum, if any.
  std::optional<CosignedCheckpoint> LatestCosigned() const;
  std::vector<WitnessStatus> Status() const;
  // The witnesses and the quorum.
  const WitnessPolicy& policy() const { return options_.policy; }

 private:
  struct Witness {
    std::unique_ptr<WitnessClient> client;
    // The size the witness holds for this log, when known. Its thread only
    // (CheckWitnesses runs before the threads start).
    std::optional<uint64_t> known_size;
    std::thread thread;
  };
  struct Collected {
    std::string note;                          // the log's signed note
    std::map<size_t, std::string> lines;       // by witness index
  };

  Witnessing(const Log& log, WitnessingOptions options);

  // Sends `head` to witness `i` (up to two 409s), returning its line.
  absl::StatusOr<std::string> Submit(size_t i, const SignedHead& head);
  // Records witness i's cosignature of `head`; stores the cosigned
  // checkpoint when the quorum is met.
  void Collect(size_t i, const SignedHead& head, const std::string& line)
      ABSL_LOCKS_EXCLUDED(mu_, collect_mu_);
  void RecordFailure(size_t i, const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void ScheduleLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void WitnessLoop(size_t i) ABSL_LOCKS_EXCLUDED(mu_);

  const Log& log_;
  const WitnessingOptions options_;
  std::vector<Witness> witnesses_;  // in policy order; the vector is fixed after Create
  std::thread scheduler_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  // The checkpoint the last round handed out (every witness's target).
  std::optional<SignedHead> target_ ABSL_GUARDED_BY(mu_);
  std::vector<WitnessStatus> status_ ABSL_GUARDED_BY(mu_);
  std::optional<CosignedCheckpoint> latest_ ABSL_GUARDED_BY(mu_);

  // Serializes collecting, evaluating and storing cosignatures.
  absl::Mutex collect_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::map<uint64_t, Collected> collected_ ABSL_GUARDED_BY(collect_mu_);
};

}  // namespace memoria::server
