// ledger/verify/witness_quorum.h: whether a signed checkpoint is signed by a
// policy log and cosigned by a quorum of its witnesses (C2SP tlog-policy).
#include "ledger/verify/witness_quorum.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/note.h"
#include "ledger/verify/cosignature.h"
#include "ledger/verify/witness_policy.h"

namespace memoria {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint64_t kTime = 1679315147;
const char* const kWitnessNames[] = {"X1", "X2", "X3", "Y1", "Y2", "Y3"};

Signer MustGenerate(std::string_view name, SignatureType type = SignatureType::kEd25519) {
  absl::StatusOr<Signer> signer = Signer::Generate(name, type);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *signer;
}

Checkpoint MakeCheckpoint(std::string_view origin, uint64_t size) {
  Checkpoint checkpoint;
  checkpoint.origin = std::string(origin);
  checkpoint.size = size;
  checkpoint.root = Sha256("root " + std::to_string(size));
  return checkpoint;
}

class WitnessQuorumTest : public ::testing::Test {
 protected:
  WitnessQuorumTest() {
    for (const char* name : kWitnessNames) {
      witnesses_.emplace(name, MustGenerate(std::string("witness.example/") + name,
                                            SignatureType::kCosignatureV1));
    }
  }

  // The spec's example policy: 2 of X1..X3, and any of Y1..Y3.
  std::string ExamplePolicyText() const {
    std::string text = "log " + log_key_.verifier().ToString() + "\n";
    for (const char* name : {"X1", "X2", "X3"}) text += WitnessLine(name);
    text += "group X-witnesses 2 X1 X2 X3\n";
    for (const char* name : {"Y1", "Y2", "Y3"}) text += WitnessLine(name);
    text += "group Y-witnesses any Y1 Y2 Y3\n";
    text += "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n";
    return text;
  }

  std::string WitnessLine(const std::string& name) const {
    return "witness " + name + " " + witnesses_.at(name).verifier().ToString() + "\n";
  }

  static WitnessPolicy MustParse(const std::string& text) {
    absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(text);
    EXPECT_TRUE(policy.ok()) << policy.status();
    return *policy;
  }

  // The log-signed checkpoint note.
  std::string LogSigned(const Checkpoint& checkpoint) const {
    absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key_);
    EXPECT_TRUE(note.ok()) << note.status();
    return *note;
  }

  static std::string CosignatureLine(const Checkpoint& checkpoint, const Signer& cosigner) {
    absl::StatusOr<std::string> line = CosignCheckpoint(checkpoint.Body(), kTime, cosigner);
    EXPECT_TRUE(line.ok()) << line.status();
    return *line;
  }

  // checkpoint_, signed by the log and cosigned by the witnesses named.
  std::string Cosigned(const std::vector<std::string>& names) const {
    std::string note = LogSigned(checkpoint_);
    for (const std::string& name : names) note += CosignatureLine(checkpoint_, witnesses_.at(name));
    return note;
  }

  QuorumEvaluation MustEvaluate(const std::string& note, const WitnessPolicy& policy) {
    absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(note, policy);
    EXPECT_TRUE(evaluation.ok()) << evaluation.status();
    return evaluation.ok() ? *std::move(evaluation) : QuorumEvaluation{};
  }

  Signer log_key_ = MustGenerate("example.com/log");
  std::map<std::string, Signer> witnesses_;
  Checkpoint checkpoint_ = MakeCheckpoint("example.com/log", 20852163);
};

TEST_F(WitnessQuorumTest, NestedGroupsMet) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({"X1", "X3", "Y2"}), policy);
  EXPECT_TRUE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.shortfall, "");
  EXPECT_EQ(evaluation.log, "example.com/log");
  EXPECT_THAT(evaluation.witnessed, ElementsAre("X1", "X3", "Y2"));
  EXPECT_EQ(evaluation.checkpoint, checkpoint_);

  absl::StatusOr<Checkpoint> verified =
      VerifyCheckpointUnderPolicy(Cosigned({"Y3", "X2", "X1"}), policy);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, checkpoint_);
}

