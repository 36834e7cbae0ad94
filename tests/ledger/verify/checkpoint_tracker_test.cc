// ledger/verify/checkpoint_tracker.h: the first checkpoint, advancing by a
// consistency proof, rollback and fork evidence, a proof that does not
// verify, a proof that cannot be had, and persistence before trust.
#include "ledger/verify/checkpoint_tracker.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle.h"
#include "ledger/sha256.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::memoria::testing::MustGenerate;

// A log with its checkpoints at two sizes, and consistency proofs from its
// own tree.
class CheckpointTrackerTest : public ::testing::Test {
 protected:
  CheckpointTrackerTest() {
    log_.AddGeneric(5);
    small_note_ = log_.Checkpoint();
    log_.AddGeneric(6);
    large_note_ = log_.Checkpoint();
  }

  TrustedCheckpoint MustOpen(const CheckpointTracker& tracker, const std::string& note) {
    absl::StatusOr<TrustedCheckpoint> opened = tracker.Open(note);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return *opened;
  }
  CheckpointTracker::ConsistencyProofs HonestProofs() {
    return [this](uint64_t first, uint64_t second) {
      ++proofs_asked_;
      return ComputeConsistencyProof(first, second, log_.Nodes());
    };
  }
  const Verifier log_key() { return log_.log_key().verifier(); }

  BuiltLog log_;
  std::string small_note_;
  std::string large_note_;
  int proofs_asked_ = 0;
};

TEST_F(CheckpointTrackerTest, TrustsTheFirstCheckpointByItsSignature) {
  CheckpointTracker tracker(log_key(), std::nullopt);
  EXPECT_EQ(tracker.size(), 0u);
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(MustOpen(tracker, small_note_), HonestProofs());
  ASSERT_TRUE(judged.ok()) << judged.status();
  EXPECT_EQ(judged->step, CheckpointStep::kFirst);
  EXPECT_FALSE(judged->evidence.has_value());
  EXPECT_EQ(proofs_asked_, 0);
  ASSERT_TRUE(tracker.Advance(judged->presented).ok());
  EXPECT_EQ(tracker.trusted()->note, small_note_);

  // A note signed by another key does not open.
  const Signer other = MustGenerate(log_.log_key().name());
  CheckpointTracker strict(other.verifier(), std::nullopt);
  EXPECT_FALSE(strict.Open(small_note_).ok());
}

TEST_F(CheckpointTrackerTest, AdvancesThroughAConsistencyProof) {
  CheckpointTracker tracker(log_key(), std::nullopt);
  TrustedCheckpoint small = MustOpen(tracker, small_note_);
  ASSERT_TRUE(tracker.Advance(small).ok());
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(MustOpen(tracker, large_note_), HonestProofs());
  ASSERT_TRUE(judged.ok()) << judged.status();
  EXPECT_EQ(judged->step, CheckpointStep::kExtends);
  EXPECT_TRUE(judged->proven);
  EXPECT_EQ(proofs_asked_, 1);
  ASSERT_TRUE(tracker.Advance(judged->presented).ok());
  EXPECT_EQ(tracker.size(), log_.size());

  // The same checkpoint again: nothing new, no proof.
  judged = tracker.Judge(MustOpen(tracker, large_note_), HonestProofs());
  ASSERT_TRUE(judged.ok());
  EXPECT_EQ(judged->step, CheckpointStep::kSame);
  EXPECT_EQ(proofs_asked_, 1);

  // Without a proof source a larger checkpoint is not proven.
  CheckpointTracker later(log_key(), small);
  judged = later.Judge(MustOpen(later, large_note_), nullptr);
  ASSERT_TRUE(judged.ok());
  EXPECT_EQ(judged->step, CheckpointStep::kExtends);
  EXPECT_FALSE(judged->proven);
}

