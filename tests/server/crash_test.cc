// Crash test with a real memoria-server process: 8 writers append while the
// server is killed with SIGKILL at random (seeded) moments. After every
// restart, every acknowledged receipt must still hold: the record is there
// with the same bytes (leaf hash), its inclusion proof verifies against the
// new checkpoint, and that checkpoint is consistent with every checkpoint any
// client saw before the kill.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/file_bytes.h"
#include "tests/support/server_process.h"
#include "tests/support/run_binary.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::ProcessRun;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::RunBinary;
using ::memoria::testing::ServerProcess;
using ::testing::HasSubstr;
using ::memoria::server::testing::VerifyConsistent;
using ::memoria::server::testing::VerifyReceipt;

constexpr int kWriters = 8;
constexpr int kRounds = 12;
constexpr uint32_t kSeed = 20240611;

// The crash tests' server: `dir`/data, warnings only, a short shutdown grace;
// with `init`, on a new log (--init), otherwise a restart.
absl::Status StartServer(ServerProcess& server, const std::string& dir, bool init) {
  std::vector<std::string> args = {"--data-dir", dir + "/data", "--log-level", "warn",
                                   "--shutdown-grace-seconds", "5"};
  if (init) args.push_back("--init");
  return server.Start(args, std::chrono::seconds(20));
}

struct Acknowledged {
  uint64_t index = 0;
  std::string leaf_hash;
};

// What the clients saw: acknowledged receipts and every checkpoint.
struct Seen {
  std::mutex mu;
  std::vector<Acknowledged> acknowledged;
  std::map<uint64_t, Checkpoint> checkpoints;  // by size
  std::vector<std::string> errors;
};

