// Whether a signed checkpoint meets a witness policy (C2SP tlog-policy,
// ledger/verify/witness_policy.h), with the failures worded for people and
// marked as verification failures (client/errors.h). Shared by LedgerClient,
// the `memoria` CLI and memoria-audit, so that all three say the same thing:
//
//   checkpoint 12 is not cosigned by the witness policy's quorum: quorum not
//   met: have witnesses A; group g needs 2 of {A, B, C}, has 1 (missing: B, C)
//
// Pure functions over values: safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/verify/witness_policy.h"
#include "ledger/verify/witness_quorum.h"

namespace memoria::client {

// The policy witnesses whose cosignature did not count (absent, or rejected),
// in policy order: "B, C"; empty if every one counted.
std::string MissingWitnesses(const QuorumEvaluation& evaluation, const WitnessPolicy& policy);

// EvaluateQuorum(note, policy); OK with the evaluation if the quorum is met.
// Otherwise a verification failure: PERMISSION_DENIED "checkpoint N is not
// cosigned by the witness policy's quorum: <shortfall> (missing: B, C)" for
// an unmet quorum; EvaluateQuorum's own errors (a note no policy log signed,
// a malformed note) prefixed with "checkpoint does not meet the witness
// policy".
absl::StatusOr<QuorumEvaluation> CheckWitnessQuorum(std::string_view note,
                                                    const WitnessPolicy& policy);

}  // namespace memoria::client
