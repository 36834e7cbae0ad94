// memoria-soak: a bounded soak test of one memoria-server on loopback.
//
// 64 clients (by default) for 10 minutes mix single appends, batches of 10,
// record reads, inclusion and consistency proofs, checkpoints, query pages,
// small exports and Watch streams; half-way the server is killed with SIGKILL
// and restarted on the same data directory. Every `--window` seconds a line
// reports the operations, errors, each kind's p50/p99 latency in that window
// and the server's resident memory. At the end every acknowledged record is
// read back and compared with its receipt's leaf hash.
//
// Exit 0 if no acknowledged record was lost or changed and no call failed
// outside the restart window (from the kill until `--grace` seconds after
// the restarted server answers); 1 otherwise; 2 on a usage error or if the
// server cannot start. Appends that fail are retried with the same signed
// bytes until they are acknowledged (a retry of an entry the server already
// stored is answered with the original receipt), so no entry is counted
// twice or lost between the kill and the restart.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/entry_signer.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "tools/bench/load.h"
#include "tools/bench/server_process.h"

namespace memoria::soak {
namespace {

using bench::LatencySamples;
using bench::NewBenchConnection;
using bench::ServerProcess;
using bench::ServerProcessOptions;
using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 600;
  int clients = 64;
  int watchers = 4;     // of the clients, these hold Watch streams
  int connections = 16;
  double kill_at = 0.5;  // fraction of the run
  double window = 30;
  double grace = 5;
  size_t entry_bytes = 512;
  std::string dir = "/tmp/memoria-soak";
  std::string server_binary;
};

enum Op { kAppend, kBatch, kGetRecord, kInclusion, kConsistency, kCheckpoint, kQuery, kExport, kOps };
constexpr const char* kOpNames[kOps] = {"append", "batch10", "record", "inclusion",
                                        "consistency", "checkpoint", "query", "export"};
// Relative frequencies of the operations.
constexpr int kWeights[kOps] = {35, 10, 15, 10, 10, 5, 10, 5};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The server's address and connections; replaced when it restarts.
class Connections {
 public:
  void Reset(const std::string& target, int count) {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < count; ++i) channels.push_back(NewBenchConnection(target, i));
    absl::MutexLock lock(&mu_);
    channels_ = std::move(channels);
  }
  std::shared_ptr<grpc::Channel> Get(int client) const {
    absl::MutexLock lock(&mu_);
    return channels_[static_cast<size_t>(client) % channels_.size()];
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

// What happened in one window (or the whole run).
struct Tally {
  uint64_t ok[kOps] = {};
  uint64_t errors[kOps] = {};        // outside the restart window
  uint64_t restart_errors = 0;       // inside it
  uint64_t watched = 0;              // records received by Watch streams
  LatencySamples latency[kOps];
  std::string first_error;
};

class Soak {
 public:
  explicit Soak(Options options) : options_(std::move(options)) {}

  int Run();

 private:
  bool StartServer(bool init);
  void Client(int client);
  void Watcher(int client);
  // Records the outcome of one call that took `micros`.
  void Count(Op op, const grpc::Status& status, double micros);
  bool InRestartWindow() const;
  void PrintWindow(double at, Tally& tally);
  int Check();

  const Options options_;
  std::unique_ptr<ServerProcess> server_;
  Connections connections_;
  std::unique_ptr<client::EntrySigner> writer_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> size_hint_{1};  // a recent tree size, for reads
  // Restart window: from the kill (ns since start) until the restarted
  // server answered plus the grace; 0 when none.
  Clock::time_point start_;
  std::atomic<int64_t> restart_from_ns_{0};
  std::atomic<int64_t> restart_until_ns_{0};

  absl::Mutex mu_;
  Tally window_ ABSL_GUARDED_BY(mu_);
  Tally total_ ABSL_GUARDED_BY(mu_);
  // Every acknowledged record: index -> leaf hash from its receipt.
  std::map<uint64_t, std::string> acknowledged_ ABSL_GUARDED_BY(mu_);
  uint64_t conflicting_acks_ ABSL_GUARDED_BY(mu_) = 0;
};

bool Soak::StartServer(bool init) {
  ServerProcessOptions options{.binary = options_.server_binary,
                               .data_dir = options_.dir + "/server",
                               .init = init,
                               .extra_args = {}};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "memoria-soak: the server does not start: %s\n",
                 std::string(server.status().message()).c_str());
    return false;
  }
  server_ = *std::move(server);
  connections_.Reset(server_->target(), options_.connections);
  return true;
}

