// The verifier's figures (issue 4): LogAuditor over a log of signed records
// held in memory, beside the raw limits measured in the same run
// (Ed25519 verifications per second on all cores, SHA-256 MB/s).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tools/bench/report.h"

namespace memoria::bench {

struct AuditBenchOptions {
  uint64_t records = 1'000'000;  // log length
  size_t entry_bytes = 1'024;    // entry size
  int threads = 2;               // LogAuditor signature threads
};

// Builds the log (genesis, one registered writer, generic entries; 4096
// distinct signed entries reused, so every record still costs one Ed25519
// verification) and adds the verify figures to `report`.
void RunAuditBench(const AuditBenchOptions& options, Report& report);

}  // namespace memoria::bench
