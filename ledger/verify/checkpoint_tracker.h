// CheckpointTracker: the one place that keeps a verifier's trusted checkpoint
// and decides whether a newer signed checkpoint continues it. Used by the
// client library (client/ledger_client.cc, Update) and by memoria-audit
// (tools/audit/commands.cc: verify's trusted state, monitor).
//
//   CheckpointTracker tracker(log_key, state.current(), persist);
//   ASSIGN_OR_RETURN(TrustedCheckpoint next, tracker.Open(note));
//   ASSIGN_OR_RETURN(CheckpointJudgement judged, tracker.Judge(next, proofs));
//   if (judged.evidence) ... rollback or fork: the two signed notes ...
//   else if (judged.step == CheckpointStep::kExtends) RETURN_IF_ERROR(tracker.Advance(next));
//
// The rule. Nothing trusted (or a trusted checkpoint of size 0): any
// checkpoint signed by the log key is accepted (kFirst). Otherwise a smaller
// checkpoint is a rollback; the same size with another root is a fork; the
// same size and root is kSame; a larger one must be proven consistent with
// the trusted one by an RFC 9162 consistency proof (a proof that does not
// verify is a fork). Evidence carries both signed notes, so that anyone
// holding the log key can check the claim.
//
// Wording stays with the callers (their messages are part of their
// interfaces); the decision is made here.
//
// Thread-safety: not thread-safe; callers serialize (LedgerClient holds a
// lock across Judge and Advance).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"

namespace memoria {

// A checkpoint whose signature was verified, with its signed note.
struct TrustedCheckpoint {
  Checkpoint checkpoint;
  std::string note;
};

// Why a checkpoint cannot continue the trusted one: the two signed notes.
struct CheckpointEvidence {
  enum class Kind {
    kRollback,  // the presented checkpoint is smaller than the trusted one
    kFork,      // same size and another root, or a consistency proof that fails
  };
  Kind kind = Kind::kFork;
  TrustedCheckpoint trusted;
  TrustedCheckpoint presented;
  // A fork found by a consistency proof: why the proof does not verify
  // (VerifyConsistency's error). OK for a rollback or a same-size fork.
  absl::Status proof_failure;
};

enum class CheckpointStep {
  kFirst,    // nothing (or the empty tree) was trusted
  kSame,     // the trusted checkpoint's size and root
  kExtends,  // larger, and consistent with the trusted one (when proven)
};

struct CheckpointJudgement {
  TrustedCheckpoint presented;
  // Set when the checkpoint continues the trusted one.
  std::optional<CheckpointStep> step;
  // kExtends judged without a proof source: consistency not proven yet.
  bool proven = true;
  // Set when it does not: rollback or fork.
  std::optional<CheckpointEvidence> evidence;
};

class CheckpointTracker {
 public:
  // The server's consistency proof from `first` to `second` leaves. Its error
  // is returned by Judge as is (the caller decides what a missing proof means).
  using ConsistencyProofs =
      std::function<absl::StatusOr<std::vector<Hash>>(uint64_t first, uint64_t second)>;
  // Makes a checkpoint durable before it is trusted (a state file); an error
  // leaves the tracker unchanged.
  using Persist = std::function<absl::Status(const TrustedCheckpoint&)>;

  // `trusted`: what was trusted before (a state file's note), if anything.
  // `persist`: nothing to persist when null.
  CheckpointTracker(Verifier log_key, std::optional<TrustedCheckpoint> trusted,
                    Persist persist = nullptr);

  const Verifier& log_key() const { return log_key_; }
  const std::optional<TrustedCheckpoint>& trusted() const { return trusted_; }
  // 0 when nothing is trusted.
  uint64_t size() const { return trusted_ ? trusted_->checkpoint.size : 0; }

  // Opens `note` under the log key (OpenCheckpoint's errors: PERMISSION_DENIED
  // for a signature that does not verify, INVALID_ARGUMENT for a malformed note).
  absl::StatusOr<TrustedCheckpoint> Open(std::string_view note) const;

  // Judges an opened checkpoint against the trusted one (the rule above).
  // `proofs` is called once, for a checkpoint larger than a non-empty trusted
  // one; when it is null such a checkpoint is kExtends with proven = false.
  // Errors: `proofs`' own.
  absl::StatusOr<CheckpointJudgement> Judge(TrustedCheckpoint presented,
                                            const ConsistencyProofs& proofs) const;

  // Persists `next` and then trusts it. The caller judged it (kFirst or
  // kExtends). On a persistence error nothing changes.
  absl::Status Advance(TrustedCheckpoint next);

 private:
  Verifier log_key_;
  std::optional<TrustedCheckpoint> trusted_;
  Persist persist_;
};

}  // namespace memoria