TEST_F(WitnessQuorumTest, NestedGroupsNotMetNamesWhatIsMissing) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  // Two of X but none of Y.
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({"X1", "X2"}), policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.shortfall,
            "quorum not met: have witnesses X1, X2; "
            "group X-and-Y needs 2 of {X-witnesses, Y-witnesses}, has 1; "
            "group Y-witnesses needs 1 of {Y1, Y2, Y3}, has 0");
  // All of Y but only one of X.
  evaluation = MustEvaluate(Cosigned({"Y1", "Y2", "Y3", "X3"}), policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.shortfall,
            "quorum not met: have witnesses X3, Y1, Y2, Y3; "
            "group X-and-Y needs 2 of {X-witnesses, Y-witnesses}, has 1; "
            "group X-witnesses needs 2 of {X1, X2, X3}, has 1");
  // Nothing at all.
  evaluation = MustEvaluate(Cosigned({}), policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_THAT(evaluation.shortfall, HasSubstr("quorum not met: have no witness cosignatures; "));

  absl::StatusOr<Checkpoint> verified = VerifyCheckpointUnderPolicy(Cosigned({"X1", "X2"}), policy);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(verified.status().message(), HasSubstr("group Y-witnesses needs 1 of {Y1, Y2, Y3}"));
}

TEST_F(WitnessQuorumTest, SingleWitnessQuorum) {
  const WitnessPolicy policy = MustParse(WitnessLine("X1") + WitnessLine("X2") + "quorum X2\n");
  EXPECT_TRUE(MustEvaluate(Cosigned({"X2"}), policy).quorum_met);
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({"X1"}), policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.shortfall, "quorum not met: have witnesses X1; witness X2 has not cosigned");
}

TEST_F(WitnessQuorumTest, QuorumNoneNeedsNoCosignature) {
  const WitnessPolicy policy = MustParse("quorum none\n");
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({}), policy);
  EXPECT_TRUE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.log, "");  // no logs listed: the caller knows the log
}

// A line with a policy witness's name and key ID whose signature is not its.
TEST_F(WitnessQuorumTest, ForgedCosignatureDoesNotCount) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  // Y1's line, with the signature bytes of another key (key ID kept).
  const Signer forger = MustGenerate(witnesses_.at("Y1").name(), SignatureType::kCosignatureV1);
  const std::string forged_line = CosignatureLine(checkpoint_, forger);
  const std::string prefix = "\xE2\x80\x94 " + forger.name() + " ";
  absl::StatusOr<std::string> raw = Base64Decode(
      std::string_view(forged_line).substr(prefix.size(), forged_line.size() - prefix.size() - 1));
  ASSERT_TRUE(raw.ok());
  const std::string forged = prefix +
                             Base64Encode(EncodeBigEndian32(witnesses_.at("Y1").key_id()) +
                                          raw->substr(4)) +
                             "\n";
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({"X1", "X2"}) + forged, policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_THAT(evaluation.witnessed, ElementsAre("X1", "X2"));
  ASSERT_EQ(evaluation.rejected.size(), 1u);
  EXPECT_THAT(evaluation.rejected[0], HasSubstr("Y1 ("));
  EXPECT_THAT(evaluation.rejected[0], HasSubstr("does not verify"));
  EXPECT_THAT(evaluation.shortfall, HasSubstr("; not counted: Y1 ("));
}

// A malformed line from a policy witness counts as absent, not as an error.
TEST_F(WitnessQuorumTest, MalformedCosignatureDoesNotCount) {
  const WitnessPolicy policy = MustParse(WitnessLine("X1") + "quorum X1\n");
  const Signer& x1 = witnesses_.at("X1");
  const std::string short_signature = EncodeBigEndian32(x1.key_id()) + std::string(64, 'a');
  const std::string short_line =
      "\xE2\x80\x94 " + x1.name() + " " + Base64Encode(short_signature) + "\n";
  QuorumEvaluation evaluation = MustEvaluate(Cosigned({}) + short_line, policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_THAT(evaluation.witnessed, IsEmpty());
  EXPECT_EQ(evaluation.rejected.size(), 1u);
}

// Y1's genuine cosignature of another checkpoint, attached to this one.
TEST_F(WitnessQuorumTest, CosignatureOfAnotherCheckpointDoesNotCount) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  const Checkpoint other = MakeCheckpoint("example.com/log", 20852164);
  const std::string note = Cosigned({"X1", "X2"}) + CosignatureLine(other, witnesses_.at("Y1"));
  QuorumEvaluation evaluation = MustEvaluate(note, policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_THAT(evaluation.witnessed, ElementsAre("X1", "X2"));
  // The same line on its own checkpoint does count.
  const std::string own = LogSigned(other) + CosignatureLine(other, witnesses_.at("X1")) +
                          CosignatureLine(other, witnesses_.at("X2")) +
                          CosignatureLine(other, witnesses_.at("Y1"));
  EXPECT_TRUE(MustEvaluate(own, policy).quorum_met);
}

// A cosigner not in the policy, even one reusing a policy witness's key name,
// is ignored: neither counted nor reported.
TEST_F(WitnessQuorumTest, CosignatureByAKeyNotInThePolicyIsIgnored) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  const Signer stranger = MustGenerate("stranger.example", SignatureType::kCosignatureV1);
  const Signer impostor = MustGenerate(witnesses_.at("Y1").name(), SignatureType::kCosignatureV1);
  const std::string note = Cosigned({"X1", "X2"}) + CosignatureLine(checkpoint_, stranger) +
                           CosignatureLine(checkpoint_, impostor);
  QuorumEvaluation evaluation = MustEvaluate(note, policy);
  EXPECT_FALSE(evaluation.quorum_met);
  EXPECT_THAT(evaluation.witnessed, ElementsAre("X1", "X2"));
  EXPECT_THAT(evaluation.rejected, IsEmpty());
}

