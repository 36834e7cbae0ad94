// OpeningChecker: how the verifier checks that a disclosed personal-data
// opening opens a commitment of a record, without knowing the commitment
// scheme. The scheme belongs to the policy (ledger/policy/commitment.h,
// policy::CommitmentOpeningChecker implements this interface); callers that
// verify disclosed bundles wire it in (BundleHooks::opening_checker), so that
// ledger/verify/ does not depend on ledger/policy/.
//
// Thread-safety: implementations are immutable; Check may be called from any
// thread.
#pragma once

#include "absl/status/status.h"
#include "memoria/v1/policy.pb.h"

namespace memoria {

class OpeningChecker {
 public:
  virtual ~OpeningChecker() = default;
  // OK if `opening` opens `commitment`; otherwise an error whose message says
  // why (it becomes the reason of a kPersonalData finding).
  virtual absl::Status Check(const v1::PersonalDataOpening& opening,
                             const v1::PersonalDataCommitment& commitment) const = 0;
};

}  // namespace memoria
