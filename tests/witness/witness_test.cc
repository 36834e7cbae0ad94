// witness/witness.h: one test per rule of C2SP tlog-witness's add-checkpoint.
#include "witness/witness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ledger/encoding.h"
#include "ledger/note.h"
#include "ledger/verify/cosignature.h"
#include "tests/support/temp_dir.h"
#include "tests/witness/test_log.h"
#include "ledger/add_checkpoint_request.h"

namespace memoria::witness {
namespace {

using testing::TestLog;

class FixedClock : public Clock {
 public:
  int64_t NowMicros() const override { return micros; }
  std::atomic<int64_t> micros{int64_t{1700000000} * 1000000};
};

std::string Request(uint64_t old_size, const std::vector<Hash>& proof, const std::string& note) {
  return FormatAddCheckpointRequest({old_size, proof, note});
}

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Grow(100);
    Reopen();
  }
  void Reopen() {
    witness_.reset();
    std::vector<WitnessedLog> logs = {{log_.origin(), {log_.key().verifier()}}};
    absl::StatusOr<std::unique_ptr<Witness>> witness = Witness::Open(key_, logs, dir_.path(), clock_);
    ASSERT_TRUE(witness.ok()) << witness.status();
    witness_ = *std::move(witness);
  }
  // Cosigns `size` from the current state; expects 200.
  void MustCosign(uint64_t old_size, uint64_t size) {
    WitnessResponse r = witness_->AddCheckpoint(
        Request(old_size, old_size == 0 ? std::vector<Hash>{} : log_.Proof(old_size, size),
                log_.SignedCheckpoint(size)));
    ASSERT_EQ(r.status, kStatusOk) << r.body;
  }

  memoria::testing::TempDir dir_;
  FixedClock clock_;
  Signer key_ = *Signer::Generate("witness.example/w1", SignatureType::kCosignatureV1);
  TestLog log_{"example.com/log"};
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, FirstCheckpointIsCosignedAndTheCosignatureVerifies) {
  const std::string note = log_.SignedCheckpoint(10);
  WitnessResponse r = witness_->AddCheckpoint(Request(0, {}, note));
  ASSERT_EQ(r.status, kStatusOk) << r.body;
  // One or more signature lines starting with U+2014 and ending with '\n'.
  EXPECT_EQ(r.body.substr(0, 3), "\xE2\x80\x94");
  EXPECT_EQ(r.body.back(), '\n');
  // The client's way: concatenate to the checkpoint and verify.
  absl::StatusOr<uint64_t> time = VerifyCosignature(note + r.body, key_.verifier());
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, 1700000000u);  // timestamped, not zero
  EXPECT_EQ(*witness_->CosignedSize(log_.origin()), 10u);
}

TEST_F(WitnessTest, ConsistentCheckpointAdvances) {
  MustCosign(0, 10);
  MustCosign(10, 57);
  MustCosign(57, 100);
  EXPECT_EQ(*witness_->CosignedSize(log_.origin()), 100u);
}

TEST_F(WitnessTest, SameCheckpointAgainIsCosigned) {
  MustCosign(0, 10);
  MustCosign(10, 10);
}

TEST_F(WitnessTest, MalformedRequestIs400) {
  const std::string note = log_.SignedCheckpoint(10);
  for (const std::string& body : std::vector<std::string>{
           std::string(""), "old 1\n", "10\n\n" + note, "old 01\n\n" + note, "old -1\n\n" + note,
           "old 1 \n\n" + note, "old 1\nnot base64!\n\n" + note,
           "old 1\n" + Base64Encode("short") + "\n\n" + note, "old 0\n\n",
           "old 0\n\nnot a note\n", "old 0\n" + note}) {
    EXPECT_EQ(witness_->AddCheckpoint(body).status, kStatusBadRequest) << body;
  }
}

TEST_F(WitnessTest, MoreThan63ProofLinesIs400) {
  std::string body = "old 5\n";
  for (int i = 0; i < 64; ++i) body += Base64Encode(AsBytes(Sha256("x"))) + "\n";
  body += "\n" + log_.SignedCheckpoint(10);
  EXPECT_EQ(witness_->AddCheckpoint(body).status, kStatusBadRequest);
}

TEST_F(WitnessTest, UnknownOriginIs404) {
  TestLog other("other.example/log");
  other.Grow(5);
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, other.SignedCheckpoint(5))).status,
            kStatusNotFound);
}

