#include "tools/bench/stream_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "client/entry_signer.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "tools/bench/load.h"
#include "tools/bench/server_process.h"

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kEventType[] = "bench.event";
constexpr uint64_t kFillBatch = 500;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::chrono::system_clock::time_point After(std::chrono::seconds seconds) {
  return std::chrono::system_clock::now() + seconds;
}

// Registers a writer and appends `records` generic entries of about
// `entry_bytes` each. Returns false (after printing why) on failure.
bool Fill(ServerProcess& server, v1::Ledger::Stub& stub, uint64_t records, size_t entry_bytes) {
  absl::StatusOr<Signer> admin_key = ReadSignerKeyFile(server.admin_key_path());
  if (!admin_key.ok()) {
    std::fprintf(stderr, "streams: %s\n", admin_key.status().ToString().c_str());
    return false;
  }
  const client::EntrySigner admin(*std::move(admin_key));
  const client::EntrySigner writer(*Signer::Generate("bench-streams"));
  std::vector<v1::SignedEntry> pending;
  absl::StatusOr<v1::SignedEntry> registration =
      admin.RegisterWriter(writer.key().verifier().ToString(), "memoria-bench streams");
  if (!registration.ok()) return false;
  pending.push_back(*std::move(registration));
  const size_t padding = entry_bytes > 200 ? entry_bytes - 200 : 0;
  const auto send = [&]() {
    grpc::ClientContext context;
    context.set_deadline(After(std::chrono::seconds(60)));
    v1::AppendBatchRequest request;
    for (v1::SignedEntry& entry : pending) *request.add_entries() = std::move(entry);
    pending.clear();
    v1::AppendBatchResponse response;
    const grpc::Status status = stub.AppendBatch(&context, request, &response);
    if (!status.ok()) std::fprintf(stderr, "streams: fill: %s\n", status.error_message().c_str());
    return status.ok();
  };
  if (!send()) return false;  // the registration first: the writer must exist
  for (uint64_t i = 0; i < records; ++i) {
    absl::StatusOr<v1::SignedEntry> entry =
        writer.Generic(kEventType, {{"payload", std::string(padding, 'x')}});
    if (!entry.ok()) return false;
    pending.push_back(*std::move(entry));
    if (pending.size() == kFillBatch && !send()) return false;
  }
  return pending.empty() || send();
}

// One stream the bench opened and never reads.
struct HeldStream {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> records;  // Watch, GetRecords
  std::unique_ptr<grpc::ClientReader<v1::ExportItem>> items;        // Export
};

// The stubs of one connection: the long reads are GetRecords and Watch
// (Ledger) and Export (Transparency).
struct ConnectionStubs {
  std::unique_ptr<v1::Ledger::Stub> ledger;
  std::unique_ptr<v1::Transparency::Stub> transparency;
};

HeldStream Open(ConnectionStubs& stubs, int kind) {
  HeldStream held;
  held.context = std::make_unique<grpc::ClientContext>();
  held.context->set_deadline(After(std::chrono::seconds(600)));
  switch (kind % 3) {
    case 0:
      held.records = stubs.ledger->Watch(held.context.get(), v1::WatchRequest());
      break;
    case 1:
      held.records = stubs.ledger->GetRecords(held.context.get(), v1::GetRecordsRequest());
      break;
    default: {
      v1::ExportRequest request;
      request.mutable_filter()->add_generic_types(kEventType);
      held.items = stubs.transparency->Export(held.context.get(), request);
    }
  }
  return held;
}

// Cancels the stream and drains what was buffered.
void Close(HeldStream& held) {
  held.context->TryCancel();
  if (held.records != nullptr) {
    v1::RecordResponse record;
    while (held.records->Read(&record)) {
    }
    held.records->Finish();
    return;
  }
  v1::ExportItem item;
  while (held.items->Read(&item)) {
  }
  held.items->Finish();
}

struct Sample {
  double rss_mib = 0;
  uint64_t threads = 0;
};

Sample Measure(const ServerProcess& server) {
  return {static_cast<double>(server.ResidentBytes()) / (1 << 20), server.Threads()};
}

// `calls` GetCheckpoint calls one after another (at most `max_seconds`).
LatencySamples CheckpointLatencies(v1::Ledger::Stub& stub, int calls, double max_seconds,
                                   uint64_t& failed) {
  LatencySamples latencies;
  const auto start = Clock::now();
  for (int i = 0; i < calls && Seconds(start) < max_seconds; ++i) {
    grpc::ClientContext context;
    context.set_deadline(After(std::chrono::seconds(30)));
    v1::CheckpointResponse response;
    const auto sent = Clock::now();
    const grpc::Status status = stub.GetCheckpoint(&context, v1::GetCheckpointRequest(), &response);
    latencies.Add(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
    if (!status.ok()) ++failed;
  }
  return latencies;
}

}  // namespace

