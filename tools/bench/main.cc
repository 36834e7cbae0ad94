// memoria-bench: memoria's headline figures beside the machine's raw limits,
// measured in the same run.
//
//   memoria-bench                 # full run: ledger at 10^6 records, server up to 10^7
//   memoria-bench --quick         # under 2 minutes: ledger at 10^5, server at 10^4
//   memoria-bench --json out.json
//   memoria-bench --server-max-records 1000000   # full, but the server only up to 10^6
//   memoria-bench --streams       # 1,000 stalled long reads: GetCheckpoint latency, server memory
//   memoria-bench --witnessing    # three local witnesses: receipt to cosigned checkpoint, appends on/off
//
// Sections: limits (SHA-256, Ed25519, synced RocksDB, the empty gRPC call),
// ledger (the library: Log::AppendAsync, proofs, open), audit (LogAuditor in
// memory), server (a real memoria-server child process on loopback, see
// server_bench.h) and scaling (the server's key figures at each log length).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/hash.h"
#include "tools/bench/audit_bench.h"
#include "tools/bench/ledger_bench.h"
#include "tools/bench/limits.h"
#include "tools/bench/query_bench.h"
#include "tools/bench/report.h"
#include "tools/bench/server_bench.h"
#include "tools/bench/server_process.h"
#include "tools/bench/stream_bench.h"
#include "tools/bench/witness_bench.h"

