// Transparency-law requests (issue 6): what the query indexes cost appends,
// how fast a query and an export are at a given log length, and how much
// memory a large export takes.
//
//   1. index cost: the same pre-signed policy events appended twice through
//      Log::AppendAsync, with the sequencer's observers (policy views + query
//      index) and with the policy views alone, three alternating runs each;
//      the cost is 1 - (least CPU per record without the index) / (least
//      with it), the share of appending's CPU the index takes (the wall-clock
//      rates are printed too);
//   2. a real memoria-server's data directory filled to `records` (writer
//      registered through the server, then events appended with the server's
//      own validation and observers), the server restarted on it;
//   3. Query RPC latency of first pages of 1,000 records for several filters,
//      and of an open-ended event-time range over the log, which also holds
//      one event stored (bypassing the server's validation) at INT64_MAX, with
//      the server's peak resident memory before and after;
//   4. an export with proofs (client::WriteRequest: CSV, bundle, README, every
//      proof checked) of about a tenth of the log, records/s;
//   5. with `million_export`, `memoria request` of every record as a child
//      process: its peak resident memory;
//   6. following the log from record 0 to its end (LedgerClient::Watch, what
//      memoria tail --from 0 does), every record verified: records/s.
#pragma once

#include <cstdint>
#include <string>

#include "tools/bench/report.h"

namespace memoria::bench {

struct QueryBenchOptions {
  std::string server_binary;
  std::string memoria_binary;  // for the million-record export
  std::string dir;             // scratch, erased first
  uint64_t records = 1'000'000;
  uint64_t cost_records = 100'000;  // per run of the index-cost comparison
  bool million_export = false;
};

void RunQueryBench(const QueryBenchOptions& options, Report& report);

}  // namespace memoria::bench
