#include "client/witness_check.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/errors.h"

namespace memoria::client {

std::string MissingWitnesses(const QuorumEvaluation& evaluation, const WitnessPolicy& policy) {
  std::vector<std::string> missing;
  for (const PolicyWitness& witness : policy.witnesses) {
    if (std::find(evaluation.witnessed.begin(), evaluation.witnessed.end(), witness.name) ==
        evaluation.witnessed.end()) {
      missing.push_back(witness.name);
    }
  }
  return absl::StrJoin(missing, ", ");
}

absl::StatusOr<QuorumEvaluation> CheckWitnessQuorum(std::string_view note,
                                                    const WitnessPolicy& policy) {
  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(note, policy);
  if (!evaluation.ok()) {
    return VerificationFailure("checkpoint does not meet the witness policy", evaluation.status());
  }
  if (!evaluation->quorum_met) {
    const std::string missing = MissingWitnesses(*evaluation, policy);
    return VerificationFailure(
        absl::StatusCode::kPermissionDenied,
        absl::StrCat("checkpoint ", evaluation->checkpoint.size,
                     " is not cosigned by the witness policy's quorum: ", evaluation->shortfall,
                     missing.empty() ? "" : absl::StrCat(" (missing: ", missing, ")")));
  }
  return evaluation;
}

}  // namespace memoria::client