bool Soak::InRestartWindow() const {
  const int64_t from = restart_from_ns_.load();
  if (from == 0) return false;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  const int64_t until = restart_until_ns_.load();
  return now >= from && (until == 0 || now <= until);
}

void Soak::Count(Op op, const grpc::Status& status, double micros) {
  const bool restarting = !status.ok() && InRestartWindow();
  absl::MutexLock lock(&mu_);
  for (Tally* tally : {&window_, &total_}) {
    if (status.ok()) {
      ++tally->ok[op];
      tally->latency[op].Add(micros);
    } else if (restarting) {
      ++tally->restart_errors;
    } else {
      ++tally->errors[op];
      if (tally->first_error.empty()) {
        tally->first_error = absl::StrCat(kOpNames[op], ": ", status.error_code(), " ",
                                          status.error_message());
      }
    }
  }
}

// One client: weighted random operations until the end.
void Soak::Client(int client) {
  std::mt19937_64 random(static_cast<uint64_t>(client) * 7919 + 1);
  std::discrete_distribution<int> pick(std::begin(kWeights), std::end(kWeights));
  const std::string padding(options_.entry_bytes > 200 ? options_.entry_bytes - 200 : 1, 'x');
  uint64_t sequence = 0;
  auto sign = [&](uint64_t n) {
    return *writer_->Generic("soak.event", {{"payload", padding}, {"n", std::to_string(n)}},
                             absl::StrCat("soak-", client, "-", n));
  };
  auto deadline = [](grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  };
  auto acknowledge = [&](const v1::Receipt& receipt) {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = acknowledged_.emplace(receipt.index(), receipt.leaf_hash());
    if (!inserted && it->second != receipt.leaf_hash()) ++conflicting_acks_;
    size_hint_.store(std::max(size_hint_.load(), receipt.tree_size()));
  };
  // Sends an append (`send` over a stub and a fresh context), and again with
  // the same signed bytes after each failure (counted), until acknowledged
  // or the run ends: a retry of a stored entry answers the original receipt.
  auto until_acknowledged = [&](Op op, const auto& send) {
    for (;;) {
      auto ledger = v1::Ledger::NewStub(connections_.Get(client));
      grpc::ClientContext call;
      deadline(call);
      const grpc::Status status = send(*ledger, call);
      if (status.ok() || stop_.load()) return status;
      Count(op, status, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  while (!stop_.load()) {
    const Op op = static_cast<Op>(pick(random));
    auto stub = v1::Ledger::NewStub(connections_.Get(client));
    const uint64_t size = std::max<uint64_t>(size_hint_.load(), 1);
    std::uniform_int_distribution<uint64_t> any_index(0, size - 1);
    grpc::ClientContext context;
    deadline(context);
    grpc::Status status;
    const Clock::time_point begin = Clock::now();
    switch (op) {
      case kAppend: {
        v1::AppendRequest request;
        *request.mutable_entry() = sign(sequence++);
        v1::Receipt receipt;
        status = until_acknowledged(op, [&](v1::Ledger::Stub& ledger, grpc::ClientContext& call) {
          return ledger.Append(&call, request, &receipt);
        });
        if (status.ok()) acknowledge(receipt);
        break;
      }
      case kBatch: {
        v1::AppendBatchRequest request;
        for (int i = 0; i < 10; ++i) *request.add_entries() = sign(sequence++);
        v1::AppendBatchResponse response;
        status = until_acknowledged(op, [&](v1::Ledger::Stub& ledger, grpc::ClientContext& call) {
          return ledger.AppendBatch(&call, request, &response);
        });
        if (status.ok()) {
          for (const v1::Receipt& receipt : response.receipts()) acknowledge(receipt);
        }
        break;
      }
      case kGetRecord: {
        v1::GetRecordRequest request;
        request.set_index(any_index(random));
        v1::RecordResponse response;
        status = stub->GetRecord(&context, request, &response);
        break;
      }
      case kInclusion: {
        v1::GetInclusionProofRequest request;
        request.set_index(any_index(random));
        v1::InclusionProof response;
        status = stub->GetInclusionProof(&context, request, &response);
        break;
      }
      case kConsistency: {
        v1::GetConsistencyProofRequest request;
        request.set_first(std::max<uint64_t>(1, any_index(random)));
        v1::ConsistencyProof response;
        status = stub->GetConsistencyProof(&context, request, &response);
        break;
      }
      case kCheckpoint: {
        v1::CheckpointResponse response;
        status = stub->GetCheckpoint(&context, v1::GetCheckpointRequest(), &response);
        break;
      }
      case kQuery: {
        auto transparency = v1::Transparency::NewStub(connections_.Get(client));
        v1::QueryRequest request;
        request.mutable_filter()->add_generic_types("soak.event");
        request.set_order(v1::NEWEST_FIRST);
        request.set_page_size(100);
        v1::QueryResponse response;
        status = transparency->Query(&context, request, &response);
        break;
      }
      case kExport: {
        auto transparency = v1::Transparency::NewStub(connections_.Get(client));
        v1::ExportRequest request;
        const uint64_t first = any_index(random);
        request.mutable_filter()->mutable_indexes()->set_from(first);
        request.mutable_filter()->mutable_indexes()->set_to(first + 100);
        request.set_max_results(100);
        std::unique_ptr<grpc::ClientReader<v1::ExportItem>> reader =
            transparency->Export(&context, request);
        v1::ExportItem item;
        while (reader->Read(&item)) {
        }
        status = reader->Finish();
        break;
      }
      case kOps:
        break;
    }
    const double micros = std::chrono::duration<double, std::micro>(Clock::now() - begin).count();
    Count(op, status, micros);
  }
}

// A Watch stream from near the end, reopened every few seconds (and after
// the restart).
void Soak::Watcher(int client) {
  while (!stop_.load()) {
    auto stub = v1::Ledger::NewStub(connections_.Get(client));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::WatchRequest request;
    request.set_start(size_hint_.load());
    std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader = stub->Watch(&context, request);
    v1::RecordResponse record;
    uint64_t received = 0;
    while (!stop_.load() && reader->Read(&record)) ++received;
    if (stop_.load()) context.TryCancel();
    grpc::Status status = reader->Finish();
    // A Watch ends at its deadline by design.
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
        status.error_code() == grpc::StatusCode::CANCELLED) {
      status = grpc::Status::OK;
    }
    if (!status.ok()) {
      Count(kCheckpoint, status, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    absl::MutexLock lock(&mu_);
    window_.watched += received;
    total_.watched += received;
  }
}

void Soak::PrintWindow(double at, Tally& tally) {
  uint64_t ops = 0;
  uint64_t errors = 0;
  for (int op = 0; op < kOps; ++op) {
    ops += tally.ok[op];
    errors += tally.errors[op];
  }
  std::printf("%6.0f s  %8.0f ops/s  errors %" PRIu64 " (restart %" PRIu64 ")  RSS %6.1f MiB",
              at, static_cast<double>(ops) / options_.window, errors, tally.restart_errors,
              static_cast<double>(server_ ? server_->ResidentBytes() : 0) / (1 << 20));
  for (int op = 0; op < kOps; ++op) {
    std::printf("  %s %.1f/%.1f", kOpNames[op], tally.latency[op].Percentile(0.5) / 1000,
                tally.latency[op].Percentile(0.99) / 1000);
  }
  std::printf("  watched %" PRIu64 "\n", tally.watched);
  if (!tally.first_error.empty()) std::printf("         first error: %s\n", tally.first_error.c_str());
  std::fflush(stdout);
}

// Reads back every record and compares the acknowledged ones.
int Soak::Check() {
  auto stub = v1::Ledger::NewStub(connections_.Get(0));
  std::map<uint64_t, std::string> acknowledged;
  uint64_t conflicting = 0;
  {
    absl::MutexLock lock(&mu_);
    acknowledged = acknowledged_;
    conflicting = conflicting_acks_;
  }
  const uint64_t end = acknowledged.empty() ? 0 : acknowledged.rbegin()->first + 1;
  uint64_t lost = 0;
  uint64_t changed = 0;
  uint64_t read = 0;
  auto expected = acknowledged.begin();
  for (uint64_t start = 0; start < end;) {
    grpc::ClientContext context;
    v1::GetRecordsRequest request;
    request.set_start(start);
    request.set_end(end);
    std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader =
        stub->GetRecords(&context, request);
    v1::RecordResponse record;
    while (reader->Read(&record)) {
      start = record.index() + 1;
      ++read;
      while (expected != acknowledged.end() && expected->first < record.index()) {
        ++lost;  // skipped: the server did not send it
        ++expected;
      }
      if (expected != acknowledged.end() && expected->first == record.index()) {
        if (std::string(AsBytes(LeafHash(record.leaf()))) != expected->second) ++changed;
        ++expected;
      }
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) {
      std::fprintf(stderr, "memoria-soak: reading back the log: %s\n",
                   status.error_message().c_str());
      break;
    }
    if (read == 0) break;
  }
  for (; expected != acknowledged.end(); ++expected) ++lost;
  std::printf("\nacknowledged records %zu; read back %" PRIu64 " records; lost %" PRIu64
              "; changed %" PRIu64 "; conflicting receipts %" PRIu64 "\n",
              acknowledged.size(), read, lost, changed, conflicting);
  uint64_t errors = 0;
  {
    absl::MutexLock lock(&mu_);
    for (int op = 0; op < kOps; ++op) errors += total_.errors[op];
    std::printf("errors outside the restart window %" PRIu64 "; inside it %" PRIu64 "\n", errors,
                total_.restart_errors);
    if (!total_.first_error.empty()) std::printf("first error: %s\n", total_.first_error.c_str());
    std::printf("whole run, p50/p99 ms:");
    for (int op = 0; op < kOps; ++op) {
      std::printf("  %s %.1f/%.1f (%" PRIu64 ")", kOpNames[op],
                  total_.latency[op].Percentile(0.5) / 1000,
                  total_.latency[op].Percentile(0.99) / 1000, total_.ok[op]);
    }
    std::printf("\n");
  }
  const bool passed = lost == 0 && changed == 0 && conflicting == 0 && errors == 0;
  std::printf("%s\n", passed ? "PASS" : "FAIL");
  return passed ? 0 : 1;
}

int Soak::Run() {
  std::error_code ignored;
  std::filesystem::remove_all(options_.dir, ignored);
  std::filesystem::create_directories(options_.dir);
  if (!StartServer(/*init=*/true)) return 2;
  {
    absl::StatusOr<Signer> admin_key = ReadSignerKeyFile(server_->admin_key_path());
    if (!admin_key.ok()) return 2;
    client::EntrySigner admin(*std::move(admin_key));
    writer_ = std::make_unique<client::EntrySigner>(*Signer::Generate("soak-writer"));
    v1::AppendRequest request;
    *request.mutable_entry() =
        *admin.RegisterWriter(writer_->key().verifier().ToString(), "memoria-soak");
    grpc::ClientContext context;
    v1::Receipt receipt;
    const grpc::Status status =
        v1::Ledger::NewStub(connections_.Get(0))->Append(&context, request, &receipt);
    if (!status.ok()) {
      std::fprintf(stderr, "memoria-soak: registering the writer: %s\n",
                   status.error_message().c_str());
      return 2;
    }
  }
  std::printf("memoria-soak: %d clients (%d watching) for %.0f s, kill -9 at %.0f s, windows of "
              "%.0f s; p50/p99 in ms per operation\n",
              options_.clients, options_.watchers, options_.seconds,
              options_.seconds * options_.kill_at, options_.window);
  start_ = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < options_.clients; ++c) {
    threads.emplace_back([this, c] { c < options_.watchers ? Watcher(c) : Client(c); });
  }
  bool killed = options_.kill_at <= 0 || options_.kill_at >= 1;
  double next_window = options_.window;
  int exit_code = 0;
  while (SecondsSince(start_) < options_.seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double now = SecondsSince(start_);
    if (!killed && now >= options_.seconds * options_.kill_at) {
      killed = true;
      restart_from_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 Clock::now() - start_).count());
      server_->Kill();
      const Clock::time_point restart = Clock::now();
      if (!StartServer(/*init=*/false)) {
        exit_code = 2;
        break;
      }
      std::printf("         kill -9 at %.0f s; restarted and serving after %.2f s\n", now,
                  SecondsSince(restart));
      restart_until_ns_.store(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count() +
          static_cast<int64_t>(options_.grace * 1e9));
    }
    if (now >= next_window) {
      Tally tally;
      {
        absl::MutexLock lock(&mu_);
        std::swap(tally, window_);
      }
      PrintWindow(next_window, tally);
      next_window += options_.window;
    }
  }
  stop_.store(true);
  for (std::thread& thread : threads) thread.join();
  if (exit_code != 0) return exit_code;
  exit_code = Check();
  if (absl::Status stopped = server_->Stop(); !stopped.ok()) {
    std::fprintf(stderr, "memoria-soak: %s\n", std::string(stopped.message()).c_str());
    exit_code = 1;
  }
  std::filesystem::remove_all(options_.dir, ignored);
  return exit_code;
}

}  // namespace
}  // namespace memoria::soak

