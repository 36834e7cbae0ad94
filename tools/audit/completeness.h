// CheckCompleteness: whether a request's answer (a filtered bundle with a
// "search" statement, ledger/verify/bundle.h) holds every record of the log
// that matches its filter, and only those. What `memoria-audit verify
// --bundle FILE --server HOST:PORT` adds to the bundle's own verification.
//
//   client::ExportRangeSource source(client);
//   ASSIGN_OR_RETURN(Completeness result, CheckCompleteness(path, log_key, source));
//
// How: the stated range [S, E) is checked against the rule
// (ledger/query/search_range.h; the record at S - 1, read from the source,
// must have been integrated before the rule's start time); then every record
// of [S, E) is read from `source` (each proven included in the bundle's
// checkpoint) and the filter re-applied to it by query::RecordMatcher, the
// query engine's own definition of a match, from the record alone. Findings
// (FindingKind::kCompleteness), each naming its index:
//   - a record of the range that matches and is not a record line (missing);
//   - a record line that does not match the filter, or lies outside [S, E);
//   - a range that falls short of the rule (ends early, starts late);
//   - a record of the range whose event time is more than the stated
//     allowance ahead of its integration time (the rule's premise broken);
//   - the source failing a verification (a proof, its checkpoint, a record
//     left out), as one finding with its message.
// The record lines themselves (proofs, signatures) are VerifyBundle's.
// Memory: the answer's indexes (8 bytes each) and one record at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/keys.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/verify/range_source.h"

namespace memoria::audit {

struct Completeness {
  enum class Verdict {
    kNotStated,     // no "search" statement (an older bundle, or a findings filter)
    kNotCheckable,  // stated, but the filter cannot be re-applied from records
    kComplete,      // proven: every match is in the answer, and only matches
    kIncomplete,    // findings below
  } verdict = Verdict::kNotStated;
  std::string reason;      // kNotCheckable: why
  uint64_t from = 0, to = 0;  // the searched range
  uint64_t searched = 0;   // records of the range read and re-matched
  uint64_t matched = 0;    // of those, matching the filter
  uint64_t answer = 0;     // record lines of the bundle
  std::vector<AuditFinding> findings;
};

// Errors: the bundle cannot be read (INVALID_ARGUMENT naming the line, or the
// I/O error); the source's transport errors (an unreachable server). The
// source's verification failures are findings, not errors.
absl::StatusOr<Completeness> CheckCompleteness(const std::string& bundle_path,
                                               const Verifier& log_key,
                                               VerifiedRangeSource& source);

// One line for the summary: "answer PROVEN COMPLETE: ...", "completeness not
// stated", ...
std::string CompletenessText(const Completeness& completeness);

}  // namespace memoria::audit
