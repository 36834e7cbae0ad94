// The Ledger service end to end: an in-process Server on 127.0.0.1 port 0
// with a fresh data directory, called through the generated stub.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "client/entry_signer.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

using ::memoria::client::SignEntry;
using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewLocalTransparencyStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::RevokeWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::server::testing::VerifyConsistent;
using ::memoria::server::testing::VerifyReceipt;
using ::testing::HasSubstr;

class LedgerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    config_ = server::testing::TestServerConfig(dir_.path() + "/data");
    StartServer();
  }

  void StartServer() {
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = NewLocalStub(server_->port());
    transparency_stub_ = NewLocalTransparencyStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(config_.data_dir + "/keys/admin.key");
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::make_unique<Signer>(*std::move(admin));
  }

  void RestartServer() {
    stub_.reset();
    transparency_stub_.reset();
    server_.reset();
    config_.init = false;  // the log is there now
    StartServer();
  }

  const Verifier& LogKey() const { return server_->log_verifier(); }

  grpc::Status Append(const v1::SignedEntry& entry, v1::Receipt* receipt) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    return stub_->Append(&context, request, receipt);
  }

  v1::Receipt MustAppend(const v1::SignedEntry& entry) {
    v1::Receipt receipt;
    grpc::Status status = Append(entry, &receipt);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return receipt;
  }

  grpc::Status AppendBatch(const std::vector<v1::SignedEntry>& entries,
                           v1::AppendBatchResponse* response) {
    grpc::ClientContext context;
    v1::AppendBatchRequest request;
    for (const v1::SignedEntry& entry : entries) *request.add_entries() = entry;
    return stub_->AppendBatch(&context, request, response);
  }

  // Registers a new writer called `name` and returns its key.
  Signer Register(const std::string& name) {
    Signer key = NewWriterKey(name);
    MustAppend(RegisterWriterEntry(*admin_, key.verifier(), "register-" + name));
    return key;
  }

  v1::Info Info() {
    grpc::ClientContext context;
    v1::Info info;
    grpc::Status status = stub_->GetInfo(&context, v1::GetInfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return info;
  }

  uint64_t Size() { return Info().tree_size(); }

  v1::CheckpointResponse LatestCheckpoint() {
    grpc::ClientContext context;
    v1::CheckpointResponse response;
    grpc::Status status = stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &response);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return response;
  }

  std::string GetLeaf(uint64_t index) {
    grpc::ClientContext context;
    v1::GetRecordRequest request;
    request.set_index(index);
    v1::RecordResponse response;
    grpc::Status status = stub_->GetRecord(&context, request, &response);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return response.leaf();
  }

  // Appending `entry` fails with `code` (message containing `text`), and
  // appends nothing.
  void ExpectRejected(const v1::SignedEntry& entry, grpc::StatusCode code,
                      const std::string& text) {
    const uint64_t before = Size();
    v1::Receipt receipt;
    grpc::Status status = Append(entry, &receipt);
    EXPECT_EQ(status.error_code(), code) << StatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr(text));
    EXPECT_EQ(Size(), before);
  }

  // Calls `append(w, i)` for i in [0, entries) on one thread per writer w,
  // all writers at once; returns the seconds it took.
  static double AppendConcurrently(int writers, int entries,
                                   const std::function<void(int, int)>& append) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < entries; ++i) append(w, i);
      });
    }
    for (std::thread& t : threads) t.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  TempDir dir_;
  ServerConfig config_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<v1::Transparency::Stub> transparency_stub_;
  std::unique_ptr<Signer> admin_;
};

