#include "server/server_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

double Seconds(absl::Time time) { return absl::ToDoubleSeconds(time - absl::UnixEpoch()); }

void Gauge(TextEncoder& out, std::string_view name, std::string_view help, double value) {
  out.Family(name, MetricType::kGauge, help);
  out.Sample(name, {}, value);
}

void Count(TextEncoder& out, std::string_view name, std::string_view help, double value) {
  out.Family(name, MetricType::kCounter, help);
  out.Sample(name, {}, value);
}

void CollectLog(const ServerMetricsSources& s, TextEncoder& out) {
  out.Family("memoria_build_info", MetricType::kGauge, "The server's version (always 1).");
  out.Sample("memoria_build_info", {{"version", s.version}}, 1);
  const uint64_t size = s.log->Size();
  Gauge(out, "memoria_log_size_records", "Records in the log (its latest signed tree size).",
        static_cast<double>(size));
  const SequencerStats stats = s.sequencer->stats();
  Count(out, "memoria_appends_total",
        "Records appended since start (retries answered with the original receipt excluded).",
        static_cast<double>(stats.appended));
  Count(out, "memoria_append_duplicates_total",
        "Retried entries answered with their original receipt since start.",
        static_cast<double>(stats.duplicates));
  Count(out, "memoria_batches_total", "Batches written (one synced write each) since start.",
        static_cast<double>(stats.batches));
  Count(out, "memoria_sequencer_failed_submissions_total",
        "Calls the sequencer answered with an error (a rejected entry, a failed write).",
        static_cast<double>(stats.failed));
  Gauge(out, "memoria_sequencer_queue_entries",
        "Entries waiting for the sequencer to take them into a batch.",
        static_cast<double>(stats.queued));
  out.Family("memoria_batch_records", MetricType::kHistogram, "Records per batch written.");
  out.HistogramSamples("memoria_batch_records", {}, s.batches->records.Snapshot());
  out.Family("memoria_batch_write_seconds", MetricType::kHistogram,
             "Time from a batch's write start until it is durable (one synced RocksDB write "
             "and the checkpoint's signature).");
  out.HistogramSamples("memoria_batch_write_seconds", {}, s.batches->write_seconds.Snapshot());
  Gauge(out, "memoria_long_reads_active",
        "Long reads open now (GetRecords, Watch and Export streams), at most --max-long-reads.",
        static_cast<double>(s.long_reads->active()));
  Count(out, "memoria_long_reads_stalled_total",
        "Long reads cancelled because their client took no message for "
        "--stream-stall-timeout-seconds.",
        static_cast<double>(s.long_reads->stalls_cancelled()));
  const Log::NodeMemoryStats tree = s.log->node_memory();
  Gauge(out, "memoria_tree_hashes_in_memory", "Merkle tree hashes held in memory.",
        static_cast<double>(tree.nodes));
  Gauge(out, "memoria_tree_loaded",
        "1 once the tree's hashes stored before the start are loaded into memory.",
        tree.loaded ? 1 : 0);
}

void CollectReadiness(const ServerMetricsSources& s, TextEncoder& out) {
  const Readiness readiness = s.readiness->Check();
  out.Family("memoria_ready", MetricType::kGauge,
             "1 if the readiness check passes (/readyz lists the same checks).");
  for (const ReadinessCheck& check : readiness.checks) {
    out.Sample("memoria_ready", {{"check", check.name}}, check.ready ? 1 : 0);
  }
}

void CollectWitnesses(const ServerMetricsSources& s, TextEncoder& out) {
  const uint64_t size = s.log->Size();
  const std::optional<CosignedCheckpoint> cosigned = s.witnessing->LatestCosigned();
  const uint64_t cosigned_size = cosigned.has_value() ? cosigned->size : 0;
  Gauge(out, "memoria_witness_cosigned_size_records",
        "Size of the latest checkpoint cosigned by the witnesses' quorum (0: none yet).",
        static_cast<double>(cosigned_size));
  Gauge(out, "memoria_witness_lag_records",
        "Records in the log beyond the latest checkpoint cosigned by the quorum.",
        static_cast<double>(size - std::min(size, cosigned_size)));
  const std::vector<WitnessStatus> witnesses = s.witnessing->Status();
  out.Family("memoria_witness_up", MetricType::kGauge,
             "1 if the witness's last request succeeded.");
  for (const WitnessStatus& w : witnesses) {
    out.Sample("memoria_witness_up", {{"witness", w.name}}, w.last_error.empty() ? 1 : 0);
  }
  out.Family("memoria_witness_cosigned_size_by_witness_records", MetricType::kGauge,
             "The largest checkpoint each witness cosigned since start.");
  for (const WitnessStatus& w : witnesses) {
    out.Sample("memoria_witness_cosigned_size_by_witness_records", {{"witness", w.name}},
               static_cast<double>(w.cosigned_size));
  }
  out.Family("memoria_witness_last_success_timestamp_seconds", MetricType::kGauge,
             "Unix time of the witness's last cosignature received (0: none since start).");
  for (const WitnessStatus& w : witnesses) {
    out.Sample("memoria_witness_last_success_timestamp_seconds", {{"witness", w.name}},
               w.last_success == absl::InfinitePast() ? 0 : Seconds(w.last_success));
  }
  out.Family("memoria_witness_failures_total", MetricType::kCounter,
             "Failed requests to each witness since start.");
  for (const WitnessStatus& w : witnesses) {
    out.Sample("memoria_witness_failures_total", {{"witness", w.name}},
               static_cast<double>(w.failures));
  }
}

