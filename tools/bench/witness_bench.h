// The witnessing figures (issue 19, item 6): a real memoria-server on
// loopback configured with three local memoria-witness processes and a
// quorum of two (C2SP tlog-policy), at the default --witness-interval (1 s).
//
//   1. receipt to cosigned checkpoint: single-entry Appends offered at fixed
//      rates (open loop, as load.h does); a separate thread asks
//      GetCheckpoint(witnessed) every `poll_millis` and notes when each
//      cosigned size first appears. For each receipt, latency = (first time a
//      cosigned checkpoint with tree_size > receipt.index was seen) - (when
//      the receipt arrived): p50, p99 (target <= 1.5 s), max, the count;
//   2. append throughput with witnessing on and off: 16 clients sending
//      single-entry Append, then AppendBatch(100), against a fresh server
//      with witnesses and a fresh one without, alternated (on, off, on, off,
//      ...), `pairs` pairs, each phase `phase_seconds`: every run, the
//      medians, on/off, and the server's (and witnesses') CPU per record.
//
// Every server is fresh (its own data dir and log key); each witnessed one
// gets three fresh witnesses configured for its log key. The same pre-signed
// entries (one writer key, registered in each log) are sent in every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/report.h"

namespace memoria::bench {

struct WitnessBenchOptions {
  std::string server_binary;   // memoria-server
  std::string witness_binary;  // memoria-witness
  std::string dir;             // scratch, erased first
  size_t entry_bytes = 1'024;  // serialized Entry size
  // Receipt-to-cosigned latency: each rate runs for max(latency_samples /
  // rate, latency_min_seconds) seconds.
  std::vector<double> offered_rates = {200, 1'000};
  uint64_t latency_samples = 20'000;
  double latency_min_seconds = 20;
  double poll_millis = 5;      // GetCheckpoint(witnessed) polling period
  // Throughput on/off: pairs of runs, each phase this long.
  int pairs = 5;
  double phase_seconds = 5;
  int clients = 16;
};

// Runs it and adds the figures (section "witnessing") to `report`. Problems
// (a process that does not start, failed calls) are printed to stderr and
// the affected figures left out.
void RunWitnessBench(const WitnessBenchOptions& options, Report& report);

}  // namespace memoria::bench
