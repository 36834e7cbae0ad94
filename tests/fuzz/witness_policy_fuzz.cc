// C2SP tlog-policy files (ledger/verify/witness_policy.h), and the quorum of
// a fixed checkpoint under the policy parsed (witness_quorum.h). There is no
// formatter; properties: what parses obeys the spec's rules (one quorum
// naming something defined, groups of 1 <= k <= n distinct defined members,
// witness keys of type 0x04, log keys of type 0x01); an evaluation meets
// the quorum iff it has no shortfall.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "ledger/checkpoint.h"
#include "ledger/verify/cosignature.h"
#include "ledger/verify/witness_policy.h"
#include "ledger/verify/witness_quorum.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// A checkpoint signed by the fuzz log key and cosigned by both witnesses.
const std::string& Cosigned() {
  static const std::string* note = [] {
    using namespace memoria;
    const Checkpoint checkpoint{.origin = fuzz::LogKey().name(), .size = 3, .root = {}};
    std::string text = *SignCheckpoint(checkpoint, fuzz::LogKey());
    text += *CosignCheckpoint(checkpoint.Body(), 1'767'225'600, fuzz::Witness1Key());
    text += *CosignCheckpoint(checkpoint.Body(), 1'767'225'601, fuzz::Witness2Key());
    return new std::string(text);
  }();
  return *note;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string& cosigned = Cosigned();
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(fuzz::AsText(data, size));
  if (!policy.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(policy.status()), "policy error is not INVALID_ARGUMENT");
    return 0;
  }
  std::set<std::string> defined = {std::string(kNoWitnessQuorum)};
  for (const PolicyLog& log : policy->logs) {
    FUZZ_CHECK(log.key.type() == SignatureType::kEd25519, "a policy log key is not of type 0x01");
  }
  for (const PolicyWitness& witness : policy->witnesses) {
    FUZZ_CHECK(witness.key.type() == SignatureType::kCosignatureV1,
               "a policy witness key is not of type 0x04");
    FUZZ_CHECK(defined.insert(witness.name).second, "a witness name is defined twice");
    FUZZ_CHECK(policy->FindWitness(witness.name) == &witness, "FindWitness finds another");
  }
  for (const PolicyGroup& group : policy->groups) {
    FUZZ_CHECK(group.threshold >= 1 && group.threshold <= group.members.size(),
               "a group's threshold is out of 1..n");
    std::set<std::string> members;
    for (const std::string& member : group.members) {
      FUZZ_CHECK(defined.count(member) == 1 && member != kNoWitnessQuorum,
                 "a group names an undefined member");
      FUZZ_CHECK(members.insert(member).second, "a group names a member twice");
    }
    FUZZ_CHECK(defined.insert(group.name).second, "a group name is defined twice");
  }
  FUZZ_CHECK(defined.count(policy->quorum) == 1, "the quorum names nothing defined");

  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(cosigned, *policy);
  if (evaluation.ok()) {
    FUZZ_CHECK(evaluation->quorum_met == evaluation->shortfall.empty(),
               "quorum_met disagrees with the shortfall");
    if (policy->quorum == kNoWitnessQuorum) {
      FUZZ_CHECK(evaluation->quorum_met, "the empty quorum is not met");
    }
  }
  return 0;
}