void CollectTiles(const ServerMetricsSources& s, TextEncoder& out) {
  const uint64_t published = s.tiles->published_size();
  uint64_t target = s.log->Size();
  if (s.witnessing != nullptr) {
    const std::optional<CosignedCheckpoint> cosigned = s.witnessing->LatestCosigned();
    target = cosigned.has_value() ? cosigned->size : 0;
  }
  Gauge(out, "memoria_tiles_published_size_records",
        "Size of the checkpoint published in --tiles-dir.", static_cast<double>(published));
  Gauge(out, "memoria_tiles_lag_records",
        "Records of the checkpoint to publish (the latest, or the latest cosigned with "
        "witnesses) not yet published.",
        static_cast<double>(target - std::min(target, published)));
  Count(out, "memoria_tiles_failures_total", "Failed publishes since start.",
        static_cast<double>(s.tiles->failures()));
}

void CollectStore(const ServerMetricsSources& s, TextEncoder& out) {
  const Store::Health health = s.log->StoreHealth();
  Gauge(out, "memoria_rocksdb_live_sst_bytes", "Bytes of the store's live SST files.",
        static_cast<double>(health.live_sst_bytes));
  Gauge(out, "memoria_rocksdb_memtable_bytes", "Bytes of the store's memtables.",
        static_cast<double>(health.memtable_bytes));
  Gauge(out, "memoria_rocksdb_pending_compaction_bytes",
        "Bytes RocksDB estimates compaction must rewrite (compaction debt; writes stall when "
        "it grows too large).",
        static_cast<double>(health.pending_compaction_bytes));
  Gauge(out, "memoria_rocksdb_running_compactions", "Compactions running now.",
        static_cast<double>(health.running_compactions));
  Count(out, "memoria_rocksdb_write_stall_seconds_total",
        "Time writes were delayed or stopped by RocksDB since the store was opened.",
        static_cast<double>(health.write_stall_micros) / 1e6);
  Gauge(out, "memoria_rocksdb_write_stopped", "1 while RocksDB stops writes.",
        health.write_stopped ? 1 : 0);
  Gauge(out, "memoria_log_writable",
        "0 while appends are suspended by a failed write (a full disk, an I/O error).",
        s.log->WriteFailed() ? 0 : 1);
}

std::optional<std::string> ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fields of /proc/self/stat after the command's ")" (field 3 first).
std::vector<absl::string_view> StatFields(const std::string& stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return {};
  return absl::StrSplit(absl::string_view(stat).substr(close + 2), ' ', absl::SkipEmpty());
}

void CollectProcess(TextEncoder& out) {
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  const std::optional<std::string> stat = ReadSmallFile("/proc/self/stat");
  if (stat.has_value() && ticks > 0) {
    const std::vector<absl::string_view> fields = StatFields(*stat);
    // Field n of proc(5) is fields[n - 3].
    auto field = [&](size_t n) {
      double value = 0;
      if (n - 3 < fields.size()) (void)absl::SimpleAtod(fields[n - 3], &value);
      return value;
    };
    if (fields.size() >= 22) {
      Count(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            (field(14) + field(15)) / static_cast<double>(ticks));
      Gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", field(23));
      Gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
            field(24) * static_cast<double>(page));
      Gauge(out, "memoria_process_threads", "Threads of the process.", field(20));
      // Boot time (btime of /proc/stat) + the start time in ticks since boot.
      if (const std::optional<std::string> system = ReadSmallFile("/proc/stat")) {
        for (absl::string_view line : absl::StrSplit(*system, '\n')) {
          double boot = 0;
          if (line.rfind("btime ", 0) == 0 && absl::SimpleAtod(line.substr(6), &boot)) {
            Gauge(out, "process_start_time_seconds",
                  "Start time of the process since unix epoch in seconds.",
                  boot + field(22) / static_cast<double>(ticks));
          }
        }
      }
    }
  }
  std::error_code error;
  size_t fds = 0;
  for (fs::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++fds;
  }
  if (!error) Gauge(out, "process_open_fds", "Number of open file descriptors.", static_cast<double>(fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    Gauge(out, "process_max_fds", "Maximum number of open file descriptors.",
          static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace

Sequencer::OnBatchWritten BatchMetrics::Observer() {
  return [this](size_t count, absl::Duration write) {
    records.Observe(static_cast<double>(count));
    write_seconds.Observe(absl::ToDoubleSeconds(write));
  };
}

void AddServerCollectors(MetricsRegistry& registry, const ServerMetricsSources& sources) {
  registry.AddCollector([sources](TextEncoder& out) { CollectLog(sources, out); });
  registry.AddCollector([sources](TextEncoder& out) { sources.calls->Collect(out); });
  registry.AddCollector([sources](TextEncoder& out) { CollectReadiness(sources, out); });
  if (sources.witnessing != nullptr) {
    registry.AddCollector([sources](TextEncoder& out) { CollectWitnesses(sources, out); });
  }
  if (sources.tiles != nullptr) {
    registry.AddCollector([sources](TextEncoder& out) { CollectTiles(sources, out); });
  }
  registry.AddCollector([sources](TextEncoder& out) { CollectStore(sources, out); });
}

void AddProcessCollector(MetricsRegistry& registry) {
  registry.AddCollector([](TextEncoder& out) { CollectProcess(out); });
}

}  // namespace memoria::server