TEST_F(WitnessTest, NoTrustedSignatureIs403) {
  // Same origin, another key: its signature is ignored, none is left.
  TestLog impostor("example.com/log");
  impostor.Grow(5);
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, impostor.SignedCheckpoint(5))).status,
            kStatusForbidden);
}

TEST_F(WitnessTest, FailingTrustedSignatureIs403) {
  std::string note = log_.SignedCheckpoint(10);
  // Change a base64 digit inside the signature. Not its last digit: that one carries
  // padding bits, and a non-canonical encoding is malformed (400), not a failed signature.
  char& digit = note[note.size() - 10];
  digit = digit == 'A' ? 'B' : 'A';
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, note)).status, kStatusForbidden);
}

TEST_F(WitnessTest, SignaturesByUnknownKeysAreIgnored) {
  const Signer other = *Signer::Generate("someone.else");
  Checkpoint checkpoint{log_.origin(), 10, log_.Root(10), {}};
  const Signer* signers[] = {&other, &log_.key()};
  absl::StatusOr<std::string> note = SignNote(checkpoint.Body(), signers);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, *note)).status, kStatusOk);
}

TEST_F(WitnessTest, OldSizeAboveCheckpointSizeIs400) {
  MustCosign(0, 20);
  EXPECT_EQ(witness_->AddCheckpoint(Request(20, {}, log_.SignedCheckpoint(10))).status,
            kStatusBadRequest);
}

TEST_F(WitnessTest, OldSizeNotTheStoredSizeIs409WithTheStoredSize) {
  MustCosign(0, 20);
  WitnessResponse r =
      witness_->AddCheckpoint(Request(10, log_.Proof(10, 30), log_.SignedCheckpoint(30)));
  EXPECT_EQ(r.status, kStatusConflict);
  EXPECT_EQ(r.body, "20\n");
  EXPECT_EQ(r.content_type, "text/x.tlog.size");
  // A client that knows nothing asks with old size 0 and learns the size.
  r = witness_->AddCheckpoint(Request(0, {}, log_.SignedCheckpoint(30)));
  EXPECT_EQ(r.status, kStatusConflict);
  EXPECT_EQ(r.body, "20\n");
}

TEST_F(WitnessTest, NeverCosignedMeansStoredSizeZero) {
  WitnessResponse r = witness_->AddCheckpoint(Request(5, log_.Proof(5, 10), log_.SignedCheckpoint(10)));
  EXPECT_EQ(r.status, kStatusConflict);
  EXPECT_EQ(r.body, "0\n");
}

TEST_F(WitnessTest, SizeZeroMustHaveTheEmptyRoot) {
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, log_.SignedCheckpoint(0))).status, kStatusOk);
  Checkpoint bad{log_.origin(), 0, Sha256("not empty"), {}};
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {}, *SignCheckpoint(bad, log_.key()))).status,
            kStatusUnprocessable);
}

TEST_F(WitnessTest, ProofWithOldSizeZeroIs422) {
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {Sha256("x")}, log_.SignedCheckpoint(10))).status,
            kStatusUnprocessable);
}

TEST_F(WitnessTest, ProofThatDoesNotVerifyIs422) {
  MustCosign(0, 10);
  std::vector<Hash> proof = log_.Proof(10, 30);
  proof[0][0] ^= 1;
  EXPECT_EQ(witness_->AddCheckpoint(Request(10, proof, log_.SignedCheckpoint(30))).status,
            kStatusUnprocessable);
  // Nothing changed: the right proof still works.
  MustCosign(10, 30);
}

TEST_F(WitnessTest, SameSizeOtherRootIs422AndKeepsEvidence) {
  MustCosign(0, 10);
  TestLog fork(log_, "forked-");
  fork.Grow(10);
  EXPECT_EQ(witness_->AddCheckpoint(Request(10, {}, fork.SignedCheckpoint(10))).status,
            kStatusUnprocessable);
  absl::StatusOr<std::vector<std::string>> evidence = witness_->ListEvidence();
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 1u);
  absl::StatusOr<std::string> text = witness_->ReadEvidence((*evidence)[0]);
  ASSERT_TRUE(text.ok());
  // Both signed checkpoints are in it.
  EXPECT_NE(text->find(log_.SignedCheckpoint(10).substr(0, 40)), std::string::npos);
  EXPECT_NE(text->find(fork.SignedCheckpoint(10)), std::string::npos);
}