TEST_F(LedgerServiceTest, AppendedEntryHasAVerifiableReceiptAndReadsBack) {
  Signer writer = Register("svc-posts");
  v1::SignedEntry entry = GenericEntry(writer, "req-1", "post.published", {{"url", "https://x"}});
  v1::Receipt receipt = MustAppend(entry);
  EXPECT_EQ(receipt.index(), 2u);  // after genesis and the registration
  EXPECT_FALSE(receipt.duplicate());
  absl::StatusOr<Checkpoint> checkpoint = VerifyReceipt(receipt, LogKey());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->size, 3u);
  EXPECT_EQ(checkpoint->origin, "memoria.local/log");

  // The record bytes are the leaf, and hold the entry and signature as sent.
  const std::string leaf = GetLeaf(receipt.index());
  EXPECT_EQ(std::string(AsBytes(LeafHash(leaf))), receipt.leaf_hash());
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->index(), 2u);
  EXPECT_EQ(record->entry(), entry.entry());
  EXPECT_EQ(record->writer_signature(), entry.signature());
  EXPECT_EQ(record->writer_key_id(), writer.key_id());
  EXPECT_EQ(record->prev_leaf_hash(), std::string(AsBytes(LeafHash(GetLeaf(1)))));

  // Inclusion proofs by index and by leaf hash, to the latest size.
  for (bool by_hash : {false, true}) {
    grpc::ClientContext context;
    v1::GetInclusionProofRequest request;
    if (by_hash) {
      request.set_leaf_hash(receipt.leaf_hash());
    } else {
      request.set_index(receipt.index());
    }
    v1::InclusionProof proof;
    grpc::Status status = stub_->GetInclusionProof(&context, request, &proof);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(proof.index(), receipt.index());
    EXPECT_EQ(proof.tree_size(), 3u);
    std::vector<Hash> hashes;
    for (const std::string& h : proof.hashes()) hashes.push_back(*HashFromBytes(h));
    EXPECT_TRUE(VerifyInclusion(proof.index(), proof.tree_size(),
                                *HashFromBytes(proof.leaf_hash()), hashes, checkpoint->root)
                    .ok());
  }

  const v1::Info info = Info();
  EXPECT_EQ(info.origin(), "memoria.local/log");
  EXPECT_EQ(info.vkey(), LogKey().ToString());
  EXPECT_EQ(info.admin_vkey(), admin_->verifier().ToString());
  EXPECT_FALSE(info.version().empty());
  ASSERT_EQ(info.writers_size(), 1);
  EXPECT_EQ(info.writers(0).vkey(), writer.verifier().ToString());
  EXPECT_EQ(info.writers(0).registered_at(), 1u);
  EXPECT_FALSE(info.writers(0).revoked());
}

TEST_F(LedgerServiceTest, AppendBatchLandsTogetherUnderOneCheckpoint) {
  Signer writer = Register("svc-batch");
  std::vector<v1::SignedEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back(GenericEntry(writer, absl::StrCat("b-", i)));
  v1::AppendBatchResponse response;
  grpc::Status status = AppendBatch(entries, &response);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  ASSERT_EQ(response.receipts_size(), 50);
  for (int i = 0; i < 50; ++i) {
    const v1::Receipt& receipt = response.receipts(i);
    EXPECT_EQ(receipt.index(), 2u + static_cast<uint64_t>(i));
    EXPECT_EQ(receipt.tree_size(), 52u);
    EXPECT_EQ(receipt.checkpoint(), response.receipts(0).checkpoint());
    EXPECT_TRUE(VerifyReceipt(receipt, LogKey()).ok());
  }
  EXPECT_EQ(Size(), 52u);
}

