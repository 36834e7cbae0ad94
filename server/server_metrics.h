// ServerMetrics: the metrics of a running memoria-server and where each
// comes from. The few kept on hot paths are instruments owned here or by
// their component (BatchMetrics below, fed by the sequencer's
// OnBatchWritten; CallMetrics, server/call_interceptor.h); every other is
// read from its component's own state when scraped (sizes, queue depth,
// witnesses, tiles, RocksDB properties, /proc/self). server/README.md
// ("Operations") lists them with their meanings.
//
//   auto batches = std::make_shared<BatchMetrics>();
//   Sequencer sequencer(..., batches->Observer());
//   ServerMetricsSources sources{.log = &log, .sequencer = &sequencer, ...};
//   AddServerCollectors(registry, sources);
//   AddProcessCollector(registry);
//
// Thread-safe. Every source must outlive the registry's scrapes.
#pragma once

#include <memory>
#include <string>

#include "ledger/log.h"
#include "ledger/sequencer/sequencer.h"
#include "server/call_interceptor.h"
#include "server/long_reads.h"
#include "server/metrics.h"
#include "server/readiness.h"
#include "server/tiles_publisher.h"
#include "server/witnessing.h"

namespace memoria::server {

// Records per written batch: 1 to 5,000.
inline const std::vector<double> kBatchRecordBuckets = {1,   2,   5,    10,   20,   50,
                                                        100, 200, 500, 1000, 2000, 5000};

// The sequencer's batches as written.
class BatchMetrics {
 public:
  Histogram records{kBatchRecordBuckets};
  Histogram write_seconds{kLatencyBuckets};

  // For Sequencer's on_written; `this` must outlive the sequencer.
  Sequencer::OnBatchWritten Observer();
};

struct ServerMetricsSources {
  const Log* log = nullptr;                  // required
  const Sequencer* sequencer = nullptr;      // required
  const LongReads* long_reads = nullptr;     // required
  const CallMetrics* calls = nullptr;        // required
  const BatchMetrics* batches = nullptr;     // required
  const ReadinessProbe* readiness = nullptr; // required
  const Witnessing* witnessing = nullptr;    // optional (--witness-policy)
  const TilesPublisher* tiles = nullptr;     // optional (--tiles-dir)
  std::string version;
};

// Adds the memoria_* collectors.
void AddServerCollectors(MetricsRegistry& registry, const ServerMetricsSources& sources);

// Adds the standard process_* metrics (read from /proc/self at each scrape):
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds; and memoria_process_threads.
void AddProcessCollector(MetricsRegistry& registry);

}  // namespace memoria::server
