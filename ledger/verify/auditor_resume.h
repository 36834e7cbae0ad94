// The text form of a LogAuditor's resume point (AuditorResume,
// ledger/verify/log_auditor.h), kept by memoria-audit beside its --state file
// so that the next run audits only the records added since:
//
//   memoria-auditor-resume-v1
//   size 1300
//   last-leaf-hash <base64>
//   last-time 1733000000000000
//   admin <vkey>                         (absent before a genesis)
//   writer <registered_at> <revoked_at or -> <vkey>     (one per key, in order)
//   range <base64>                       (one per hash of the tree, largest first)
//
// Decode refuses anything else (INVALID_ARGUMENT naming the line): a torn or
// edited file is an error, never a silent fresh start.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/verify/log_auditor.h"

namespace memoria {

std::string EncodeAuditorResume(const AuditorResume& resume);
absl::StatusOr<AuditorResume> DecodeAuditorResume(std::string_view text);

}  // namespace memoria
