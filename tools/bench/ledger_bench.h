// The ledger library's figures (issue 2): durable appends through Log in
// batches, proof latency, and open time, at a given log length.
#pragma once

#include <cstdint>
#include <string>

#include "tools/bench/report.h"

namespace memoria::bench {

struct LedgerBenchOptions {
  std::string dir;               // a fresh directory for the log
  uint64_t records = 1'000'000;  // log length to build
  size_t batch = 1'000;          // records per Log::Append (one sync each)
  size_t entry_bytes = 1'024;    // entry size
  int proof_samples = 20'000;    // random proofs to time
};

// Builds the log and adds its figures to `report`, bounded by the limits
// already in it ("RocksDB synced writes" and "SHA-256").
void RunLedgerBench(const LedgerBenchOptions& options, Report& report);

}  // namespace memoria::bench