TEST_F(WitnessTest, ForkedHistoryIs422AndKeepsEvidenceWithTheProof) {
  MustCosign(0, 10);
  TestLog fork(log_, "forked-");
  fork.Grow(30);
  const std::vector<Hash> proof = fork.Proof(10, 30);
  EXPECT_EQ(witness_->AddCheckpoint(Request(10, proof, fork.SignedCheckpoint(30))).status,
            kStatusUnprocessable);
  absl::StatusOr<std::vector<std::string>> evidence = witness_->ListEvidence();
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 1u);
  absl::StatusOr<std::string> text = witness_->ReadEvidence((*evidence)[0]);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(Request(10, proof, fork.SignedCheckpoint(30))), std::string::npos);
  EXPECT_EQ(*witness_->CosignedSize(log_.origin()), 10u);
  EXPECT_EQ(witness_->ReadEvidence("../logs").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WitnessTest, UnsignedGarbageKeepsNoEvidence) {
  MustCosign(0, 10);
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, {Sha256("x")}, log_.SignedCheckpoint(10))).status,
            kStatusConflict);
  EXPECT_TRUE(witness_->ListEvidence()->empty());
}

TEST_F(WitnessTest, StateSurvivesReopen) {
  MustCosign(0, 42);
  Reopen();
  EXPECT_EQ(*witness_->CosignedSize(log_.origin()), 42u);
  WitnessResponse r = witness_->AddCheckpoint(Request(0, {}, log_.SignedCheckpoint(50)));
  EXPECT_EQ(r.status, kStatusConflict);
  EXPECT_EQ(r.body, "42\n");
  MustCosign(42, 50);
}

TEST_F(WitnessTest, LatestCheckpointHasTheLogsAndTheWitnesssSignatures) {
  EXPECT_FALSE(witness_->LatestCheckpoint(OriginHash(log_.origin())).has_value());
  MustCosign(0, 10);
  std::optional<std::string> note = witness_->LatestCheckpoint(OriginHash(log_.origin()));
  ASSERT_TRUE(note.has_value());
  EXPECT_TRUE(OpenCheckpoint(*note, log_.key().verifier()).ok());
  EXPECT_TRUE(VerifyCosignature(*note, key_.verifier()).ok());
  EXPECT_FALSE(witness_->LatestCheckpoint(OriginHash("unknown")).has_value());
}

// The race of the spec: concurrent requests from the same old size; exactly
// one wins, and the stored size never goes back.
TEST_F(WitnessTest, ConcurrentRequestsNeverRollBack) {
  MustCosign(0, 10);
  std::atomic<int> ok{0};
  std::atomic<int> conflict{0};
  std::vector<std::thread> threads;
  for (uint64_t size = 11; size <= 30; ++size) {
    const std::string body = Request(10, log_.Proof(10, size), log_.SignedCheckpoint(size));
    threads.emplace_back([&, body] {
      const int status = witness_->AddCheckpoint(body).status;
      if (status == kStatusOk) ++ok;
      if (status == kStatusConflict) ++conflict;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 19);
  const uint64_t size = *witness_->CosignedSize(log_.origin());
  EXPECT_GT(size, 10u);
  Reopen();
  EXPECT_EQ(*witness_->CosignedSize(log_.origin()), size);
}

TEST(WitnessOpen, RefusesAPlainKey) {
  memoria::testing::TempDir dir;
  FixedClock clock;
  EXPECT_EQ(Witness::Open(*Signer::Generate("w"), {}, dir.path(), clock).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(WitnessedLogs, ParsesLinesAndFiles) {
  const Signer key = *Signer::Generate("example.com/log");
  const std::string line = "example.com/log " + key.verifier().ToString();
  absl::StatusOr<std::vector<std::pair<std::string, Verifier>>> pairs =
      ParseLogsFile("# logs\n\n" + line + "\n");
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  absl::StatusOr<std::vector<WitnessedLog>> logs = GroupLogs(*pairs);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ((*logs)[0].origin, "example.com/log");
  EXPECT_FALSE(ParseLogLine("example.com/log").ok());
  EXPECT_FALSE(ParseLogLine("example.com/log notakey").ok());
  const Signer cosigner = *Signer::Generate("w", SignatureType::kCosignatureV1);
  EXPECT_FALSE(ParseLogLine("example.com/log " + cosigner.verifier().ToString()).ok());
  pairs->push_back(pairs->front());
  EXPECT_FALSE(GroupLogs(*pairs).ok());
  EXPECT_FALSE(ParseLogsFile("bad line\n").ok());
}

}  // namespace
}  // namespace memoria::witness
