// The stalled-streams figures (issue 16, item 8): a real memoria-server on
// loopback with some thousands of records, and clients that open many long
// reads (Watch, GetRecords, Export from the first record) over many
// connections and never read them. While they are held, GetCheckpoint's
// latency from a separate connection; the server's resident memory and
// threads (/proc/<pid>/status) at baseline, while held and after they close.
//
// Targets: GetCheckpoint p99 <= 50 ms while the streams are held; resident
// memory after they close within 10% of the baseline. Runs in well under two
// minutes; the streams are cancelled by the client before the server's
// default stall timeout (30 s) could end them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/bench/report.h"

namespace memoria::bench {

struct StreamBenchOptions {
  std::string server_binary;    // memoria-server (one that knows --init; otherwise only common flags)
  std::string dir;              // scratch: the data dir lives under it
  uint64_t records = 5'000;     // appended before the streams open
  size_t entry_bytes = 1'024;   // serialized Entry size
  int connections = 500;        // channels the streams are spread over
  int streams = 1'000;          // Watch, GetRecords, Export in turn
  int checkpoint_calls = 2'000; // GetCheckpoint calls while the streams are held
  double probe_max_seconds = 60;  // stop the GetCheckpoint calls after this long
  double settle_seconds = 5;    // wait after opening, and after closing, before sampling
};

// Runs it and adds the figures (section "streams") to `report`. Problems are
// printed to stderr and the affected figures left out.
void RunStreamBench(const StreamBenchOptions& options, Report& report);

}  // namespace memoria::bench
