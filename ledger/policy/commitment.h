// Personal-data commitments: citizens' names, handles and texts never appear
// in clear in signed bytes; a PolicyEvent carries
//   digest = SHA-256("memoria/pd/v1\n" || field || "\n" || salt(16) || value)
// and the value and salt travel beside the entry (PersonalDataOpening), are
// checked against the digest and kept in an erasable store.
//
//   v1::PersonalDataOpening opening = NewOpening("citizen_handle", "@ana", random);
//   v1::PersonalDataCommitment c = CommitmentOf(opening);
//   RETURN_IF_ERROR(CheckOpening(opening, c));
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/hash.h"
#include "ledger/verify/opening_checker.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::policy {

inline constexpr std::string_view kCommitmentTag = "memoria/pd/v1\n";
inline constexpr size_t kSaltBytes = 16;

// The digest of `value` for `field` under `salt` (any length; callers use 16).
Hash Commit(std::string_view field, std::string_view salt, std::string_view value);

// An opening of `value` with a fresh salt from `random_bytes(16)`.
v1::PersonalDataOpening NewOpening(std::string_view field, std::string_view value,
                                   const std::function<std::string(size_t)>& random_bytes);
// The commitment an opening opens.
v1::PersonalDataCommitment CommitmentOf(const v1::PersonalDataOpening& opening);

// OK if `opening` opens `commitment`: same field, a 16-byte salt and the
// digest matches. INVALID_ARGUMENT naming the field otherwise.
absl::Status CheckOpening(const v1::PersonalDataOpening& opening,
                          const v1::PersonalDataCommitment& commitment);

// CheckOpening as the verifier's OpeningChecker (ledger/verify/opening_checker.h):
// what callers wire into a bundle verification. Stateless, thread-safe.
class CommitmentOpeningChecker final : public OpeningChecker {
 public:
  absl::Status Check(const v1::PersonalDataOpening& opening,
                     const v1::PersonalDataCommitment& commitment) const override {
    return CheckOpening(opening, commitment);
  }
};

}  // namespace memoria::policy
