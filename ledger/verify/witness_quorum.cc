#include "ledger/verify/witness_quorum.h"

#include <map>
#include <utility>

#include "absl/strings/str_join.h"
#include "ledger/note.h"
#include "ledger/status.h"
#include "ledger/verify/cosignature.h"

namespace memoria {
namespace {

// Opens the note: under the policy's logs if it lists any (one of them must
// have signed, under the checkpoint's origin), else only parsed.
absl::StatusOr<OpenedNote> OpenUnderPolicyLogs(std::string_view signed_note,
                                               const WitnessPolicy& policy) {
  if (policy.logs.empty()) return ParseNote(signed_note);
  std::vector<Verifier> log_keys;
  log_keys.reserve(policy.logs.size());
  for (const PolicyLog& log : policy.logs) log_keys.push_back(log.key);
  return OpenNote(signed_note, log_keys);
}

// Which witnesses and groups have witnessed the checkpoint, by name.
using Witnessed = std::map<std::string, bool, std::less<>>;

// Describes, for a person, why `name` has not witnessed the checkpoint, going
// down into its unmet member groups.
void DescribeUnmet(const WitnessPolicy& policy, const Witnessed& witnessed,
                   std::string_view name, std::vector<std::string>& out) {
  const PolicyGroup* group = policy.FindGroup(name);
  if (group == nullptr) {
    out.push_back("witness " + std::string(name) + " has not cosigned");
    return;
  }
  size_t have = 0;
  for (const std::string& member : group->members) have += witnessed.at(member) ? 1 : 0;
  out.push_back("group " + group->name + " needs " + std::to_string(group->threshold) + " of {" +
                absl::StrJoin(group->members, ", ") + "}, has " + std::to_string(have));
  for (const std::string& member : group->members) {
    if (!witnessed.at(member) && policy.FindGroup(member) != nullptr) {
      DescribeUnmet(policy, witnessed, member, out);
    }
  }
}

}  // namespace

absl::StatusOr<QuorumEvaluation> EvaluateQuorum(std::string_view signed_note,
                                                const WitnessPolicy& policy) {
  ASSIGN_OR_RETURN(OpenedNote opened, OpenUnderPolicyLogs(signed_note, policy));
  QuorumEvaluation evaluation;
  ASSIGN_OR_RETURN(evaluation.checkpoint, ParseCheckpointBody(opened.text));
  if (!policy.logs.empty()) {
    for (const NoteSignature& signature : opened.verified) {
      if (signature.name == evaluation.checkpoint.origin) evaluation.log = signature.name;
    }
    if (evaluation.log.empty()) {
      return absl::PermissionDeniedError("checkpoint of origin " + evaluation.checkpoint.origin +
                                         " is not signed by a policy log of that name");
    }
  }

  Witnessed witnessed;
  for (const PolicyWitness& witness : policy.witnesses) {
    absl::StatusOr<uint64_t> cosigned = VerifyCosignature(opened, witness.key);
    witnessed[witness.name] = cosigned.ok();
    if (cosigned.ok()) {
      evaluation.witnessed.push_back(witness.name);
    } else if (!absl::IsNotFound(cosigned.status())) {
      evaluation.rejected.push_back(witness.name + " (" + std::string(cosigned.status().message()) +
                                    ")");
    }
  }
  for (const PolicyGroup& group : policy.groups) {
    size_t have = 0;
    for (const std::string& member : group.members) have += witnessed.at(member) ? 1 : 0;
    witnessed[group.name] = have >= group.threshold;
  }
  evaluation.quorum_met = policy.quorum == kNoWitnessQuorum || witnessed.at(policy.quorum);

  if (!evaluation.quorum_met) {
    std::vector<std::string> parts;
    parts.push_back(evaluation.witnessed.empty()
                        ? "have no witness cosignatures"
                        : "have witnesses " + absl::StrJoin(evaluation.witnessed, ", "));
    DescribeUnmet(policy, witnessed, policy.quorum, parts);
    if (!evaluation.rejected.empty()) {
      parts.push_back("not counted: " + absl::StrJoin(evaluation.rejected, ", "));
    }
    evaluation.shortfall = "quorum not met: " + absl::StrJoin(parts, "; ");
  }
  return evaluation;
}

absl::StatusOr<Checkpoint> VerifyCheckpointUnderPolicy(std::string_view signed_note,
                                                       const WitnessPolicy& policy) {
  ASSIGN_OR_RETURN(QuorumEvaluation evaluation, EvaluateQuorum(signed_note, policy));
  if (!evaluation.quorum_met) return absl::PermissionDeniedError(evaluation.shortfall);
  return std::move(evaluation.checkpoint);
}

}  // namespace memoria