TEST_F(CheckpointTrackerTest, ASmallerCheckpointIsRollbackEvidence) {
  CheckpointTracker tracker(log_key(), std::nullopt);
  ASSERT_TRUE(tracker.Advance(MustOpen(tracker, large_note_)).ok());
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(MustOpen(tracker, small_note_), HonestProofs());
  ASSERT_TRUE(judged.ok()) << judged.status();
  EXPECT_FALSE(judged->step.has_value());
  ASSERT_TRUE(judged->evidence.has_value());
  EXPECT_EQ(judged->evidence->kind, CheckpointEvidence::Kind::kRollback);
  EXPECT_EQ(judged->evidence->trusted.note, large_note_);
  EXPECT_EQ(judged->evidence->presented.note, small_note_);
  EXPECT_EQ(tracker.trusted()->note, large_note_);  // unchanged
}

TEST_F(CheckpointTrackerTest, SameSizeAnotherRootIsForkEvidence) {
  // A checkpoint of the trusted size with another root, signed by the log key.
  CheckpointTracker tracker(log_key(), std::nullopt);
  ASSERT_TRUE(tracker.Advance(MustOpen(tracker, large_note_)).ok());
  Checkpoint forged{.origin = log_.log_key().name(), .size = log_.size(), .root = Sha256("forged")};
  absl::StatusOr<std::string> note = SignCheckpoint(forged, log_.log_key());
  ASSERT_TRUE(note.ok());
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(MustOpen(tracker, *note), HonestProofs());
  ASSERT_TRUE(judged.ok()) << judged.status();
  ASSERT_TRUE(judged->evidence.has_value());
  EXPECT_EQ(judged->evidence->kind, CheckpointEvidence::Kind::kFork);
  EXPECT_TRUE(judged->evidence->proof_failure.ok());
  EXPECT_EQ(judged->evidence->presented.note, *note);
  EXPECT_EQ(judged->evidence->trusted.note, large_note_);
}

TEST_F(CheckpointTrackerTest, AProofThatDoesNotVerifyIsForkEvidence) {
  CheckpointTracker tracker(log_key(), std::nullopt);
  ASSERT_TRUE(tracker.Advance(MustOpen(tracker, small_note_)).ok());
  auto bad_proofs = [this](uint64_t first, uint64_t second) -> absl::StatusOr<std::vector<Hash>> {
    absl::StatusOr<std::vector<Hash>> proof = ComputeConsistencyProof(first, second, log_.Nodes());
    if (proof.ok() && !proof->empty()) (*proof)[0] = Sha256("tampered");
    return proof;
  };
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(MustOpen(tracker, large_note_), bad_proofs);
  ASSERT_TRUE(judged.ok()) << judged.status();
  EXPECT_FALSE(judged->step.has_value());
  ASSERT_TRUE(judged->evidence.has_value());
  EXPECT_EQ(judged->evidence->kind, CheckpointEvidence::Kind::kFork);
  EXPECT_FALSE(judged->evidence->proof_failure.ok());
  EXPECT_EQ(tracker.trusted()->note, small_note_);

  // A proof that cannot be had is the proof source's error, as it is.
  judged = tracker.Judge(MustOpen(tracker, large_note_), [](uint64_t, uint64_t) {
    return absl::StatusOr<std::vector<Hash>>(absl::UnavailableError("server gone"));
  });
  EXPECT_EQ(judged.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(CheckpointTrackerTest, PersistsBeforeTrusting) {
  std::vector<std::string> persisted;
  bool fail = false;
  CheckpointTracker tracker(log_key(), std::nullopt, [&](const TrustedCheckpoint& next) {
    if (fail) return absl::InternalError("disk full");
    persisted.push_back(next.note);
    return absl::OkStatus();
  });
  ASSERT_TRUE(tracker.Advance(MustOpen(tracker, small_note_)).ok());
  EXPECT_EQ(persisted, std::vector<std::string>{small_note_});
  fail = true;
  EXPECT_FALSE(tracker.Advance(MustOpen(tracker, large_note_)).ok());
  EXPECT_EQ(tracker.trusted()->note, small_note_);
}

}  // namespace
}  // namespace memoria
