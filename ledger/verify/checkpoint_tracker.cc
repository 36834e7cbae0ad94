#include "ledger/verify/checkpoint_tracker.h"

#include <utility>

#include "ledger/merkle.h"
#include "ledger/status.h"

namespace memoria {

CheckpointTracker::CheckpointTracker(Verifier log_key, std::optional<TrustedCheckpoint> trusted,
                                     Persist persist)
    : log_key_(std::move(log_key)), trusted_(std::move(trusted)), persist_(std::move(persist)) {}

absl::StatusOr<TrustedCheckpoint> CheckpointTracker::Open(std::string_view note) const {
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(note, log_key_));
  return TrustedCheckpoint{std::move(checkpoint), std::string(note)};
}

absl::StatusOr<CheckpointJudgement> CheckpointTracker::Judge(TrustedCheckpoint presented,
                                                             const ConsistencyProofs& proofs) const {
  CheckpointJudgement judged;
  judged.presented = std::move(presented);
  const Checkpoint& now = judged.presented.checkpoint;
  if (!trusted_.has_value() || trusted_->checkpoint.size == 0) {
    judged.step = CheckpointStep::kFirst;
    return judged;
  }
  const Checkpoint& old = trusted_->checkpoint;
  auto evidence = [&](CheckpointEvidence::Kind kind, absl::Status proof_failure) {
    judged.evidence = CheckpointEvidence{.kind = kind,
                                         .trusted = *trusted_,
                                         .presented = judged.presented,
                                         .proof_failure = std::move(proof_failure)};
  };
  if (now.size < old.size) {
    evidence(CheckpointEvidence::Kind::kRollback, absl::OkStatus());
  } else if (now.size == old.size) {
    if (now.root != old.root) {
      evidence(CheckpointEvidence::Kind::kFork, absl::OkStatus());
    } else {
      judged.step = CheckpointStep::kSame;
    }
  } else if (!proofs) {
    judged.step = CheckpointStep::kExtends;
    judged.proven = false;
  } else {
    ASSIGN_OR_RETURN(std::vector<Hash> proof, proofs(old.size, now.size));
    if (absl::Status consistent = VerifyConsistency(old.size, now.size, old.root, now.root, proof);
        !consistent.ok()) {
      evidence(CheckpointEvidence::Kind::kFork, std::move(consistent));
    } else {
      judged.step = CheckpointStep::kExtends;
    }
  }
  return judged;
}

absl::Status CheckpointTracker::Advance(TrustedCheckpoint next) {
  if (persist_) RETURN_IF_ERROR(persist_(next));
  trusted_ = std::move(next);
  return absl::OkStatus();
}

}  // namespace memoria