TEST_F(LedgerServiceTest, GetRecordsStreamsTheRangeAsStored) {
  Signer writer = Register("svc-range");
  for (int i = 0; i < 20; ++i) MustAppend(GenericEntry(writer, absl::StrCat("r-", i)));
  grpc::ClientContext context;
  v1::GetRecordsRequest request;
  request.set_start(5);
  request.set_end(0);  // to the end
  auto reader = stub_->GetRecords(&context, request);
  v1::RecordResponse record;
  uint64_t expected = 5;
  while (reader->Read(&record)) {
    EXPECT_EQ(record.index(), expected);
    EXPECT_EQ(record.leaf(), GetLeaf(expected));
    ++expected;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(expected, 22u);

  grpc::ClientContext missing_context;
  v1::GetRecordRequest missing;
  missing.set_index(22);
  v1::RecordResponse response;
  EXPECT_EQ(stub_->GetRecord(&missing_context, missing, &response).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(LedgerServiceTest, CheckpointsAreServedBySignedSizeOnly) {
  Signer writer = Register("svc-cp");
  v1::Receipt first = MustAppend(GenericEntry(writer, "cp-1"));
  std::vector<v1::SignedEntry> entries = {GenericEntry(writer, "cp-2"), GenericEntry(writer, "cp-3")};
  v1::AppendBatchResponse batch;
  ASSERT_TRUE(AppendBatch(entries, &batch).ok());
  ASSERT_EQ(first.tree_size(), 3u);
  ASSERT_EQ(batch.receipts(0).tree_size(), 5u);

  grpc::ClientContext context;
  v1::GetCheckpointRequest request;
  request.set_tree_size(3);
  v1::CheckpointResponse response;
  ASSERT_TRUE(stub_->GetCheckpoint(&context, request, &response).ok());
  EXPECT_EQ(response.note(), first.checkpoint());
  EXPECT_EQ(response.tree_size(), 3u);

  grpc::ClientContext unsigned_context;
  request.set_tree_size(4);  // inside the batch: never signed
  EXPECT_EQ(stub_->GetCheckpoint(&unsigned_context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  const v1::CheckpointResponse latest = LatestCheckpoint();
  EXPECT_EQ(latest.tree_size(), 5u);
  absl::StatusOr<Checkpoint> older = OpenCheckpoint(first.checkpoint(), LogKey());
  absl::StatusOr<Checkpoint> newer = OpenCheckpoint(latest.note(), LogKey());
  ASSERT_TRUE(older.ok() && newer.ok());
  EXPECT_EQ(std::string(AsBytes(newer->root)), latest.root_hash());
  EXPECT_TRUE(VerifyConsistent(*stub_, *older, *newer).ok());
}

TEST_F(LedgerServiceTest, SixteenConcurrentWritersGetGapFreeVerifiableReceipts) {
  constexpr int kWriters = 16;
  constexpr int kEntries = 1000;
  std::vector<Signer> writers;
  std::vector<v1::SignedEntry> registrations;
  for (int w = 0; w < kWriters; ++w) {
    writers.push_back(NewWriterKey(absl::StrCat("svc-", w)));
    registrations.push_back(
        RegisterWriterEntry(*admin_, writers.back().verifier(), absl::StrCat("reg-", w)));
  }
  v1::AppendBatchResponse registered;
  ASSERT_TRUE(AppendBatch(registrations, &registered).ok());
  const uint64_t base = Size();

  std::vector<std::vector<v1::Receipt>> receipts(kWriters);
  std::atomic<int> failures{0};
  std::vector<v1::SignedEntry> signed_entries(kWriters * kEntries);
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kEntries; ++i) {
      signed_entries[w * kEntries + i] = GenericEntry(writers[w], absl::StrCat("e-", i));
    }
  }
  const double seconds = AppendConcurrently(kWriters, kEntries, [&](int w, int i) {
    v1::Receipt receipt;
    grpc::Status status = Append(signed_entries[w * kEntries + i], &receipt);
    if (!status.ok()) {
      failures.fetch_add(1);
      return;
    }
    receipts[w].push_back(std::move(receipt));
  });
  std::cerr << kWriters * kEntries << " appends from " << kWriters << " clients in " << seconds
            << " s: " << kWriters * kEntries / seconds << "/s, "
            << server_->stats().batches << " batches\n";
  ASSERT_EQ(failures.load(), 0);

  std::vector<uint64_t> indexes;
  std::map<uint64_t, Checkpoint> seen;   // by size
  std::map<std::string, Checkpoint> opened;  // note -> checkpoint
  for (const std::vector<v1::Receipt>& list : receipts) {
    uint64_t previous = 0;
    for (const v1::Receipt& receipt : list) {
      indexes.push_back(receipt.index());
      EXPECT_GE(receipt.index(), previous);  // one writer's calls are ordered
      previous = receipt.index();
      auto it = opened.find(receipt.checkpoint());
      if (it == opened.end()) {
        absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(receipt.checkpoint(), LogKey());
        ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
        it = opened.emplace(receipt.checkpoint(), *checkpoint).first;
        seen.emplace(checkpoint->size, *checkpoint);
      }
      std::vector<Hash> proof;
      for (const std::string& h : receipt.inclusion_proof()) proof.push_back(*HashFromBytes(h));
      ASSERT_TRUE(VerifyInclusion(receipt.index(), receipt.tree_size(),
                                  *HashFromBytes(receipt.leaf_hash()), proof, it->second.root)
                      .ok())
          << "receipt " << receipt.index();
    }
  }
  std::sort(indexes.begin(), indexes.end());
  ASSERT_EQ(indexes.size(), static_cast<size_t>(kWriters * kEntries));
  for (size_t i = 0; i < indexes.size(); ++i) ASSERT_EQ(indexes[i], base + i);
  EXPECT_EQ(Size(), base + kWriters * kEntries);
  // Group commit happened: fewer checkpoints than entries.
  EXPECT_LT(seen.size(), static_cast<size_t>(kWriters * kEntries));

  // Each checkpoint is consistent with the next one (so with every later one)
  // and with the latest.
  absl::StatusOr<Checkpoint> latest = OpenCheckpoint(LatestCheckpoint().note(), LogKey());
  ASSERT_TRUE(latest.ok());
  const Checkpoint* previous = nullptr;
  for (const auto& [size, checkpoint] : seen) {
    if (previous != nullptr) {
      ASSERT_TRUE(VerifyConsistent(*stub_, *previous, checkpoint).ok()) << size;
    }
    ASSERT_TRUE(VerifyConsistent(*stub_, checkpoint, *latest).ok()) << size;
    previous = &checkpoint;
  }

  // The whole log passes an independent audit: chain, trust chain from
  // genesis, every writer signature, the root.
  LogAuditor auditor(LogKey());
  grpc::ClientContext context;
  auto reader = stub_->GetRecords(&context, v1::GetRecordsRequest());
  v1::RecordResponse record;
  while (reader->Read(&record)) auditor.Add(record.index(), record.leaf());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(auditor.CheckCheckpoint(LatestCheckpoint().note()).ok());
  const AuditReport report = auditor.Finish();
  EXPECT_EQ(report.records, base + kWriters * kEntries);
  EXPECT_TRUE(report.ok()) << FindingText(report.findings.at(0));
  EXPECT_EQ(report.admin_vkey, admin_->verifier().ToString());
  EXPECT_EQ(report.writers.size(), static_cast<size_t>(kWriters));
}

// Group commit does not make concurrent callers wait out max_wait: a batch
// closes once as many calls as the previous batch answered are back. With a
// 1 s max_wait, 4 writers appending 25 entries each one after another would
// take 25 s or more if every batch waited it; they need a few waits at most
// (when a writer stops and fewer callers come back).
TEST_F(LedgerServiceTest, ConcurrentCallersDoNotWaitOutMaxWait) {
  config_.batch.max_wait = absl::Seconds(1);
  RestartServer();
  constexpr int kWriters = 4;
  constexpr int kEntries = 25;
  std::vector<Signer> writers;
  for (int w = 0; w < kWriters; ++w) writers.push_back(Register(absl::StrCat("gather-", w)));
  const uint64_t batches_before = server_->stats().batches;
  std::atomic<int> failures{0};
  const double seconds = AppendConcurrently(kWriters, kEntries, [&](int w, int i) {
    v1::Receipt receipt;
    if (!Append(GenericEntry(writers[w], absl::StrCat("g-", i)), &receipt).ok()) {
      failures.fetch_add(1);
    }
  });
  EXPECT_EQ(failures.load(), 0);
  const uint64_t batches = server_->stats().batches - batches_before;
  EXPECT_LT(seconds, 15.0) << batches << " batches";
  // And they still share batches.
  EXPECT_LT(batches, static_cast<uint64_t>(kWriters * kEntries));
}

TEST_F(LedgerServiceTest, RetriedRequestIdReturnsTheOriginalReceiptAndAppendsNothing) {
  Signer writer = Register("svc-retry");
  const v1::SignedEntry entry = GenericEntry(writer, "once");
  const v1::Receipt original = MustAppend(entry);
  const uint64_t size = Size();

  const v1::Receipt retried = MustAppend(entry);
  EXPECT_TRUE(retried.duplicate());
  EXPECT_EQ(retried.index(), original.index());
  EXPECT_EQ(retried.leaf_hash(), original.leaf_hash());
  EXPECT_TRUE(VerifyReceipt(retried, LogKey()).ok());
  EXPECT_EQ(Size(), size);

  // Twice in one batch, and once more: one record.
  const v1::SignedEntry fresh = GenericEntry(writer, "twice");
  v1::AppendBatchResponse response;
  ASSERT_TRUE(AppendBatch({fresh, fresh, entry}, &response).ok());
  ASSERT_EQ(response.receipts_size(), 3);
  EXPECT_FALSE(response.receipts(0).duplicate());
  EXPECT_TRUE(response.receipts(1).duplicate());
  EXPECT_EQ(response.receipts(1).index(), response.receipts(0).index());
  EXPECT_TRUE(response.receipts(2).duplicate());
  EXPECT_EQ(response.receipts(2).index(), original.index());
  EXPECT_EQ(Size(), size + 1);
  // Every receipt of the mixed call proves its record in the call's checkpoint.
  for (const v1::Receipt& receipt : response.receipts()) {
    EXPECT_TRUE(VerifyReceipt(receipt, LogKey()).ok()) << receipt.index();
  }

  // The same request id with different content is refused.
  ExpectRejected(GenericEntry(writer, "once", "post.deleted"), grpc::StatusCode::ALREADY_EXISTS,
                 "already used for a different entry");
}

TEST_F(LedgerServiceTest, UnknownWriterIsPermissionDenied) {
  Signer stranger = NewWriterKey("svc-stranger");
  ExpectRejected(GenericEntry(stranger, "x"), grpc::StatusCode::PERMISSION_DENIED,
                 "writer svc-stranger");
}

TEST_F(LedgerServiceTest, RevokedWriterIsPermissionDenied) {
  Signer writer = Register("svc-leaked");
  MustAppend(GenericEntry(writer, "before"));
  const v1::Receipt revocation = MustAppend(RevokeWriterEntry(*admin_, writer.verifier(), "revoke"));
  ExpectRejected(GenericEntry(writer, "after"), grpc::StatusCode::PERMISSION_DENIED, "revoked");
  // Registering it again is refused too.
  ExpectRejected(RegisterWriterEntry(*admin_, writer.verifier(), "re-register"),
                 grpc::StatusCode::FAILED_PRECONDITION, "revoked");
  const v1::Info info = Info();
  ASSERT_EQ(info.writers_size(), 1);
  EXPECT_TRUE(info.writers(0).revoked());
  EXPECT_EQ(info.writers(0).revoked_at(), revocation.index());
}

TEST_F(LedgerServiceTest, OnlyTheAdministratorRegistersWriters) {
  Signer writer = Register("svc-a");
  Signer other = NewWriterKey("svc-b");
  v1::Entry entry;
  entry.set_writer(writer.name());
  entry.set_request_id("sneaky");
  entry.mutable_writer_registered()->set_vkey(other.verifier().ToString());
  ExpectRejected(SignEntry(writer, entry), grpc::StatusCode::PERMISSION_DENIED,
                 "may not register or revoke writers");
  // The administrator may not write ordinary events either.
  ExpectRejected(GenericEntry(*admin_, "admin-post"), grpc::StatusCode::PERMISSION_DENIED,
                 "not registered");
}

TEST_F(LedgerServiceTest, BadSignatureIsUnauthenticated) {
  Signer writer = Register("svc-sig");
  v1::SignedEntry entry = GenericEntry(writer, "forged");
  entry.mutable_signature()->at(0) ^= 1;
  ExpectRejected(entry, grpc::StatusCode::UNAUTHENTICATED,
                 "signature does not verify under writer svc-sig");
  // Signed by another key under the writer's name.
  Signer impostor = NewWriterKey("svc-sig");
  v1::SignedEntry stolen = GenericEntry(impostor, "stolen");
  stolen.set_key_id(writer.key_id());
  ExpectRejected(stolen, grpc::StatusCode::UNAUTHENTICATED, "does not verify");
}

TEST_F(LedgerServiceTest, MalformedEntriesAreInvalidArgument) {
  Signer writer = Register("svc-bad");
  v1::SignedEntry empty;
  empty.set_key_id(writer.key_id());
  empty.set_signature(std::string(64, 'x'));
  ExpectRejected(empty, grpc::StatusCode::INVALID_ARGUMENT, "entry is empty");

  v1::SignedEntry garbled = empty;
  garbled.set_entry("\xff\xff\xff\xff garbage");
  ExpectRejected(garbled, grpc::StatusCode::INVALID_ARGUMENT,
                 "entry is not a valid memoria.v1.Entry");

  ExpectRejected(GenericEntry(writer, "big", "post.published",
                              {{"body", std::string(70 << 10, 'a')}}),
                 grpc::StatusCode::INVALID_ARGUMENT, "more than the limit of 65404");
  ExpectRejected(GenericEntry(writer, std::string(129, 'r')), grpc::StatusCode::INVALID_ARGUMENT,
                 "request_id");
  ExpectRejected(GenericEntry(writer, ""), grpc::StatusCode::INVALID_ARGUMENT, "request_id");
  ExpectRejected(GenericEntry(writer, "t", "Post Published"), grpc::StatusCode::INVALID_ARGUMENT,
                 "type");
  v1::Entry no_event;
  no_event.set_writer(writer.name());
  no_event.set_request_id("no-event");
  ExpectRejected(SignEntry(writer, no_event), grpc::StatusCode::INVALID_ARGUMENT, "no event");
  v1::SignedEntry short_signature = GenericEntry(writer, "short");
  short_signature.mutable_signature()->resize(10);
  ExpectRejected(short_signature, grpc::StatusCode::INVALID_ARGUMENT, "signature is 10 bytes");

  // A request without an entry, an empty batch, a batch with one bad entry.
  const uint64_t size = Size();
  {
    grpc::ClientContext context;
    v1::Receipt receipt;
    EXPECT_EQ(stub_->Append(&context, v1::AppendRequest(), &receipt).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  v1::AppendBatchResponse response;
  EXPECT_EQ(AppendBatch({}, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status mixed = AppendBatch({GenericEntry(writer, "ok-1"), garbled}, &response);
  EXPECT_EQ(mixed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(mixed.error_message(), HasSubstr("entry 1:"));
  EXPECT_EQ(Size(), size);

  // Still serving everyone.
  EXPECT_TRUE(VerifyReceipt(MustAppend(GenericEntry(writer, "fine")), LogKey()).ok());
}

// Event times outside [--min-event-time, now + --max-event-time-ahead] are
// INVALID_ARGUMENT naming the time and the window; nothing is stored, and a
// batch holding one such entry is refused whole.
TEST_F(LedgerServiceTest, EventTimesOutsideTheWindowAreInvalidArgument) {
  Signer writer = Register("svc-time");
  constexpr int64_t kMinMicros = int64_t{1'000'000'000} * 1'000'000;  // 2001-09-09T01:46:40Z
  config_.min_event_time = absl::FromUnixMicros(kMinMicros);
  config_.max_event_time_ahead = absl::Hours(1);
  RestartServer();
  int request = 0;
  const auto at = [&](int64_t event_time_micros) {
    v1::Entry entry;
    entry.set_writer(writer.name());
    entry.set_request_id(absl::StrCat("time-", ++request));
    entry.set_event_time_micros(event_time_micros);
    entry.mutable_generic()->set_type("post.published");
    return SignEntry(writer, entry);
  };
  ExpectRejected(at(kMinMicros - 1), grpc::StatusCode::INVALID_ARGUMENT,
                 "event_time_micros 999999999999999 (2001-09-09T01:46:39.999999+00:00) is "
                 "outside the accepted window [2001-09-09T01:46:40+00:00, ");
  MustAppend(at(kMinMicros));
  // The upper bound moves with the clock: a minute either side of it.
  const int64_t latest = absl::ToUnixMicros(absl::Now() + absl::Hours(1));
  ExpectRejected(at(latest + 60'000'000), grpc::StatusCode::INVALID_ARGUMENT,
                 "now + --max-event-time-ahead 1h");
  MustAppend(at(latest - 60'000'000));
  ExpectRejected(at(std::numeric_limits<int64_t>::min()), grpc::StatusCode::INVALID_ARGUMENT,
                 "event_time_micros -9223372036854775808 (");
  ExpectRejected(at(std::numeric_limits<int64_t>::max()), grpc::StatusCode::INVALID_ARGUMENT,
                 "event_time_micros 9223372036854775807 (");
  const int64_t nanoseconds = absl::ToUnixNanos(absl::Now());  // sent as microseconds
  ExpectRejected(at(nanoseconds), grpc::StatusCode::INVALID_ARGUMENT,
                 "is outside the accepted window");

  const uint64_t size = Size();
  v1::AppendBatchResponse response;
  grpc::Status mixed = AppendBatch({at(kMinMicros + 1), at(kMinMicros - 1)}, &response);
  EXPECT_EQ(mixed.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << StatusText(mixed);
  EXPECT_THAT(mixed.error_message(), HasSubstr("entry 1: event_time_micros"));
  EXPECT_EQ(Size(), size);
}

// Records stored with odd event times (here by a server whose window is
// unbounded, as before the window existed) are found by the Query and Export
// ranges that hold them, before and after a restart with the default window,
// and an open-ended range still finds everything else.
TEST_F(LedgerServiceTest, OddEventTimesStoredEarlierAreStillFoundByQueryAndExport) {
  config_.min_event_time = absl::InfinitePast();
  config_.max_event_time_ahead = absl::InfiniteDuration();
  RestartServer();
  Signer writer = Register("svc-odd");
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t now = absl::ToUnixMicros(absl::Now());
  const std::vector<int64_t> times = {kMin, now - 1, kMax, now * 1000, now};
  std::map<uint64_t, int64_t> time_of;  // index -> event time
  for (size_t i = 0; i < times.size(); ++i) {
    v1::Entry entry;
    entry.set_writer(writer.name());
    entry.set_request_id(absl::StrCat("odd-", i));
    entry.set_event_time_micros(times[i]);
    entry.mutable_generic()->set_type("post.published");
    time_of[MustAppend(SignEntry(writer, entry)).index()] = times[i];
  }
  const auto expected = [&](std::optional<int64_t> from, std::optional<int64_t> to) {
    std::vector<uint64_t> indexes;
    for (const auto& [index, time] : time_of) {
      if ((!from || time >= *from) && (!to || time < *to)) indexes.push_back(index);
    }
    return indexes;
  };
  const auto filter_of = [](std::optional<int64_t> from, std::optional<int64_t> to) {
    v1::QueryFilter filter;
    filter.add_writers("svc-odd");
    if (from) filter.mutable_event_time()->set_from_micros(*from);
    if (to) filter.mutable_event_time()->set_to_micros(*to);
    return filter;
  };
  const auto query = [&](const v1::QueryFilter& filter) {
    std::vector<uint64_t> indexes;
    v1::QueryRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(2);
    do {
      grpc::ClientContext context;
      v1::QueryResponse response;
      grpc::Status status = transparency_stub_->Query(&context, request, &response);
      EXPECT_TRUE(status.ok()) << StatusText(status);
      if (!status.ok()) break;
      for (const v1::QueryRecord& record : response.records()) indexes.push_back(record.index());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return indexes;
  };
  const auto exported = [&](const v1::QueryFilter& filter) {
    std::vector<uint64_t> indexes;
    grpc::ClientContext context;
    v1::ExportRequest request;
    *request.mutable_filter() = filter;
    std::unique_ptr<grpc::ClientReader<v1::ExportItem>> reader =
        transparency_stub_->Export(&context, request);
    v1::ExportItem item;
    while (reader->Read(&item)) {
      for (const v1::ExportedRecord& record : item.records()) {
        if (!record.trust()) indexes.push_back(record.index());
      }
    }
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return indexes;
  };
  for (int start = 0; start < 2; ++start) {
    if (start == 1) {  // the default window: the stored records stay found
      config_ = server::testing::TestServerConfig(config_.data_dir);
      RestartServer();
    }
    const std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> ranges = {
        {kMin, std::nullopt}, {std::nullopt, kMax}, {now - 1, std::nullopt},
        {std::nullopt, now}, {kMin, kMin + 1},      {kMax - 1, std::nullopt},
        {now, now + 1}};
    for (const auto& [from, to] : ranges) {
      const v1::QueryFilter filter = filter_of(from, to);
      EXPECT_EQ(query(filter), expected(from, to)) << filter.ShortDebugString();
      EXPECT_EQ(exported(filter), expected(from, to)) << filter.ShortDebugString();
    }
    EXPECT_EQ(query(filter_of(kMin, std::nullopt)).size(), times.size());
  }
}

TEST_F(LedgerServiceTest, OversizedMessageIsResourceExhausted) {
  Signer writer = Register("svc-huge");
  const uint64_t size = Size();
  std::vector<v1::SignedEntry> entries;
  for (int i = 0; i < 80; ++i) {
    entries.push_back(GenericEntry(writer, absl::StrCat("h-", i), "post.published",
                                   {{"body", std::string(60 << 10, 'a')}}));
  }
  v1::AppendBatchResponse response;
  grpc::Status status = AppendBatch(entries, &response);  // about 4.8 MiB
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << StatusText(status);
  EXPECT_EQ(Size(), size);
}

TEST_F(LedgerServiceTest, TooManyEntriesInABatchIsRefused) {
  Signer writer = Register("svc-many");
  std::vector<v1::SignedEntry> entries;
  for (int i = 0; i < 1001; ++i) entries.push_back(GenericEntry(writer, absl::StrCat("m-", i)));
  v1::AppendBatchResponse response;
  grpc::Status status = AppendBatch(entries, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("limit of 1000"));
}

TEST_F(LedgerServiceTest, RestartKeepsRecordsCheckpointsAndWriters) {
  Signer writer = Register("svc-durable");
  std::vector<v1::Receipt> receipts;
  for (int i = 0; i < 10; ++i) receipts.push_back(MustAppend(GenericEntry(writer, absl::StrCat("d-", i))));
  const v1::CheckpointResponse before = LatestCheckpoint();
  const std::string log_vkey = LogKey().ToString();

  RestartServer();

  EXPECT_EQ(LogKey().ToString(), log_vkey);
  const v1::CheckpointResponse after = LatestCheckpoint();
  EXPECT_EQ(after.tree_size(), before.tree_size());
  EXPECT_EQ(after.root_hash(), before.root_hash());
  for (const v1::Receipt& receipt : receipts) {
    EXPECT_EQ(std::string(AsBytes(LeafHash(GetLeaf(receipt.index())))), receipt.leaf_hash());
    EXPECT_TRUE(VerifyReceipt(receipt, LogKey()).ok());
  }
  const v1::Info info = Info();
  ASSERT_EQ(info.writers_size(), 1);
  EXPECT_EQ(info.writers(0).vkey(), writer.verifier().ToString());
  // The writer still writes, and retries are still recognized.
  EXPECT_TRUE(MustAppend(GenericEntry(writer, "d-0")).duplicate());
  const v1::Receipt next = MustAppend(GenericEntry(writer, "after-restart"));
  EXPECT_EQ(next.index(), before.tree_size());
  absl::StatusOr<Checkpoint> old_checkpoint = OpenCheckpoint(before.note(), LogKey());
  absl::StatusOr<Checkpoint> new_checkpoint = VerifyReceipt(next, LogKey());
  ASSERT_TRUE(old_checkpoint.ok() && new_checkpoint.ok());
  EXPECT_TRUE(VerifyConsistent(*stub_, *old_checkpoint, *new_checkpoint).ok());
}

TEST_F(LedgerServiceTest, WatchDeliversRecordsAppendedAfterItStarted) {
  Signer writer = Register("svc-watch");
  MustAppend(GenericEntry(writer, "w-0"));  // index 2
  grpc::ClientContext context;
  v1::WatchRequest request;
  request.set_start(2);
  auto reader = stub_->Watch(&context, request);
  v1::RecordResponse record;
  ASSERT_TRUE(reader->Read(&record));
  EXPECT_EQ(record.index(), 2u);

  std::thread appender([&] {
    for (int i = 1; i <= 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      MustAppend(GenericEntry(writer, absl::StrCat("w-", i)));
    }
  });
  for (uint64_t expected = 3; expected <= 7; ++expected) {
    ASSERT_TRUE(reader->Read(&record));
    EXPECT_EQ(record.index(), expected);
    EXPECT_EQ(record.leaf(), GetLeaf(expected));
  }
  appender.join();
  context.TryCancel();
  while (reader->Read(&record)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(LedgerServiceTest, ShutdownEndsWatchStreamsAndRefusesNewAppends) {
  grpc::ClientContext context;
  v1::WatchRequest request;
  request.set_start(100);  // beyond the log: waits
  auto reader = stub_->Watch(&context, request);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  v1::RecordResponse record;
  EXPECT_FALSE(reader->Read(&record));
  EXPECT_FALSE(reader->Finish().ok());
}

TEST_F(LedgerServiceTest, HealthServiceReportsServing) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  grpc::ByteBuffer request;  // HealthCheckRequest{service: ""} is empty
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                   grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(), method, &context, request, &response);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

// The callback methods parse their requests themselves: garbage bytes are
// INVALID_ARGUMENT saying what did not parse (gRPC's typed callback handler
// answered UNIMPLEMENTED with an empty message).
TEST_F(LedgerServiceTest, AGarbledRequestToACallbackMethodIsInvalidArgument) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials());
  const std::string garbage = "\xff\xff\xff\xff\xff garbage";
  for (const char* method : {"Append", "AppendBatch", "GetRecord", "GetCheckpoint",
                             "GetInclusionProof", "GetConsistencyProof", "GetInfo"}) {
    SCOPED_TRACE(method);
    grpc::ClientContext context;
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    const std::string path = absl::StrCat("/memoria.v1.Ledger/", method);  // RpcMethod keeps a pointer
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel.get(), rpc, &context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr("the request does not parse as a memoria.v1."));
  }
  // The server still serves.
  EXPECT_EQ(Info().tree_size(), Size());
}

// What a client sends (here a writer name) is escaped in the server's log
// lines: it can neither forge a line nor break one.
TEST_F(LedgerServiceTest, ClientTextIsEscapedInLogLines) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%v");
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  const Signer forger = NewWriterKey("forger");
  v1::Entry entry;
  entry.set_writer("svc\n[2026-01-01 00:00:00.000] [info] forged\x01\x1b[31m");
  entry.set_request_id("forge\r\n1");
  entry.mutable_generic()->set_type("post.published");
  v1::Receipt receipt;
  const grpc::Status status = Append(SignEntry(forger, entry), &receipt);
  logger->flush();
  spdlog::set_default_logger(previous);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << StatusText(status);

  const std::string log = captured.str();
  EXPECT_THAT(log, HasSubstr("writer svc\\n[2026-01-01 00:00:00.000] [info] forged\\x01\\x1b[31m key"));
  // Two lines, each with its own end: the rejection, then the end of the
  // call (server/call_interceptor.h), and no forged one between them.
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << log;
  EXPECT_THAT(log, ::testing::EndsWith(" is not registered in this ledger\ncall ended\n")) << log;
  EXPECT_EQ(log.find('\x01'), std::string::npos);
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
}

TEST_F(LedgerServiceTest, ExpiredDeadlineIsAnsweredAndTheServerKeepsServing) {
  Signer writer = Register("svc-deadline");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() - std::chrono::milliseconds(1));
  v1::AppendRequest request;
  *request.mutable_entry() = GenericEntry(writer, "late");
  v1::Receipt receipt;
  EXPECT_EQ(stub_->Append(&context, request, &receipt).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(VerifyReceipt(MustAppend(GenericEntry(writer, "on-time")), LogKey()).ok());
}

}  // namespace
}  // namespace memoria::server
