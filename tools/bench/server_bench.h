// The server's figures (issues 3 and 7): a real memoria-server process on
// loopback, driven through the generated gRPC stub.
//
// At the first log length: the empty gRPC unary rate (grpc.health.v1 Check
// on the memoria-server itself), durable appends (single-entry Append from 1,
// 16 and 64 clients; AppendBatch of 10, 100 and 1000 from 16 clients), latency
// at a fixed offered load (open loop), proof and read latency, memoria-audit
// verify. At every log length: append rate, proof p99, start-up time, server
// memory and disk per record.
//
// Clients: each a thread with one call in flight; up to `channels` (16) each
// has its own channel and TCP connection, more share them round-robin (64
// clients: 4 per connection). Entries are signed before each timed phase and receipts are not verified
// inside it, so the figures are the server's, not the client's signing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/report.h"

namespace memoria::bench {

struct ServerBenchOptions {
  std::string server_binary;        // memoria-server
  std::string audit_binary;         // memoria-audit (empty: skip that figure)
  std::string dir;                  // scratch: the data dir lives under it
  size_t entry_bytes = 1'024;       // serialized Entry size
  // Log lengths for the scaling figures, ascending; the full set of figures
  // is measured at the first.
  std::vector<uint64_t> points = {10'000, 100'000, 1'000'000};
  double phase_seconds = 5;         // each closed-loop phase
  double open_loop_seconds = 10;    // each fixed-rate phase
  std::vector<double> offered_rates = {1'000, 5'000};
  int read_samples = 20'000;        // per read kind
  int channels = 16;                // at most this many gRPC channels (connections)
  int fill_clients = 3;             // AppendBatch(1000) clients filling the log
  // Only the append phases (closed and open loop) on a fresh log: no reads,
  // memoria-audit or scaling points. For quick before/after comparisons.
  bool appends_only = false;
  // With appends_only: the phases to run, by name (empty: all): "1", "16",
  // "64" (single-entry Append, that many clients), "b10", "b100", "b1000"
  // (AppendBatch), "o1000", "o5000" (offered load per second).
  std::vector<std::string> phases;
  // Only memoria-audit at each point (issue 20, item 5): the server also
  // publishes tiles (--tiles-dir, --http-listen on a free loopback port);
  // once they are caught up, `verify --server` and `verify --tiles URL` are
  // timed on the same log, side by side. No append phases, reads or scaling
  // figures.
  bool tiles_audit = false;
};

// Runs it all and adds the figures to `report`, bounded by the limits already
// in it ("Ed25519 verify, all cores", "RocksDB synced batch writes, same
// bytes"); adds the empty-unary limit itself. Problems (a server that does not
// start, failed calls) are printed to stderr and the affected figures left out.
void RunServerBench(const ServerBenchOptions& options, Report& report);

}  // namespace memoria::bench
