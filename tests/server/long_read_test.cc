// Long reads (GetRecords, Watch, Export) are bounded: a cap on how many run
// at once (RESOURCE_EXHAUSTED past it), a stalled client's stream cancelled
// after the stall timeout, and the unary calls answering while the cap is
// held. An in-process Server on 127.0.0.1 port 0.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/keys.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewLocalTransparencyStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::testing::HasSubstr;

constexpr size_t kMaxLongReads = 2;
constexpr char kTooMany[] = "too many concurrent long reads (2); retry later";

// A stub on its own connection whose receive window stays at gRPC's initial
// 64 KiB (no BDP probing): a client that does not read stalls the server's
// writes after a few records.
std::unique_ptr<v1::Ledger::Stub> NewFixedWindowStub(int port, int connection) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("memoria.test.connection", connection);
  args.SetMaxReceiveMessageSize(64 << 20);
  return v1::Ledger::NewStub(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                                       grpc::InsecureChannelCredentials(), args));
}

// A stream the test holds: its context and reader.
struct HeldStream {
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader;
};

class LongReadTest : public ::testing::Test {
 protected:
  void Start(absl::Duration stall_timeout) {
    spdlog::set_level(spdlog::level::warn);
    ServerConfig config = server::testing::TestServerConfig(dir_.path() + "/data");
    config.max_long_reads = kMaxLongReads;
    config.stream_stall_timeout = stall_timeout;
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = NewLocalStub(server_->port());
    transparency_stub_ = NewLocalTransparencyStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(config.data_dir + "/keys/admin.key");
    ASSERT_TRUE(admin.ok()) << admin.status();
    writer_ = std::make_unique<Signer>(NewWriterKey("svc-bulk"));
    const Signer& writer = *writer_;
    Append({RegisterWriterEntry(*admin, writer.verifier(), "register")});
    // 40 records of ~48 KiB: far more than a 64 KiB window holds.
    for (int batch = 0; batch < 4; ++batch) {
      std::vector<v1::SignedEntry> entries;
      for (int i = 0; i < 10; ++i) {
        entries.push_back(GenericEntry(writer, absl::StrCat("bulk-", batch, "-", i),
                                       "post.published",
                                       {{"payload", std::string(48 << 10, 'x')}}));
      }
      Append(entries);
    }
    size_ = 42;  // genesis, registration, 40 bulk records
  }

  void Append(const std::vector<v1::SignedEntry>& entries) {
    grpc::ClientContext context;
    v1::AppendBatchRequest request;
    for (const v1::SignedEntry& entry : entries) *request.add_entries() = entry;
    v1::AppendBatchResponse response;
    const grpc::Status status = stub_->AppendBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }

  // A Watch from the last record that has received it (so it is admitted)
  // and then waits for the next: idle, not stalled.
  HeldStream Watch(v1::Ledger::Stub& stub) {
    HeldStream held;
    v1::WatchRequest request;
    request.set_start(size_ - 1);  // the last record: one small write, then waiting
    held.reader = stub.Watch(held.context.get(), request);
    v1::RecordResponse record;
    EXPECT_TRUE(held.reader->Read(&record));
    return held;
  }

  // A GetRecords of the whole log that reads one record and then nothing.
  HeldStream StalledGetRecords(v1::Ledger::Stub& stub) {
    HeldStream held;
    held.reader = stub.GetRecords(held.context.get(), v1::GetRecordsRequest());
    v1::RecordResponse record;
    EXPECT_TRUE(held.reader->Read(&record));
    return held;
  }

  // How a GetRecords of records [0, 2) ends.
  grpc::Status ShortGetRecords() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetRecordsRequest request;
    request.set_end(2);
    auto reader = stub_->GetRecords(&context, request);
    v1::RecordResponse record;
    while (reader->Read(&record)) {
    }
    return reader->Finish();
  }

  // How an Export of the genesis record ends.
  grpc::Status ShortExport() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ExportRequest request;
    request.mutable_filter()->add_event_types("genesis");
    auto reader = transparency_stub_->Export(&context, request);
    v1::ExportItem item;
    while (reader->Read(&item)) {
    }
    return reader->Finish();
  }

  // Cancels a held stream and reads it to its end; returns its status.
  static grpc::Status Close(HeldStream& held) {
    held.context->TryCancel();
    v1::RecordResponse record;
    while (held.reader->Read(&record)) {
    }
    return held.reader->Finish();
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<v1::Transparency::Stub> transparency_stub_;
  std::unique_ptr<Signer> writer_;
  uint64_t size_ = 0;
};