TEST_F(WitnessQuorumTest, RefusesACheckpointNotSignedByAPolicyLog) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  // The same origin, signed by another key: the cosignatures do not help.
  const Signer other_log = MustGenerate("example.com/log");
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint_, other_log);
  ASSERT_TRUE(note.ok());
  std::string cosigned = *note;
  for (const char* name : kWitnessNames) {
    cosigned += CosignatureLine(checkpoint_, witnesses_.at(name));
  }
  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(cosigned, policy);
  EXPECT_EQ(evaluation.status().code(), absl::StatusCode::kPermissionDenied);
  // Without a log in the policy, the log is the caller's business.
  const std::string policy_text = ExamplePolicyText();
  const WitnessPolicy no_logs = MustParse(policy_text.substr(policy_text.find('\n') + 1));
  EXPECT_TRUE(MustEvaluate(cosigned, no_logs).quorum_met);
}

TEST_F(WitnessQuorumTest, RefusesALogSignatureThatFails) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  std::string note = Cosigned({"X1", "X2", "Y1"});
  // Change the size in the text: the log's (and witnesses') signatures fail.
  note.replace(note.find("20852163"), 8, "20852164");
  EXPECT_EQ(EvaluateQuorum(note, policy).status().code(), absl::StatusCode::kPermissionDenied);
}

// The log's key name must be the checkpoint's origin.
TEST_F(WitnessQuorumTest, RefusesALogWhoseNameIsNotTheOrigin) {
  const WitnessPolicy policy = MustParse(ExamplePolicyText());
  const Checkpoint foreign = MakeCheckpoint("example.com/another-log", 5);
  const Signer* signers[] = {&log_key_};
  absl::StatusOr<std::string> note = SignNote(foreign.Body(), signers);
  ASSERT_TRUE(note.ok());
  std::string cosigned = *note;
  for (const char* name : kWitnessNames) {
    cosigned += CosignatureLine(foreign, witnesses_.at(name));
  }
  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(cosigned, policy);
  EXPECT_EQ(evaluation.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(evaluation.status().message(), HasSubstr("example.com/another-log"));
}

// Any one of the listed logs will do.
TEST_F(WitnessQuorumTest, AcceptsAnyListedLog) {
  const Signer second_log = MustGenerate("example.com/second");
  const WitnessPolicy policy =
      MustParse(ExamplePolicyText() + "log " + second_log.verifier().ToString() + "\n");
  const Checkpoint second = MakeCheckpoint("example.com/second", 7);
  absl::StatusOr<std::string> note = SignCheckpoint(second, second_log);
  ASSERT_TRUE(note.ok());
  std::string cosigned = *note;
  for (const char* name : {"X1", "X3", "Y3"}) {
    cosigned += CosignatureLine(second, witnesses_.at(name));
  }
  QuorumEvaluation evaluation = MustEvaluate(cosigned, policy);
  EXPECT_TRUE(evaluation.quorum_met);
  EXPECT_EQ(evaluation.log, "example.com/second");
  EXPECT_EQ(evaluation.checkpoint, second);
}

TEST_F(WitnessQuorumTest, RefusesAMalformedNoteOrCheckpoint) {
  const WitnessPolicy policy = MustParse("quorum none\n");
  EXPECT_EQ(EvaluateQuorum("not a note", policy).status().code(),
            absl::StatusCode::kInvalidArgument);
  const Signer* signers[] = {&log_key_};
  absl::StatusOr<std::string> note = SignNote("example.com/log\nnot a size\n", signers);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(EvaluateQuorum(*note, policy).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria
