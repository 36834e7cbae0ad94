// Whether a signed checkpoint is valid under a C2SP tlog-policy
// (https://c2sp.org/tlog-policy, ledger/verify/witness_policy.h): signed by
// one of the policy's logs, and cosigned by witnesses meeting its quorum.
//
//   ASSIGN_OR_RETURN(WitnessPolicy policy, ReadWitnessPolicyFile(path));
//   ASSIGN_OR_RETURN(Checkpoint checkpoint, VerifyCheckpointUnderPolicy(note, policy));
//
// The rules:
//   - the log: if the policy lists logs, the note must carry a valid
//     signature by one of them whose key name is the checkpoint's origin (a
//     listed log's signature that fails refuses the note, as OpenNote does).
//     A policy without logs leaves the log to the caller, who knows it from
//     context (OpenCheckpoint with its key);
//   - the witnesses: each policy witness has witnessed the checkpoint iff the
//     note carries its cosignature/v1 line (its key's name and key ID) and the
//     line verifies over this note's text (ledger/verify/cosignature.h). A
//     line that is malformed or does not verify counts as absent, not as an
//     error, and is reported in `rejected` (signed-note says a client SHOULD
//     reject a note with a failing signature by a known key; here a quorum of
//     valid cosignatures is still required, and one bad witness line does not
//     veto the others). If a witness has several lines, the first decides.
//     Lines by keys not in the policy are ignored;
//   - the quorum: a group has witnessed the checkpoint iff at least k of its
//     members have; `quorum none` is always met.
//
// Pure functions over values: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/verify/witness_policy.h"

namespace memoria {

struct QuorumEvaluation {
  Checkpoint checkpoint;
  // The key name of the policy log whose signature verified; empty if the
  // policy lists no logs.
  std::string log;
  // Policy witnesses whose cosignature verified, in policy order.
  std::vector<std::string> witnessed;
  // Policy witnesses whose line is there but malformed or does not verify
  // (counted as absent), each with the reason: "W (does not verify)".
  std::vector<std::string> rejected;
  bool quorum_met = false;

  // Empty when the quorum is met; otherwise what is missing, for a person:
  // "quorum not met: have witnesses A, B; group G needs 2 of {A, C, D}, has 1",
  // naming each unmet group on the way down from the quorum, then the
  // rejected cosignatures if any ("; not counted: C (does not verify)").
  std::string shortfall;
};

// Evaluates `signed_note` under `policy` (the rules above). INVALID_ARGUMENT if
// the note or its checkpoint body is malformed; PERMISSION_DENIED if the
// policy lists logs and none of them signed it (or a listed log's signature
// fails, or the signer's name is not the origin). An unmet quorum is not an
// error here: see `quorum_met` and `shortfall`.
absl::StatusOr<QuorumEvaluation> EvaluateQuorum(std::string_view signed_note,
                                                const WitnessPolicy& policy);

// EvaluateQuorum, then PERMISSION_DENIED with `shortfall` as the message if the
// quorum is not met. Returns the checkpoint.
absl::StatusOr<Checkpoint> VerifyCheckpointUnderPolicy(std::string_view signed_note,
                                                       const WitnessPolicy& policy);

}  // namespace memoria