void RunStreamBench(const StreamBenchOptions& options, Report& report) {
  std::filesystem::remove_all(options.dir);
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(
      {.binary = options.server_binary, .data_dir = options.dir + "/server", .init = true});
  if (!started.ok()) {
    std::fprintf(stderr, "streams: the server does not start: %s\n",
                 started.status().ToString().c_str());
    return;
  }
  ServerProcess& server = **started;
  // The probe's own connection, opened (and warmed) before the baseline.
  std::unique_ptr<v1::Ledger::Stub> probe = v1::Ledger::NewStub(NewBenchConnection(server.target(), -1));
  if (!Fill(server, *probe, options.records, options.entry_bytes)) return;
  uint64_t failed = 0;
  CheckpointLatencies(*probe, 200, options.probe_max_seconds, failed);
  std::this_thread::sleep_for(std::chrono::duration<double>(options.settle_seconds));
  const Sample baseline = Measure(server);
  std::printf("streams: %lu records; baseline RSS %.1f MiB, %lu threads\n",
              static_cast<unsigned long>(options.records + 2), baseline.rss_mib,
              static_cast<unsigned long>(baseline.threads));

  // The streams, over their own connections, never read.
  std::vector<ConnectionStubs> stubs;
  for (int c = 0; c < options.connections; ++c) {
    const std::shared_ptr<grpc::Channel> connection = NewBenchConnection(server.target(), c);
    stubs.push_back({v1::Ledger::NewStub(connection), v1::Transparency::NewStub(connection)});
  }
  const auto opening = Clock::now();
  std::vector<HeldStream> held;
  held.reserve(static_cast<size_t>(options.streams));
  for (int s = 0; s < options.streams; ++s) {
    held.push_back(Open(stubs[static_cast<size_t>(s) % stubs.size()], s));
  }
  const double open_seconds = Seconds(opening);
  std::this_thread::sleep_for(std::chrono::duration<double>(options.settle_seconds));
  const Sample holding = Measure(server);
  const auto probing = Clock::now();
  failed = 0;
  LatencySamples latencies =
      CheckpointLatencies(*probe, options.checkpoint_calls, options.probe_max_seconds, failed);
  const double probe_seconds = Seconds(probing);
  const Sample held_after_probe = Measure(server);
  std::printf(
      "streams: %d opened over %d connections in %.1f s; while held: RSS %.1f MiB, %lu threads; "
      "%zu GetCheckpoint calls in %.1f s (%lu failed)\n",
      options.streams, options.connections, open_seconds,
      std::max(holding.rss_mib, held_after_probe.rss_mib),
      static_cast<unsigned long>(std::max(holding.threads, held_after_probe.threads)),
      latencies.count(), probe_seconds, static_cast<unsigned long>(failed));

  // Cancelled here (the ones the server refused had their status already).
  for (HeldStream& stream : held) Close(stream);
  held.clear();
  stubs.clear();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.settle_seconds));
  const Sample after = Measure(server);
  std::fflush(stdout);

  const double p99_us = latencies.Percentile(0.99);
  report.Add({.section = "streams", .name = "GetCheckpoint p50 while the streams are held",
              .value = latencies.Percentile(0.5), .unit = "us"});
  report.Add({.section = "streams", .name = "GetCheckpoint p99 while the streams are held",
              .value = p99_us, .unit = "us", .target = "<= 50 ms",
              .target_met = p99_us <= 50'000 && failed == 0 && latencies.count() >= 2'000});
  report.Add({.section = "streams", .name = "GetCheckpoint max while the streams are held",
              .value = latencies.Percentile(1.0), .unit = "us"});
  report.Add({.section = "streams", .name = "server RSS, baseline", .value = baseline.rss_mib,
              .unit = "MiB"});
  report.Add({.section = "streams", .name = "server RSS while held",
              .value = std::max(holding.rss_mib, held_after_probe.rss_mib), .unit = "MiB"});
  report.Add({.section = "streams",
              .name = absl::StrCat("server RSS ", options.settle_seconds, " s after they close"),
              .value = after.rss_mib, .unit = "MiB",
              .limit_name = "server RSS, baseline", .limit_value = baseline.rss_mib,
              .target = "<= 1.1x baseline", .target_met = after.rss_mib <= 1.1 * baseline.rss_mib});
  report.Add({.section = "streams", .name = "server threads, baseline",
              .value = static_cast<double>(baseline.threads), .unit = "threads"});
  report.Add({.section = "streams", .name = "server threads while held",
              .value = static_cast<double>(std::max(holding.threads, held_after_probe.threads)),
              .unit = "threads"});
  report.Add({.section = "streams", .name = "server threads after they close",
              .value = static_cast<double>(after.threads), .unit = "threads"});
  if (absl::Status stopped = server.Stop(); !stopped.ok()) {
    std::fprintf(stderr, "streams: %s\n", stopped.ToString().c_str());
  }
  std::filesystem::remove_all(options.dir);
}

}  // namespace memoria::bench
