#include "tools/bench/ledger_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include "ledger/log.h"
#include "tools/bench/limits.h"

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::time_point since) {
  return std::chrono::duration<double, std::micro>(Clock::now() - since).count();
}

double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t at = std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()));
  return samples[at];
}

std::vector<PendingEntry> MakeBatch(uint64_t first, size_t count, size_t entry_bytes,
                                    std::mt19937_64& rng) {
  std::vector<PendingEntry> batch(count);
  for (size_t i = 0; i < count; ++i) {
    PendingEntry& e = batch[i];
    e.writer_key_id = 0x01020304;
    e.entry.resize(entry_bytes);
    for (size_t j = 0; j + 8 <= entry_bytes; j += 8) {
      const uint64_t r = rng();
      std::memcpy(e.entry.data() + j, &r, 8);
    }
    e.writer_signature.assign(64, static_cast<char>(first + i));
    e.prefix.emplace(e.writer_key_id, e.entry, e.writer_signature);
  }
  return batch;
}

}  // namespace

void RunLedgerBench(const LedgerBenchOptions& options, Report& report) {
  std::filesystem::remove_all(options.dir);
  const Signer key = *Signer::Generate("bench.memoria/log");
  const double rocksdb_limit = report.Value("RocksDB synced batch writes, same bytes");
  const std::string n = std::to_string(options.records);

  double append_seconds = 0;
  {
    auto log = Log::Open({.path = options.dir}, key);
    if (!log.ok()) {
      std::fprintf(stderr, "cannot open log: %s\n", std::string(log.status().message()).c_str());
      return;
    }
    // As in memoria-server, entries are prepared (here: generated, and their
    // RecordPrefix built) on another thread, and batches are appended with
    // Log::AppendAsync, one being written while the next is built; the figure
    // is wall-clock time for the whole stream, until the last batch is durable.
    std::mt19937_64 rng(1);
    auto prepare = [&](uint64_t first) {
      const size_t count = std::min<uint64_t>(options.batch, options.records - first);
      return std::async(std::launch::async, MakeBatch, first, count, options.entry_bytes, std::ref(rng));
    };
    uint64_t done = 0;
    const auto start = Clock::now();
    auto next = prepare(0);
    std::future<absl::StatusOr<AppendResult>> in_flight;
    auto land = [&]() {
      if (!in_flight.valid()) return true;
      absl::StatusOr<AppendResult> result = in_flight.get();
      if (!result.ok()) {
        std::fprintf(stderr, "append failed: %s\n", std::string(result.status().message()).c_str());
      }
      return result.ok();
    };
    while (done < options.records) {
      std::vector<PendingEntry> batch = next.get();
      const size_t count = batch.size();
      if (done + count < options.records) next = prepare(done + count);
      auto appended = (*log)->AppendAsync(batch);
      if (!land()) return;
      in_flight = std::move(appended);
      done += count;
      if (isatty(fileno(stderr)) && done % (options.batch * 50) == 0) {
        std::fprintf(stderr, "\r  appended %lu/%lu", static_cast<unsigned long>(done),
                     static_cast<unsigned long>(options.records));
      }
    }
    if (!land()) return;
    append_seconds = Micros(start) / 1e6;
    if (isatty(fileno(stderr))) std::fprintf(stderr, "\n");
  }
  const double append_rate = static_cast<double>(options.records) / append_seconds;
  report.Add({.section = "ledger",
              .name = "Log::AppendAsync, batches of " + std::to_string(options.batch) + ", " + n + " records",
              .value = append_rate,
              .unit = "records/s",
              .limit_name = "RocksDB synced batch writes",
              .limit_value = rocksdb_limit,
              .target = ">= 100000",
              .target_met = append_rate >= 100'000});

  const auto open_start = Clock::now();
  auto log = Log::Open({.path = options.dir, .create_if_missing = false}, key);
  const double open_ms = Micros(open_start) / 1000;
  if (!log.ok()) {
    std::fprintf(stderr, "cannot reopen log: %s\n", std::string(log.status().message()).c_str());
    return;
  }
  report.Add({.section = "ledger",
              .name = "Log::Open at " + n + " records",
              .value = open_ms,
              .unit = "ms",
              .target = "<= 1000",
              .target_met = open_ms <= 1000});

  const uint64_t size = (*log)->Size();
  std::mt19937_64 rng(2);
  // Proofs and reads at random indexes: first while the tree is being loaded
  // into memory after Open (the background scan of ledger/node_memory.h),
  // then once it is.
  auto sample = [&](const std::string& when, bool judged) {
    std::vector<double> inclusion, consistency, reads;
    for (int i = 0; i < options.proof_samples; ++i) {
      const uint64_t index = rng() % size;
      auto start = Clock::now();
      auto proof = (*log)->InclusionProof(index, size);
      inclusion.push_back(Micros(start));
      if (!proof.ok()) std::abort();

      const uint64_t first = 1 + rng() % (size - 1);
      start = Clock::now();
      auto cproof = (*log)->ConsistencyProof(first, size);
      consistency.push_back(Micros(start));
      if (!cproof.ok()) std::abort();

      start = Clock::now();
      auto record = (*log)->GetRecord(index);
      reads.push_back(Micros(start));
      if (!record.ok()) std::abort();
    }
    const std::string at = " at " + n + ", " + when;
    const double inclusion_p99 = Percentile(inclusion, 0.99);
    report.Add({.section = "ledger", .name = "inclusion proof" + at + ", p50",
                .value = Percentile(inclusion, 0.50), .unit = "us"});
    Figure p99{.section = "ledger", .name = "inclusion proof" + at + ", p99",
               .value = inclusion_p99, .unit = "us"};
    if (judged) {
      p99.target = "<= 100";
      p99.target_met = inclusion_p99 <= 100;
    }
    report.Add(p99);
    report.Add({.section = "ledger", .name = "consistency proof" + at + ", p50",
                .value = Percentile(consistency, 0.50), .unit = "us"});
    report.Add({.section = "ledger", .name = "consistency proof" + at + ", p99",
                .value = Percentile(consistency, 0.99), .unit = "us"});
    report.Add({.section = "ledger", .name = "record read" + at + ", p99",
                .value = Percentile(reads, 0.99), .unit = "us"});
  };
  sample("just opened", false);
  while (!(*log)->node_memory().loaded && (*log)->node_memory().load_error.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!(*log)->node_memory().loaded) {
    std::fprintf(stderr, "loading the tree failed: %s\n", (*log)->node_memory().load_error.c_str());
  }
  report.Add({.section = "ledger", .name = "tree loaded into memory after Log::Open (background)",
              .value = (*log)->node_memory().load_seconds * 1000, .unit = "ms"});
  report.Add({.section = "ledger", .name = "tree hashes in memory, from level " +
                                          std::to_string((*log)->node_memory().lowest_level),
              .value = static_cast<double>((*log)->node_memory().nodes), .unit = "hashes"});
  sample("tree in memory", true);

  const double disk = static_cast<double>(DirectoryBytes(options.dir)) / static_cast<double>(size);
  const double disk_budget = 1.5 * static_cast<double>(options.entry_bytes) + 100;
  report.Add({.section = "ledger", .name = "disk per record (" + std::to_string(options.entry_bytes) + " B entries)",
              .value = disk, .unit = "bytes", .target = "<= 1.5 x entry + 100",
              .target_met = disk <= disk_budget});
  report.Add({.section = "ledger", .name = "resident memory of the bench process",
              .value = static_cast<double>(ResidentBytes()) / (1 << 20), .unit = "MiB"});
}

}  // namespace memoria::bench
