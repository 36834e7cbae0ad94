// Whole bundles (ledger/verify/bundle.h): VerifyBundle under the fixed log
// key, in the caller's thread, with the policy's opening checker. Errors
// must be INVALID_ARGUMENT (the bundle cannot be read); whatever reads is
// judged in the report, never by crashing.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "ledger/policy/commitment.h"
#include "ledger/verify/bundle.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const Verifier& log = fuzz::LogKey().verifier();
  std::istringstream in{std::string(fuzz::AsText(data, size))};
  static const policy::CommitmentOpeningChecker checker;
  BundleHooks hooks;
  hooks.opening_checker = &checker;
  uint64_t last_read = 0;
  hooks.progress = [&last_read](uint64_t read, uint64_t) { last_read = read; };
  absl::StatusOr<BundleAudit> audit =
      VerifyBundle(in, log, AuditOptions{.threads = 0, .chunk_records = 4, .max_findings = 16},
                   hooks);
  if (!audit.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(audit.status()),
               "an unreadable bundle is not INVALID_ARGUMENT: " + audit.status().ToString());
    return 0;
  }
  FUZZ_CHECK(audit->report.findings.size() <= 16, "more findings kept than max_findings");
  FUZZ_CHECK(audit->openings_verified == 0 || audit->header.disclosed,
             "openings verified in a bundle that is not disclosed");
  if (audit->report.ok() && audit->full) {
    FUZZ_CHECK(audit->report.root.has_value(), "a valid full bundle has no recomputed root");
  }
  return 0;
}