// One writer's appends until `stop` or an error (the server died).
void WriterLoop(v1::Ledger::Stub& stub, const Signer& key, const Verifier& log_key, int round,
                const std::atomic<bool>& stop, Seen& seen, std::vector<v1::SignedEntry>& in_doubt) {
  std::vector<Acknowledged> acknowledged;
  std::map<uint64_t, Checkpoint> checkpoints;
  std::vector<std::string> errors;
  for (int call = 0; !stop.load(); ++call) {
    // Alternate single appends and batches of 5.
    std::vector<v1::SignedEntry> entries;
    const int count = call % 2 == 0 ? 1 : 5;
    for (int i = 0; i < count; ++i) {
      entries.push_back(GenericEntry(key, absl::StrCat("r", round, "-c", call, "-", i)));
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::vector<v1::Receipt> receipts;
    grpc::Status status;
    if (count == 1) {
      v1::AppendRequest request;
      *request.mutable_entry() = entries[0];
      status = stub.Append(&context, request, &receipts.emplace_back());
    } else {
      v1::AppendBatchRequest request;
      for (const v1::SignedEntry& e : entries) *request.add_entries() = e;
      v1::AppendBatchResponse response;
      status = stub.AppendBatch(&context, request, &response);
      receipts.assign(response.receipts().begin(), response.receipts().end());
    }
    if (!status.ok()) {
      in_doubt = std::move(entries);  // may or may not be in the log
      break;
    }
    for (const v1::Receipt& receipt : receipts) {
      absl::StatusOr<Checkpoint> checkpoint = VerifyReceipt(receipt, log_key);
      if (!checkpoint.ok()) {
        errors.push_back(absl::StrCat("receipt ", receipt.index(), ": ",
                                      checkpoint.status().ToString()));
        continue;
      }
      acknowledged.push_back({receipt.index(), receipt.leaf_hash()});
      checkpoints.emplace(checkpoint->size, *checkpoint);
    }
  }
  std::lock_guard lock(seen.mu);
  seen.acknowledged.insert(seen.acknowledged.end(), acknowledged.begin(), acknowledged.end());
  for (auto& [size, checkpoint] : checkpoints) {
    auto [it, inserted] = seen.checkpoints.emplace(size, checkpoint);
    if (!inserted && it->second.root != checkpoint.root) {
      seen.errors.push_back(absl::StrCat("two different roots for size ", size));
    }
  }
  seen.errors.insert(seen.errors.end(), errors.begin(), errors.end());
}

class CrashTest : public ::testing::Test {
 protected:
  // Checks the restarted log against everything seen before; returns its
  // latest checkpoint.
  void VerifyAfterRestart(v1::Ledger::Stub& stub, const Verifier& log_key, Seen& seen,
                          size_t new_acknowledged_from,
                          const std::map<uint64_t, Checkpoint>& new_checkpoints,
                          const std::optional<Checkpoint>& previous_latest, Checkpoint* out) {
    grpc::ClientContext context;
    v1::CheckpointResponse latest_response;
    grpc::Status status = stub.GetCheckpoint(&context, v1::GetCheckpointRequest(), &latest_response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    absl::StatusOr<Checkpoint> latest = OpenCheckpoint(latest_response.note(), log_key);
    ASSERT_TRUE(latest.ok()) << latest.status();

    // The whole log: chain links, and the root of all stored leaves.
    std::vector<std::string> leaf_hashes;
    {
      grpc::ClientContext stream_context;
      v1::GetRecordsRequest request;
      request.set_end(latest->size);
      auto reader = stub.GetRecords(&stream_context, request);
      v1::RecordResponse record;
      CompactRange range;
      LogAuditor auditor(log_key);  // the trust chain and every signature
      Hash previous{};
      int64_t previous_time = 0;
      std::set<std::string> requests;
      while (reader->Read(&record)) {
        const Hash leaf = LeafHash(record.leaf());
        absl::StatusOr<v1::Record> decoded = DecodeRecord(record.leaf());
        EXPECT_TRUE(decoded.ok()) << decoded.status();
        if (decoded.ok()) {
          EXPECT_TRUE(CheckChainLink(*decoded, record.index(), previous, previous_time).ok())
              << record.index();
          previous_time = decoded->integration_time_micros();
          // No request was appended twice.
          v1::Entry entry;
          EXPECT_TRUE(entry.ParseFromString(decoded->entry()));
          EXPECT_TRUE(requests.insert(entry.writer() + "\n" + entry.request_id()).second)
              << "request " << entry.request_id() << " of " << entry.writer()
              << " appended twice";
        }
        EXPECT_EQ(record.index(), leaf_hashes.size());
        leaf_hashes.emplace_back(AsBytes(leaf));
        auditor.Add(record.index(), record.leaf());
        range.Append(leaf, [](const NodeId&, const Hash&) {});
        previous = leaf;
      }
      EXPECT_TRUE(reader->Finish().ok());
      EXPECT_EQ(leaf_hashes.size(), latest->size);
      EXPECT_EQ(range.Root(), latest->root);
      EXPECT_TRUE(auditor.CheckCheckpoint(latest_response.note()).ok());
      const AuditReport report = auditor.Finish();
      EXPECT_TRUE(report.ok()) << (report.findings.empty() ? std::string("findings omitted")
                                                            : FindingText(report.findings[0]));
      EXPECT_EQ(report.writers.size(), static_cast<size_t>(kWriters));
    }

    std::lock_guard lock(seen.mu);
    // Every acknowledged record is there with identical bytes.
    for (const Acknowledged& ack : seen.acknowledged) {
      ASSERT_LT(ack.index, leaf_hashes.size()) << "acknowledged record lost";
      ASSERT_EQ(leaf_hashes[ack.index], ack.leaf_hash) << "record " << ack.index << " changed";
    }
    // The receipts of the last round: inclusion proofs from the server to the
    // new checkpoint. (Older ones were proven included in previous_latest,
    // which is proven consistent with the new checkpoint below.)
    for (size_t i = new_acknowledged_from; i < seen.acknowledged.size(); ++i) {
      const Acknowledged& ack = seen.acknowledged[i];
      grpc::ClientContext proof_context;
      v1::GetInclusionProofRequest request;
      request.set_index(ack.index);
      request.set_tree_size(latest->size);
      v1::InclusionProof proof;
      grpc::Status proof_status = stub.GetInclusionProof(&proof_context, request, &proof);
      ASSERT_TRUE(proof_status.ok()) << StatusText(proof_status);
      std::vector<Hash> hashes;
      for (const std::string& h : proof.hashes()) hashes.push_back(*HashFromBytes(h));
      ASSERT_TRUE(VerifyInclusion(ack.index, latest->size, *HashFromBytes(ack.leaf_hash), hashes,
                                  latest->root)
                      .ok())
          << ack.index;
    }
    // Consistency with every checkpoint seen in the last round, and with the
    // previous round's verified latest (which covers all earlier ones).
    for (const auto& [size, checkpoint] : new_checkpoints) {
      ASSERT_LE(size, latest->size) << "a checkpoint seen before the kill is larger";
      absl::Status consistent = VerifyConsistent(stub, checkpoint, *latest);
      ASSERT_TRUE(consistent.ok()) << "size " << size << ": " << consistent;
    }
    if (previous_latest.has_value()) {
      absl::Status consistent = VerifyConsistent(stub, *previous_latest, *latest);
      EXPECT_TRUE(consistent.ok()) << consistent;
    }
    *out = *latest;
  }
};

TEST_F(CrashTest, AcknowledgedAppendsSurviveSigkill) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_EQ(StartServer(server, dir.path(), /*init=*/true), absl::OkStatus());
  auto stub = NewLocalStub(server.port());

  // Pin the log key and register the writers.
  v1::Info info;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->GetInfo(&context, v1::GetInfoRequest(), &info).ok());
  }
  absl::StatusOr<Verifier> log_key = Verifier::Parse(info.vkey());
  ASSERT_TRUE(log_key.ok());
  absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir.path() + "/data/keys/admin.key");
  ASSERT_TRUE(admin.ok()) << admin.status();
  std::vector<Signer> writers;
  {
    v1::AppendBatchRequest request;
    for (int w = 0; w < kWriters; ++w) {
      writers.push_back(NewWriterKey(absl::StrCat("crash-writer-", w)));
      *request.add_entries() =
          RegisterWriterEntry(*admin, writers.back().verifier(), absl::StrCat("reg-", w));
    }
    grpc::ClientContext context;
    v1::AppendBatchResponse response;
    grpc::Status status = stub->AppendBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }

  std::mt19937 random(kSeed);
  std::uniform_int_distribution<int> kill_after_ms(20, 400);
  Seen seen;
  std::optional<Checkpoint> previous_latest;
  uint64_t total_retried = 0;
  for (int round = 0; round < kRounds; ++round) {
    const size_t acknowledged_before = seen.acknowledged.size();
    std::map<uint64_t, Checkpoint> checkpoints_before = seen.checkpoints;
    std::atomic<bool> stop{false};
    std::vector<std::vector<v1::SignedEntry>> in_doubt(kWriters);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        WriterLoop(*stub, writers[w], *log_key, round, stop, seen, in_doubt[w]);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
    server.Kill();
    stop.store(true);
    for (std::thread& t : threads) t.join();
    ASSERT_TRUE(seen.errors.empty()) << seen.errors.front();

    ASSERT_EQ(StartServer(server, dir.path(), /*init=*/false), absl::OkStatus());
    stub = NewLocalStub(server.port());
    {
      grpc::ClientContext context;
      ASSERT_TRUE(stub->GetInfo(&context, v1::GetInfoRequest(), &info).ok());
      ASSERT_EQ(info.vkey(), log_key->ToString());
      ASSERT_EQ(info.writers_size(), kWriters);
    }
    std::map<uint64_t, Checkpoint> new_checkpoints;
    for (const auto& [size, checkpoint] : seen.checkpoints) {
      if (!checkpoints_before.contains(size)) new_checkpoints.emplace(size, checkpoint);
    }
    Checkpoint latest;
    ASSERT_NO_FATAL_FAILURE(VerifyAfterRestart(*stub, *log_key, seen, acknowledged_before,
                                               new_checkpoints, previous_latest, &latest));
    previous_latest = latest;
    std::cerr << "round " << round << ": " << seen.acknowledged.size() - acknowledged_before
              << " acknowledged, " << new_checkpoints.size() << " checkpoints, log size "
              << latest.size << "\n";

    // Calls cut off by the kill are retried: each lands exactly once.
    for (int w = 0; w < kWriters; ++w) {
      for (const v1::SignedEntry& entry : in_doubt[w]) {
        grpc::ClientContext context;
        v1::AppendRequest request;
        *request.mutable_entry() = entry;
        v1::Receipt receipt;
        grpc::Status status = stub->Append(&context, request, &receipt);
        ASSERT_TRUE(status.ok()) << StatusText(status);
        absl::StatusOr<Checkpoint> checkpoint = VerifyReceipt(receipt, *log_key);
        ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
        std::lock_guard lock(seen.mu);
        seen.acknowledged.push_back({receipt.index(), receipt.leaf_hash()});
        seen.checkpoints.emplace(checkpoint->size, *checkpoint);
        ++total_retried;
      }
    }
  }
  std::cerr << "retried " << total_retried << " in-doubt entries\n";

  // A last check of the whole log, then a graceful stop.
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
  ASSERT_EQ(StartServer(server, dir.path(), /*init=*/false), absl::OkStatus());
  stub = NewLocalStub(server.port());
  Checkpoint latest;
  ASSERT_NO_FATAL_FAILURE(VerifyAfterRestart(*stub, *log_key, seen, 0, seen.checkpoints,
                                             previous_latest, &latest));
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// Real processes: a second memoria-server on a running one's data directory
// or address exits 1 saying so; one without --init on a directory with no
// log, too; a negative number is a usage error (exit 2).
TEST(ServerProcessTest, ASecondServerOnTheSameDataDirOrAddressExitsWithAClearMessage) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_EQ(StartServer(server, dir.path(), /*init=*/true), absl::OkStatus());
  const std::string scratch = dir.path();
  auto run = [&](const std::vector<std::string>& args) {
    ProcessRun ran = RunBinary(MEMORIA_SERVER_BINARY, args, scratch);
    ran.out += ran.err;
    return ran;
  };

  ProcessRun same_dir = run({"--data-dir", dir.path() + "/data", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(same_dir.exit_code, 1) << same_dir.out;
  EXPECT_THAT(same_dir.out, HasSubstr("the data directory " + dir.path() + "/data is in use: "
                                      "another memoria-server holds its lock"));

  const std::string address = absl::StrCat("127.0.0.1:", server.port());
  ProcessRun same_address =
      run({"--init", "--data-dir", dir.path() + "/another", "--listen", address});
  EXPECT_EQ(same_address.exit_code, 1) << same_address.out;
  EXPECT_THAT(same_address.out, HasSubstr("cannot listen on " + address));

  ProcessRun no_log = run({"--data-dir", dir.path() + "/absent", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(no_log.exit_code, 1) << no_log.out;
  EXPECT_THAT(no_log.out, HasSubstr("no log in the data directory " + dir.path() + "/absent"));
  EXPECT_THAT(no_log.out, HasSubstr("--init"));

  ProcessRun negative = run({"--data-dir", dir.path() + "/data", "--max-entry-bytes", "-1"});
  EXPECT_EQ(negative.exit_code, 2) << negative.out;

  // The first one still serves.
  auto stub = NewLocalStub(server.port());
  grpc::ClientContext context;
  v1::Info info;
  EXPECT_TRUE(stub->GetInfo(&context, v1::GetInfoRequest(), &info).ok());
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

}  // namespace
}  // namespace memoria::server