int main(int argc, char** argv) {
  memoria::soak::Options options;
  CLI::App app(
      "memoria-soak: many clients mixing every kind of call against one memoria-server on "
      "loopback for a long while, with a kill -9 and a restart half-way; reports errors, "
      "acknowledged records lost, latency and the server's memory over time",
      "memoria-soak");
  app.add_option("--seconds", options.seconds, "How long to run")->capture_default_str();
  app.add_option("--clients", options.clients, "Client threads (one call in flight each)")
      ->capture_default_str();
  app.add_option("--watchers", options.watchers, "Of the clients, how many hold Watch streams")
      ->capture_default_str();
  app.add_option("--kill-at", options.kill_at,
                 "When to kill -9 and restart the server, as a fraction of the run (0: never)")
      ->capture_default_str();
  app.add_option("--window", options.window, "Seconds per report line")->capture_default_str();
  app.add_option("--grace", options.grace,
                 "Errors this long after the restarted server answers still count as the "
                 "restart's")
      ->capture_default_str();
  app.add_option("--entry-bytes", options.entry_bytes, "About this many bytes per entry")
      ->capture_default_str();
  app.add_option("--dir", options.dir, "Scratch directory (erased before and after)")
      ->capture_default_str();
  options.server_binary = memoria::bench::FindSiblingBinary("memoria-server");
  app.add_option("--server-binary", options.server_binary, "memoria-server executable")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (options.clients <= options.watchers || options.window <= 0 || options.seconds <= 0) {
    std::fprintf(stderr, "memoria-soak: needs --clients > --watchers, and positive times\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  return memoria::soak::Soak(options).Run();
}
