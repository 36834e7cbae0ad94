// memoria-bench: memoria's headline figures beside the machine's raw limits,
// measured in the same run.
//
//   memoria-bench                 # full run (1,000,000 records)
//   memoria-bench --quick         # under 2 minutes
//   memoria-bench --json out.json
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "ledger/hash.h"
#include "tools/bench/audit_bench.h"
#include "tools/bench/ledger_bench.h"
#include "tools/bench/limits.h"
#include "tools/bench/report.h"

int main(int argc, char** argv) {
  CLI::App app{"memoria-bench: memoria's figures beside the machine's raw limits"};
  bool quick = false;
  uint64_t records = 1'000'000;
  size_t batch = 1'000;
  size_t entry_bytes = 1'024;
  std::string dir = "/tmp/memoria-bench";
  std::string json;
  app.add_flag("--quick", quick, "Small logs (100,000 records): under 2 minutes");
  app.add_option("--records", records, "Log length for the ledger figures")->capture_default_str();
  app.add_option("--batch", batch, "Records per append batch")->capture_default_str();
  app.add_option("--entry-bytes", entry_bytes, "Entry size in bytes")->capture_default_str();
  app.add_option("--dir", dir, "Scratch directory (erased before and after)")->capture_default_str();
  app.add_option("--json", json, "Also write every figure as JSON to this file");
  bool audit_only = false;
  app.add_flag("--audit", audit_only, "Only the raw limits and the verifier (memoria-audit) figures");
  CLI11_PARSE(app, argc, argv);
  if (quick) records = std::min<uint64_t>(records, 100'000);

  memoria::InitCrypto();
  namespace bench = memoria::bench;
  bench::Report report;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("memoria-bench: %lu records, %zu-byte entries, batches of %zu, %d cores\n",
              static_cast<unsigned long>(records), entry_bytes, batch, cores);
  for (const auto& [key, value] : bench::DescribeMachine(std::filesystem::temp_directory_path())) {
    std::printf("  %-14s %s\n", key.c_str(), value.c_str());
  }

  report.Add({.section = "limits", .name = "SHA-256, 1 KiB messages",
              .value = bench::Sha256MegabytesPerSecond(1024, 1.0), .unit = "MB/s"});
  report.Add({.section = "limits", .name = "Ed25519 sign, 1 core",
              .value = bench::Ed25519SignsPerSecond(1, 1.0), .unit = "ops/s"});
  report.Add({.section = "limits", .name = "Ed25519 verify, 1 core",
              .value = bench::Ed25519VerifiesPerSecond(1, 1.0), .unit = "ops/s"});
  report.Add({.section = "limits", .name = "Ed25519 verify, all cores",
              .value = bench::Ed25519VerifiesPerSecond(cores, 1.0), .unit = "ops/s"});
  // Record bytes as the ledger stores them: entry + ~120 bytes of record fields.
  report.Add({.section = "limits", .name = "RocksDB synced batch writes, same bytes",
              .value = bench::RocksDBSyncedRecordsPerSecond(dir + "/raw", batch, entry_bytes + 120,
                                                            std::min<uint64_t>(records, 200'000)),
              .unit = "records/s"});

  if (!audit_only) {
    bench::RunLedgerBench({.dir = dir + "/ledger", .records = records, .batch = batch,
                           .entry_bytes = entry_bytes},
                          report);
  }
  std::filesystem::remove_all(dir);
  bench::RunAuditBench({.records = records, .entry_bytes = entry_bytes, .threads = cores}, report);

  report.Print();
  if (!json.empty() && !report.WriteJson(json)) {
    std::fprintf(stderr, "cannot write %s\n", json.c_str());
    return 2;
  }
  return 0;
}
