// Appends whose caller gives up while their entries wait in the sequencer's
// queue: they are withdrawn and nothing of them is appended (the contract in
// server/ledger_service.h); and calls still queued at shutdown are written and
// answered. The sequencer is held inside a batch by an observer that blocks
// until the test opens it, so a later call stays queued.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/sequencer/sequencer.h"
#include "ledger/sequencer/writer_registry.h"
#include "ledger/views.h"
#include "server/ledger_service.h"
#include "tests/server/server_test_util.h"
#include "tests/support/gate.h"

namespace memoria::server {
namespace {

using testing::GenericEntry;
using testing::NewWriterKey;
using testing::RegisterWriterEntry;
using testing::StatusText;
using testing::TempDir;

// Holds the sequencer in its observer while closed.
class HeldObserver final : public BatchObserver {
 public:
  absl::Status OnRecord(uint64_t, int64_t, const v1::Entry&, std::vector<StatePut>&) override {
    gate.Pass();
    return absl::OkStatus();
  }
  ::memoria::testing::Gate gate;
};

class AppendCancellationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogOptions options;
    options.path = dir_.path() + "/db";
    absl::StatusOr<std::unique_ptr<Log>> log = Log::Open(options, log_key_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    absl::StatusOr<std::unique_ptr<WriterRegistry>> registry = WriterRegistry::Load(*log_);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    sequencer_ = std::make_unique<Sequencer>(*log_, *registry_, BatchLimits{}, &observer_);
    service_ = std::make_unique<LedgerService>(*log_, *registry_, *sequencer_, admin_.verifier(),
                                               long_reads_, LedgerServiceOptions{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = testing::NewLocalStub(port);
    ASSERT_TRUE(Append(RegisterWriterEntry(admin_, writer_.verifier(), "register")).ok());
  }

  void TearDown() override {
    gate_.Open();
    if (holder_.joinable()) holder_.join();
    if (sequencer_ != nullptr) sequencer_->Stop();
    if (server_ != nullptr) server_->Shutdown();
  }

  grpc::Status Append(const v1::SignedEntry& entry,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                      v1::Receipt* receipt = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt ignored;
    return stub_->Append(&context, request, receipt != nullptr ? receipt : &ignored);
  }

  // Closes the gate and appends one entry in the background: the sequencer
  // is held in its batch when this returns.
  void HoldTheSequencer() {
    gate_.Close();
    holder_ = std::thread([this] { held_ = Append(GenericEntry(writer_, "held")); });
    gate_.AwaitHeld();
  }

  // Opens the gate; the held entry is appended.
  void Release() {
    gate_.Open();
    holder_.join();
    EXPECT_TRUE(held_.ok()) << StatusText(held_);
  }

  // Waits until `entries` entries wait in the sequencer's queue.
  void AwaitQueued(uint64_t entries) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (sequencer_->stats().queued < entries && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(sequencer_->stats().queued, entries);
  }

  // Waits until the server has answered `count` append calls with an error:
  // a client's own deadline or cancellation ends its call before the server
  // hears of it.
  void AwaitRejections(uint64_t count) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (service_->rejected() < count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(service_->rejected(), count);
  }

  TempDir dir_;
  const Signer log_key_ = (InitCrypto(), NewWriterKey("cancel.test/log"));
  const Signer admin_ = NewWriterKey("cancel.test/admin");
  const Signer writer_ = NewWriterKey("svc-cancel");
  HeldObserver observer_;
  ::memoria::testing::Gate& gate_ = observer_.gate;
  std::thread holder_;
  grpc::Status held_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<WriterRegistry> registry_;
  std::unique_ptr<Sequencer> sequencer_;
  LongReads long_reads_{64, absl::Seconds(30)};
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
};

TEST_F(AppendCancellationTest, DeadlinePassingWhileQueuedAppendsNothing) {
  HoldTheSequencer();
  const uint64_t size = log_->Size();

  const grpc::Status late = Append(GenericEntry(writer_, "late"), std::chrono::milliseconds(300));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << StatusText(late);
  AwaitRejections(1);

  Release();
  // Only the held entry was appended; the late one, retried, is new.
  EXPECT_EQ(log_->Size(), size + 1);
  v1::Receipt retry;
  ASSERT_TRUE(Append(GenericEntry(writer_, "late"), std::chrono::seconds(20), &retry).ok());
  EXPECT_FALSE(retry.duplicate());
  EXPECT_EQ(retry.index(), size + 1);
}

TEST_F(AppendCancellationTest, CancelledWhileQueuedAppendsNothing) {
  HoldTheSequencer();
  const uint64_t size = log_->Size();

  grpc::ClientContext context;
  grpc::Status abandoned;
  std::thread caller([&] {
    v1::AppendRequest request;
    *request.mutable_entry() = GenericEntry(writer_, "abandoned");
    v1::Receipt receipt;
    abandoned = stub_->Append(&context, request, &receipt);
  });
  AwaitQueued(1);
  context.TryCancel();
  caller.join();
  EXPECT_EQ(abandoned.error_code(), grpc::StatusCode::CANCELLED) << StatusText(abandoned);
  AwaitRejections(1);

  Release();
  sequencer_->Stop();  // writes and answers whatever is still queued
  EXPECT_EQ(log_->Size(), size + 1) << "the cancelled entry was appended";
}

TEST_F(AppendCancellationTest, TakenEntriesAreAppendedEvenIfTheCallerGivesUp) {
  gate_.Close();
  grpc::Status held;
  // The held call's own deadline passes while the sequencer holds its batch.
  std::thread holder([&] {
    held = Append(GenericEntry(writer_, "taken"), std::chrono::milliseconds(300));
  });
  gate_.AwaitHeld();
  const uint64_t size = log_->Size();
  holder.join();
  EXPECT_EQ(held.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << StatusText(held);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server hears of it

  gate_.Open();
  v1::Receipt retry;
  ASSERT_TRUE(Append(GenericEntry(writer_, "taken"), std::chrono::seconds(20), &retry).ok());
  EXPECT_TRUE(retry.duplicate()) << "the entry taken into a batch was appended in full";
  EXPECT_EQ(retry.index(), size);
  EXPECT_EQ(log_->Size(), size + 1);
  EXPECT_EQ(service_->rejected(), 0u) << "the taken call was answered with an error";
}

TEST_F(AppendCancellationTest, ABatchPastItsDeadlineWhileQueuedAppendsNoneOfItsEntries) {
  HoldTheSequencer();
  const uint64_t size = log_->Size();

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  v1::AppendBatchRequest request;
  for (const char* id : {"b-1", "b-2", "b-3"}) *request.add_entries() = GenericEntry(writer_, id);
  v1::AppendBatchResponse response;
  const grpc::Status late = stub_->AppendBatch(&context, request, &response);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << StatusText(late);
  AwaitRejections(1);

  Release();
  sequencer_->Stop();
  EXPECT_EQ(log_->Size(), size + 1) << "entries of the withdrawn batch were appended";
}

TEST_F(AppendCancellationTest, ShutdownWritesAndAnswersTheCallsStillQueued) {
  HoldTheSequencer();
  const uint64_t size = log_->Size();

  grpc::Status queued;
  v1::AppendBatchResponse response;
  std::thread caller([&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::AppendBatchRequest request;
    for (const char* id : {"q-1", "q-2", "q-3"}) *request.add_entries() = GenericEntry(writer_, id);
    queued = stub_->AppendBatch(&context, request, &response);
  });
  AwaitQueued(3);
  // Stop waits for the held batch, then writes and answers what is queued.
  std::thread stopper([&] { sequencer_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Release();
  stopper.join();
  caller.join();
  ASSERT_TRUE(queued.ok()) << StatusText(queued);
  ASSERT_EQ(response.receipts_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(response.receipts(i).index(), size + 1 + i);
  EXPECT_EQ(log_->Size(), size + 4);

  // Intake is closed; the gRPC server then stops at once.
  EXPECT_EQ(Append(GenericEntry(writer_, "after")).error_code(), grpc::StatusCode::UNAVAILABLE);
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace memoria::server