TEST_F(LongReadTest, LongReadBeyondTheCapIsResourceExhaustedUntilOneEnds) {
  Start(absl::Seconds(30));
  HeldStream first = Watch(*stub_);
  HeldStream second = Watch(*stub_);

  const grpc::Status records = ShortGetRecords();
  EXPECT_EQ(records.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << StatusText(records);
  EXPECT_THAT(records.error_message(), HasSubstr(kTooMany));
  const grpc::Status exported = ShortExport();
  EXPECT_EQ(exported.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << StatusText(exported);
  EXPECT_THAT(exported.error_message(), HasSubstr(kTooMany));
  HeldStream third;
  third.reader = stub_->Watch(third.context.get(), v1::WatchRequest());
  v1::RecordResponse record;
  EXPECT_FALSE(third.reader->Read(&record));
  EXPECT_EQ(third.reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The place comes back once a held stream ends (the server notices the
  // cancellation a moment later).
  EXPECT_EQ(Close(first).error_code(), grpc::StatusCode::CANCELLED);
  grpc::Status after = ShortGetRecords();
  for (int tries = 0; !after.ok() && tries < 100; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    after = ShortGetRecords();
  }
  EXPECT_TRUE(after.ok()) << StatusText(after);
  Close(second);
}

TEST_F(LongReadTest, StalledStreamIsCancelledAfterTheStallTimeoutAndItsPlaceFreed) {
  Start(absl::Seconds(2));
  std::unique_ptr<v1::Ledger::Stub> stalled_stub = NewFixedWindowStub(server_->port(), 1);
  HeldStream stalled = StalledGetRecords(*stalled_stub);
  HeldStream idle = Watch(*stub_);  // idle for longer than the timeout: never cancelled

  // Both places are taken while the stalled stream waits...
  const grpc::Status refused = ShortGetRecords();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << StatusText(refused);
  // ...until the server cancels it: a long read is admitted again.
  grpc::Status admitted = ShortGetRecords();
  for (int tries = 0; !admitted.ok() && tries < 100; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    admitted = ShortGetRecords();
  }
  EXPECT_TRUE(admitted.ok()) << StatusText(admitted);

  // The stalled client then finds its stream cut short, CANCELLED.
  uint64_t received = 1;
  v1::RecordResponse record;
  while (stalled.reader->Read(&record)) ++received;
  const grpc::Status ended = stalled.reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::CANCELLED) << StatusText(ended);
  EXPECT_LT(received, size_);

  // The idle Watch was not stalled: it still follows the log.
  Append({GenericEntry(*writer_, "after-the-stall")});
  ASSERT_TRUE(idle.reader->Read(&record));
  EXPECT_EQ(record.index(), size_);
  EXPECT_EQ(Close(idle).error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(LongReadTest, UnaryCallsAnswerWhileLongReadsAreHeldAndRefused) {
  Start(absl::Seconds(30));
  std::vector<std::unique_ptr<v1::Ledger::Stub>> stubs;
  std::vector<HeldStream> held;
  for (int i = 0; i < 2; ++i) {
    stubs.push_back(NewFixedWindowStub(server_->port(), 10 + i));
    held.push_back(StalledGetRecords(*stubs.back()));
  }
  for (int i = 0; i < 20; ++i) {
    const grpc::Status refused = ShortGetRecords();
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << StatusText(refused);
  }
  const auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(5);
  };
  {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::CheckpointResponse checkpoint;
    const grpc::Status status =
        stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &checkpoint);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(checkpoint.tree_size(), size_);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::Info info;
    const grpc::Status status = stub_->GetInfo(&context, v1::GetInfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << StatusText(status);
  }
  {
    // A blocking handler: it still gets a thread.
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::QueryRequest request;
    request.mutable_filter()->add_event_types("genesis");
    v1::QueryResponse response;
    const grpc::Status status = transparency_stub_->Query(&context, request, &response);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(response.records_size(), 1);
  }
  for (HeldStream& stream : held) Close(stream);
}

}  // namespace
}  // namespace memoria::server