namespace {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"memoria-bench: memoria's figures beside the machine's raw limits"};
  bool quick = false;
  uint64_t records = 1'000'000;
  uint64_t server_max_records = 10'000'000;
  size_t batch = 1'000;
  size_t entry_bytes = 1'024;
  std::string dir = "/tmp/memoria-bench";
  std::string json;
  std::string server_binary = memoria::bench::FindSiblingBinary("memoria-server");
  std::string audit_binary = memoria::bench::FindSiblingBinary("memoria-audit");
  std::string memoria_binary = memoria::bench::FindSiblingBinary("memoria");
  std::string witness_binary = memoria::bench::FindSiblingBinary("memoria-witness");
  app.add_flag("--quick", quick,
               "Under 2 minutes: ledger at 100,000 records, server at 10^4, short phases");
  app.add_option("--records", records, "Log length for the ledger figures")->capture_default_str();
  app.add_option("--server-max-records", server_max_records,
                 "Largest log length of the server's scaling figures (10^4, 10^5, ... up to this)")
      ->capture_default_str();
  app.add_option("--batch", batch, "Records per append batch (ledger section)")->capture_default_str();
  app.add_option("--entry-bytes", entry_bytes, "Entry size in bytes")->capture_default_str();
  app.add_option("--dir", dir, "Scratch directory (erased before and after)")->capture_default_str();
  app.add_option("--json", json, "Also write every figure as JSON to this file");
  app.add_option("--server-binary", server_binary, "memoria-server executable")->capture_default_str();
  app.add_option("--audit-binary", audit_binary, "memoria-audit executable")->capture_default_str();
  bool tiles_audit = false;
  app.add_flag("--tiles-audit", tiles_audit,
               "Only the raw limits and memoria-audit verify --server beside verify --tiles (the "
               "server publishing tiles, read over its --http-listen) on the same log, at each "
               "--server-max-records point");
  bool audit_only = false;
  app.add_flag("--audit", audit_only, "Only the raw limits and the verifier (memoria-audit) figures");
  bool server_only = false;
  app.add_flag("--server-only", server_only, "Only the raw limits and the server figures");
  bool ledger_only = false;
  app.add_flag("--ledger-only", ledger_only, "Only the raw limits and the ledger library figures");
  bool query_only = false;
  app.add_flag("--query", query_only,
               "Only the raw limits and the transparency-law request figures (query index cost, "
               "Query and export at --records; with --quick at 10^5)");
  app.add_option("--memoria-binary", memoria_binary, "memoria (CLI) executable")->capture_default_str();
  bool appends_only = false;
  app.add_flag("--appends-only", appends_only,
               "Only the raw limits and the server's append phases (implies --server-only)");
  std::vector<std::string> phases;
  app.add_option("--phases", phases,
                 "With --appends-only, only these phases: 1 16 64 (clients, single-entry Append), "
                 "b10 b100 b1000 (AppendBatch, 16 clients), o1000 o5000 (offered load/s)")
      ->delimiter(',');
  bool streams_only = false;
  app.add_flag("--streams", streams_only,
               "Only the stalled-streams figures: 1,000 long reads that never read, over 500 "
               "connections, against a server with 5,000 records (under 2 minutes)");
  bool witnessing_only = false;
  app.add_flag("--witnessing", witnessing_only,
               "Only the witnessing figures: three local memoria-witness processes (quorum 2 of 3); "
               "receipt to cosigned checkpoint at 200/s and 1,000/s offered (20,000 receipts each), "
               "and 16-client Append and AppendBatch(100) with witnessing on and off, 5 alternated "
               "pairs of 5 s runs (about 4 minutes; with --quick under a minute: fewer samples, "
               "3 pairs of 1 s runs)");
  app.add_option("--witness-binary", witness_binary, "memoria-witness executable")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (witnessing_only) {
    if (server_binary.empty() || witness_binary.empty()) {
      std::fprintf(stderr, "memoria-server or memoria-witness not found (build them, or give "
                           "--server-binary and --witness-binary)\n");
      return 2;
    }
    memoria::InitCrypto();
    memoria::bench::Report report;
    const std::string load_at_start = LoadAverage();
    memoria::bench::WitnessBenchOptions options{.server_binary = server_binary,
                                                .witness_binary = witness_binary,
                                                .dir = dir + "/witnessing",
                                                .entry_bytes = entry_bytes};
    if (quick) {
      options.latency_samples = 1'000;
      options.latency_min_seconds = 5;
      options.phase_seconds = 1;
      options.pairs = 3;
    }
    std::printf("memoria-bench --witnessing%s: %zu-byte entries, 3 witnesses (quorum 2), "
                "default --witness-interval (1 s)\n",
                quick ? " --quick (short phases: fewer latency samples, 1 s throughput runs)" : "",
                entry_bytes);
    for (const auto& [key, value] : memoria::bench::DescribeMachine(std::filesystem::temp_directory_path())) {
      std::printf("  %-14s %s\n", key.c_str(), value.c_str());
    }
    std::fflush(stdout);
    memoria::bench::RunWitnessBench(options, report);
    std::filesystem::remove_all(dir);
    const std::string load_at_end = LoadAverage();
    report.Print();
    std::printf("\nload average (1, 5, 15 min): at the start %s, at the end %s\n",
                load_at_start.c_str(), load_at_end.c_str());
    if (!json.empty() && !report.WriteJson(json, {{"mode", quick ? "witnessing quick" : "witnessing"},
                                                  {"loadavg_at_start", load_at_start},
                                                  {"loadavg_at_end", load_at_end},
                                                  {"server_binary", server_binary},
                                                  {"witness_binary", witness_binary},
                                                  {"entry_bytes", std::to_string(entry_bytes)}})) {
      std::fprintf(stderr, "cannot write %s\n", json.c_str());
      return 2;
    }
    return 0;
  }
  if (streams_only) {
    if (server_binary.empty()) {
      std::fprintf(stderr, "memoria-server not found (build it, or give --server-binary)\n");
      return 2;
    }
    memoria::InitCrypto();
    memoria::bench::Report report;
    const std::string load_at_start = LoadAverage();
    memoria::bench::RunStreamBench(
        {.server_binary = server_binary, .dir = dir + "/streams", .entry_bytes = entry_bytes},
        report);
    std::filesystem::remove_all(dir);
    report.Print();
    std::printf("\nload average (1, 5, 15 min): at the start %s, at the end %s\n",
                load_at_start.c_str(), LoadAverage().c_str());
    if (!json.empty() && !report.WriteJson(json, {{"mode", "streams"},
                                                  {"loadavg_at_start", load_at_start},
                                                  {"server_binary", server_binary}})) {
      std::fprintf(stderr, "cannot write %s\n", json.c_str());
      return 2;
    }
    return 0;
  }
  if ((appends_only || tiles_audit) && !ledger_only && !audit_only) server_only = true;
  if (ledger_only + audit_only + server_only + query_only > 1) {
    std::fprintf(stderr, "--ledger-only, --audit, --server-only and --query exclude each other\n");
    return 2;
  }
  if (quick) {
    records = std::min<uint64_t>(records, 100'000);
    server_max_records = std::min<uint64_t>(server_max_records, 10'000);
  }

  memoria::InitCrypto();
  namespace bench = memoria::bench;
  bench::Report report;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string load_at_start = LoadAverage();
  std::printf("memoria-bench%s: %lu records, %zu-byte entries, batches of %zu, %d cores\n",
              quick ? " --quick" : "", static_cast<unsigned long>(records), entry_bytes, batch, cores);
  for (const auto& [key, value] : bench::DescribeMachine(std::filesystem::temp_directory_path())) {
    std::printf("  %-14s %s\n", key.c_str(), value.c_str());
  }
  std::printf("  (a shared machine: other work running at the same time lowers every figure;\n"
              "   the load average is printed at the start and the end)\n");
  std::fflush(stdout);

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

  if (!audit_only && !ledger_only && !query_only) {
    if (server_binary.empty()) {
      std::fprintf(stderr, "memoria-server not found (build it, or give --server-binary): "
                           "the server figures are left out\n");
    } else {
      bench::ServerBenchOptions server{.server_binary = server_binary,
                                       .audit_binary = audit_binary,
                                       .dir = dir + "/server-bench",
                                       .entry_bytes = entry_bytes,
                                       .appends_only = appends_only,
                                       .phases = phases,
                                       .tiles_audit = tiles_audit};
      server.points.clear();
      for (uint64_t n = 10'000; n <= server_max_records; n *= 10) server.points.push_back(n);
      if (server.points.empty()) server.points.push_back(server_max_records);
      if (quick) {
        server.phase_seconds = 1.0;
        server.open_loop_seconds = 2;
        server.read_samples = 2'000;
      }
      bench::RunServerBench(server, report);
    }
  }
  // The query section runs in a full run and with --query (not in --quick
  // alone: it needs a log of --records policy events, built through the
  // server's own code path).
  if (query_only || (!quick && !audit_only && !server_only && !ledger_only)) {
    if (server_binary.empty()) {
      std::fprintf(stderr, "memoria-server not found: the query figures are left out\n");
    } else {
      bench::RunQueryBench({.server_binary = server_binary,
                            .memoria_binary = memoria_binary,
                            .dir = dir + "/query-bench",
                            .records = records,
                            .cost_records = quick ? uint64_t{50'000} : uint64_t{200'000},
                            .million_export = !quick && !memoria_binary.empty()},
                           report);
    }
  }
  if (!audit_only && !server_only && !query_only) {
    bench::RunLedgerBench({.dir = dir + "/ledger", .records = records, .batch = batch,
                           .entry_bytes = entry_bytes},
                          report);
  }
  std::filesystem::remove_all(dir);
  if (!server_only && !ledger_only && !query_only) {
    bench::RunAuditBench({.records = records, .entry_bytes = entry_bytes, .threads = cores}, report);
  }

  const std::string load_at_end = LoadAverage();
  report.Print();
  std::printf("\nload average (1, 5, 15 min): at the start %s, at the end %s\n", load_at_start.c_str(),
              load_at_end.c_str());
  if (!json.empty() &&
      !report.WriteJson(json, {{"mode", quick ? "quick" : "full"},
                               {"loadavg_at_start", load_at_start},
                               {"loadavg_at_end", load_at_end},
                               {"server_binary", server_binary},
                               {"audit_binary", audit_binary},
                               {"entry_bytes", std::to_string(entry_bytes)}})) {
    std::fprintf(stderr, "cannot write %s\n", json.c_str());
    return 2;
  }
  return 0;
}
