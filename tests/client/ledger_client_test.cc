// LedgerClient against a real in-process memoria-server: appends with retries,
// verified reads, and refusal of checkpoints signed by another key, of forks
// and of rollbacks, the trusted state advancing only after success.
#include "client/ledger_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/entry_signer.h"
#include "client/errors.h"
#include "client/range_export.h"
#include "client/receipt.h"
#include "client/trusted_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/bundle.h"
#include "ledger/merkle.h"
#include "ledger/store.h"
#include "tests/support/free_port.h"
#include "tests/client/client_test_util.h"

namespace memoria::client {
namespace {

// Counts the calls a channel starts, by method ("/memoria.v1.Transparency/Export").
class CallCounter : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    absl::MutexLock lock(&mu_);
    ++calls_[info->method()];
    return nullptr;  // observes; intercepts nothing
  }
  int calls(const std::string& method) const {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
};

using ::memoria::testing::FreePort;
using ::memoria::client::testing::MustClient;
using ::memoria::client::testing::MustReadKey;
using ::memoria::client::testing::MustStart;
using ::memoria::client::testing::Server;
using ::memoria::client::testing::ServerConfig;
using ::memoria::client::testing::TempDir;
using ::memoria::client::testing::RestartTestServerConfig;
using ::memoria::client::testing::TestServerConfig;
using ::testing::HasSubstr;

v1::SignedEntry Must(absl::StatusOr<v1::SignedEntry> entry) {
  EXPECT_TRUE(entry.ok()) << entry.status();
  return entry.ok() ? *std::move(entry) : v1::SignedEntry();
}

class LedgerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    state_file_ = dir_.path() + "/client.state";
    server_ = MustStart(TestServerConfig(data_dir_));
    ASSERT_NE(server_, nullptr);
  }

  const Verifier& LogKey() const { return server_->log_verifier(); }
  std::unique_ptr<LedgerClient> Client(const std::string& state = "") {
    return MustClient(server_->port(), LogKey(), state);
  }

  // Registers a new writer through `client`; returns its signer.
  EntrySigner Register(LedgerClient& client, const std::string& name,
                       const std::string& admin_dir = "") {
    const Signer admin =
        MustReadKey((admin_dir.empty() ? data_dir_ : admin_dir) + "/keys/admin.key");
    Signer writer = server::testing::NewWriterKey(name);
    absl::StatusOr<v1::Receipt> receipt = client.Append(
        Must(EntrySigner(admin).RegisterWriter(writer.verifier().ToString(), "test writer")));
    EXPECT_TRUE(receipt.ok()) << receipt.status();
    return EntrySigner(std::move(writer));
  }

  // Appends `count` generic entries; returns their receipts.
  std::vector<v1::Receipt> AppendSome(LedgerClient& client, const EntrySigner& writer, int count) {
    std::vector<v1::Receipt> receipts;
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<v1::Receipt> receipt = client.Append(
          Must(writer.Generic("post.published", {{"n", std::to_string(i)}})));
      EXPECT_TRUE(receipt.ok()) << receipt.status();
      if (receipt.ok()) receipts.push_back(*receipt);
    }
    return receipts;
  }

  // Registers "writer-a" and appends 10 posts through `client`: a log of 12
  // records (genesis, registration, posts). Returns the writer.
  EntrySigner TwelveRecords(LedgerClient& client) {
    EntrySigner writer = Register(client, "writer-a");
    AppendSome(client, writer, 10);
    absl::StatusOr<TrustedCheckpoint> trusted = client.Update();
    EXPECT_TRUE(trusted.ok() && trusted->checkpoint.size == 12u);
    return writer;
  }

  // A client over a channel whose calls `counter` (owned by the channel)
  // counts, reading `records_per_call` records per call.
  std::unique_ptr<LedgerClient> CountedClient(uint64_t records_per_call, CallCounter*& counter) {
    ClientOptions options;
    options.log_key = LogKey();
    options.records_per_call = records_per_call;
    counter = new CallCounter();
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
    interceptors.emplace_back(counter);
    std::shared_ptr<grpc::Channel> channel = grpc::experimental::CreateCustomChannelWithInterceptors(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials(),
        grpc::ChannelArguments(), std::move(interceptors));
    absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options, channel);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string StateText() const {
    absl::StatusOr<std::string> text = ReadFile(state_file_);
    return text.ok() ? *text : "";
  }

  TempDir dir_;
  std::string data_dir_;
  std::string state_file_;
  std::unique_ptr<Server> server_;
};

TEST_F(LedgerClientTest, AppendsAndReadsVerifiedRecords) {
  std::unique_ptr<LedgerClient> client = Client(state_file_);
  EntrySigner writer = Register(*client, "alcaldia-web");
  std::vector<v1::Receipt> receipts = AppendSome(*client, writer, 6);
  ASSERT_EQ(receipts.size(), 6u);
  for (const v1::Receipt& receipt : receipts) EXPECT_TRUE(client->VerifyReceipt(receipt).ok());

  absl::StatusOr<VerifiedRecord> record = client->GetRecord(receipts[2].index());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(std::string(AsBytes(record->leaf_hash)), receipts[2].leaf_hash());
  EXPECT_EQ(record->record.index(), receipts[2].index());
  v1::Entry entry;
  ASSERT_TRUE(entry.ParseFromString(record->record.entry()));
  EXPECT_EQ(entry.writer(), "alcaldia-web");
  EXPECT_EQ(entry.generic().attributes().at("n"), "2");

  // The whole log (through the recomputed root) and a part (through proofs).
  absl::StatusOr<std::vector<VerifiedRecord>> all = client->GetRecords(0, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), server_->stats().tree_size);
  absl::StatusOr<std::vector<VerifiedRecord>> part = client->GetRecords(2, 5);
  ASSERT_TRUE(part.ok()) << part.status();
  ASSERT_EQ(part->size(), 3u);
  EXPECT_EQ(part->front().index, 2u);

  // The trusted state was saved and names the latest checkpoint.
  std::optional<TrustedCheckpoint> trusted = client->Trusted();
  ASSERT_TRUE(trusted.has_value());
  EXPECT_EQ(trusted->checkpoint.size, all->size());
  EXPECT_EQ(StateText(), trusted->note);
}

TEST_F(LedgerClientTest, RetryOfTheSameEntryReturnsTheSameIndex) {
  std::unique_ptr<LedgerClient> client = Client();
  EntrySigner writer = Register(*client, "writer-a");
  const v1::SignedEntry entry = Must(writer.Generic("post.published", {{"url", "x"}}));
  absl::StatusOr<v1::Receipt> first = client->Append(entry);
  absl::StatusOr<v1::Receipt> again = client->Append(entry);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(first->index(), again->index());
  EXPECT_EQ(first->leaf_hash(), again->leaf_hash());
  EXPECT_FALSE(first->duplicate());
  EXPECT_TRUE(again->duplicate());
}

TEST_F(LedgerClientTest, AppendBatchReturnsOneVerifiedReceiptPerEntry) {
  std::unique_ptr<LedgerClient> client = Client();
  EntrySigner writer = Register(*client, "writer-b");
  std::vector<v1::SignedEntry> entries;
  for (int i = 0; i < 4; ++i) entries.push_back(Must(writer.Generic("reply.published", {})));
  absl::StatusOr<std::vector<v1::Receipt>> receipts = client->AppendBatch(entries);
  ASSERT_TRUE(receipts.ok()) << receipts.status();
  ASSERT_EQ(receipts->size(), 4u);
  for (size_t i = 1; i < receipts->size(); ++i) {
    EXPECT_EQ((*receipts)[i].index(), (*receipts)[0].index() + i);
  }
}

TEST(LedgerClientRetryTest, AppendRetriesUntilTheServerIsUp) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  absl::StatusOr<Signer> admin = Signer::Generate("admin");
  ASSERT_TRUE(admin.ok());
  const std::string admin_key = dir.path() + "/admin.key";
  ASSERT_TRUE(WriteSignerKeyFile(admin_key, *admin).ok());
  const int port = FreePort();
  ServerConfig config = TestServerConfig(data_dir, port);
  config.admin_key_file = admin_key;

  std::unique_ptr<Server> server;
  int sleeps = 0;
  ClientOptions options;
  options.connection.target = absl::StrCat("127.0.0.1:", port);
  options.retry.max_attempts = 10;
  options.retry.initial_backoff = absl::Milliseconds(50);
  options.retry.max_backoff = absl::Milliseconds(500);
  // The server comes up during the first backoff.
  options.sleep = [&](absl::Duration backoff) {
    if (++sleeps == 1) server = MustStart(config);
    absl::SleepFor(backoff);
  };
  absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  const Signer writer = server::testing::NewWriterKey("late-writer");
  absl::StatusOr<v1::Receipt> receipt = (*client)->Append(
      Must(EntrySigner(*admin).RegisterWriter(writer.verifier().ToString(), "")));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_GE(sleeps, 1);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(VerifyReceipt(*receipt, server->log_verifier()).ok());
}

TEST(LedgerClientRetryTest, GivesUpAfterMaxAttemptsWithAServerError) {
  ClientOptions options;
  options.connection.target = absl::StrCat("127.0.0.1:", FreePort());
  options.retry.max_attempts = 3;
  int sleeps = 0;
  options.sleep = [&](absl::Duration) { ++sleeps; };
  absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options);
  ASSERT_TRUE(client.ok());
  absl::StatusOr<v1::Info> info = (*client)->GetInfo();
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(KindOf(info.status()), ErrorKind::kServer);
  EXPECT_EQ(sleeps, 2);
}

TEST_F(LedgerClientTest, RefusesACheckpointSignedByAnotherKey) {
  absl::StatusOr<Signer> other = Signer::Generate(LogKey().name());  // same origin, other key
  ASSERT_TRUE(other.ok());
  std::unique_ptr<LedgerClient> client =
      MustClient(server_->port(), other->verifier(), state_file_);
  absl::StatusOr<TrustedCheckpoint> update = client->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_EQ(update.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(update.status().message(), HasSubstr("signature does not verify"));
  EXPECT_THAT(update.status().message(), HasSubstr(other->verifier().ToString()));
  EXPECT_FALSE(client->Trusted().has_value());
  EXPECT_FALSE(std::filesystem::exists(state_file_));
  // Reads refuse too.
  absl::StatusOr<VerifiedRecord> record = client->GetRecord(0);
  EXPECT_TRUE(IsVerificationFailure(record.status())) << record.status();
}

TEST_F(LedgerClientTest, RefusesAForkOfTheSameLogKey) {
  std::unique_ptr<LedgerClient> client = Client(state_file_);
  EntrySigner writer = Register(*client, "writer-a");
  AppendSome(*client, writer, 3);
  absl::StatusOr<TrustedCheckpoint> trusted = client->Update();
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  const std::string trusted_note = StateText();
  ASSERT_EQ(trusted_note, trusted->note);

  // A second log signed by the same key, diverging from record 0 on, and
  // longer than the trusted checkpoint.
  const std::string fork_dir = dir_.path() + "/fork";
  ServerConfig fork_config = TestServerConfig(fork_dir);
  fork_config.log_key_file = data_dir_ + "/keys/log.key";
  std::unique_ptr<Server> fork = MustStart(fork_config);
  ASSERT_NE(fork, nullptr);
  ASSERT_EQ(fork->log_verifier().ToString(), LogKey().ToString());
  std::unique_ptr<LedgerClient> fork_writer = MustClient(fork->port(), LogKey());
  EntrySigner fork_signer = Register(*fork_writer, "writer-f", fork_dir);
  AppendSome(*fork_writer, fork_signer, 8);
  ASSERT_GT(fork->stats().tree_size, trusted->checkpoint.size);

  std::unique_ptr<LedgerClient> victim = MustClient(fork->port(), LogKey(), state_file_);
  absl::StatusOr<TrustedCheckpoint> update = victim->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(),
              HasSubstr(absl::StrCat("is not consistent with trusted checkpoint ",
                                     trusted->checkpoint.size)));
  // Records are refused too, and the trusted state did not move.
  absl::StatusOr<VerifiedRecord> record = victim->GetRecord(trusted->checkpoint.size + 1);
  EXPECT_TRUE(IsVerificationFailure(record.status())) << record.status();
  EXPECT_EQ(StateText(), trusted_note);
  EXPECT_EQ(victim->Trusted()->note, trusted_note);
}

TEST_F(LedgerClientTest, RefusesARollbackToAnOlderCopyOfTheData) {
  {
    std::unique_ptr<LedgerClient> client = Client(state_file_);
    EntrySigner writer = Register(*client, "writer-a");
    AppendSome(*client, writer, 2);
  }
  // Copy the data directory while the server is stopped, then grow the log.
  server_.reset();
  const std::string old_copy = dir_.path() + "/old";
  std::filesystem::copy(data_dir_, old_copy, std::filesystem::copy_options::recursive);
  server_ = MustStart(RestartTestServerConfig(data_dir_));
  ASSERT_NE(server_, nullptr);
  {
    std::unique_ptr<LedgerClient> client = Client(state_file_);
    EntrySigner writer = Register(*client, "writer-b");
    AppendSome(*client, writer, 3);
    ASSERT_TRUE(client->Update().ok());
  }
  const std::string trusted_note = StateText();
  const uint64_t trusted_size = server_->stats().tree_size;

  // The older copy served again.
  server_.reset();
  server_ = MustStart(RestartTestServerConfig(old_copy));
  ASSERT_NE(server_, nullptr);
  ASSERT_LT(server_->stats().tree_size, trusted_size);
  std::unique_ptr<LedgerClient> client = Client(state_file_);
  absl::StatusOr<TrustedCheckpoint> update = client->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(),
              HasSubstr(absl::StrCat("is smaller than trusted checkpoint ", trusted_size)));
  EXPECT_THAT(update.status().message(), HasSubstr("rolled back"));
  EXPECT_EQ(StateText(), trusted_note);
}

TEST_F(LedgerClientTest, TrustedStateAdvancesAfterEachVerifiedUpdate) {
  std::unique_ptr<LedgerClient> client = Client(state_file_);
  absl::StatusOr<TrustedCheckpoint> first = client->Update();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(StateText(), first->note);
  EntrySigner writer = Register(*client, "writer-a");
  AppendSome(*client, writer, 2);
  absl::StatusOr<TrustedCheckpoint> second = client->Update();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->checkpoint.size, first->checkpoint.size);
  EXPECT_EQ(StateText(), second->note);
  // A new client picks the state up from the file.
  std::unique_ptr<LedgerClient> later = Client(state_file_);
  ASSERT_TRUE(later->Trusted().has_value());
  EXPECT_EQ(later->Trusted()->checkpoint, second->checkpoint);
}

TEST_F(LedgerClientTest, StateFileOfAnotherKeyIsRefused) {
  absl::StatusOr<Signer> other = Signer::Generate(LogKey().name());
  ASSERT_TRUE(other.ok());
  std::unique_ptr<LedgerClient> client = Client(state_file_);
  ASSERT_TRUE(client->Update().ok());
  ClientOptions options;
  options.connection.target = absl::StrCat("127.0.0.1:", server_->port());
  options.log_key = other->verifier();
  options.state_file = state_file_;
  absl::StatusOr<std::unique_ptr<LedgerClient>> refused = LedgerClient::Create(options);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr(state_file_));
}

TEST_F(LedgerClientTest, VerifiedProofsAtAnySize) {
  std::unique_ptr<LedgerClient> client = Client();
  EntrySigner writer = Register(*client, "writer-a");
  AppendSome(*client, writer, 7);
  ASSERT_TRUE(client->Update().ok());
  const uint64_t size = client->Trusted()->checkpoint.size;
  for (uint64_t tree_size : {uint64_t{1}, uint64_t{3}, size}) {
    for (uint64_t index = 0; index < tree_size; ++index) {
      absl::StatusOr<v1::InclusionProof> proof = client->GetInclusionProof(index, tree_size);
      ASSERT_TRUE(proof.ok()) << index << "/" << tree_size << ": " << proof.status();
    }
  }
  for (uint64_t first = 0; first <= size; ++first) {
    absl::StatusOr<v1::ConsistencyProof> proof = client->GetConsistencyProof(first, size);
    ASSERT_TRUE(proof.ok()) << first << ": " << proof.status();
  }
  absl::StatusOr<TrustedCheckpoint> at = client->CheckpointAt(size);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->checkpoint, client->Trusted()->checkpoint);
}

TEST_F(LedgerClientTest, LongReadsInCallsOfThreeRecordsMissNothingAndRepeatNothing) {
  std::unique_ptr<LedgerClient> writer_client = Client();
  TwelveRecords(*writer_client);
  const uint64_t size = 12;

  CallCounter* counter = nullptr;
  std::unique_ptr<LedgerClient> client = CountedClient(3, counter);
  ASSERT_NE(client, nullptr);

  // ScanLeaves over [1, 12): four calls, the last one short.
  std::vector<uint64_t> scanned;
  ASSERT_TRUE(client->ScanLeaves(1, size, [&](uint64_t index, std::string leaf) {
    scanned.push_back(index);
    absl::StatusOr<std::string> one = writer_client->FetchLeaf(index);
    EXPECT_TRUE(one.ok() && *one == leaf) << "record " << index;
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(scanned, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetRecords"), 4);
  EXPECT_EQ(client->ScanLeaves(3, 2, [](uint64_t, std::string) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kInvalidArgument);

  // Export of the 10 posts (generic events): the header once, the trust
  // records (genesis, registration), then each result once, in order,
  // whatever the calls it took (4: 3 + 3 + 3 + 1).
  v1::ExportRequest request;
  request.mutable_filter()->add_event_types("generic");
  int headers = 0;
  std::vector<uint64_t> trust;
  std::vector<uint64_t> results;
  const absl::Status exported = client->Export(request, "", [&](v1::ExportItem& item) {
    if (item.has_header()) {
      ++headers;
      EXPECT_EQ(item.header().tree_size(), size);
    }
    for (const v1::ExportedRecord& record : item.records()) {
      (record.trust() ? trust : results).push_back(record.index());
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(exported.ok()) << exported;
  EXPECT_EQ(headers, 1);
  EXPECT_EQ(trust, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(results, (std::vector<uint64_t>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(counter->calls("/memoria.v1.Transparency/Export"), 4);
}

TEST_F(LedgerClientTest, LongReadsRetryWhileTheServerHasNoPlaceForThem) {
  std::unique_ptr<LedgerClient> writer_client = Client();
  TwelveRecords(*writer_client);
  writer_client.reset();
  server_.reset();
  ServerConfig config = RestartTestServerConfig(data_dir_);
  config.max_long_reads = 1;
  server_ = MustStart(config);

  // Another reader holds the server's only place for a long read until the
  // client's first backoff.
  std::unique_ptr<v1::Ledger::Stub> other = server::testing::NewLocalStub(server_->port());
  std::unique_ptr<grpc::ClientContext> held;
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> watch;
  const auto hold = [&] {
    held = std::make_unique<grpc::ClientContext>();
    v1::WatchRequest request;
    request.set_start(11);
    watch = other->Watch(held.get(), request);
    v1::RecordResponse record;
    ASSERT_TRUE(watch->Read(&record));
  };
  int sleeps = 0;
  ClientOptions options;
  options.log_key = LogKey();
  options.connection.target = absl::StrCat("127.0.0.1:", server_->port());
  options.retry.initial_backoff = absl::Milliseconds(200);
  options.sleep = [&](absl::Duration backoff) {
    if (++sleeps == 1 && watch != nullptr) {
      held->TryCancel();
      v1::RecordResponse record;
      while (watch->Read(&record)) {
      }
      watch->Finish();
      watch.reset();
    }
    absl::SleepFor(backoff);
  };
  absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();

  hold();
  uint64_t scanned = 0;
  const absl::Status scan = (*client)->ScanLeaves(0, 12, [&](uint64_t, std::string) {
    ++scanned;
    return absl::OkStatus();
  });
  EXPECT_TRUE(scan.ok()) << scan;
  EXPECT_EQ(scanned, 12u);
  EXPECT_GE(sleeps, 1);

  sleeps = 0;
  hold();
  v1::ExportRequest request;
  request.mutable_filter()->add_event_types("generic");
  uint64_t results = 0;
  const absl::Status exported = (*client)->Export(request, "", [&](v1::ExportItem& item) {
    for (const v1::ExportedRecord& record : item.records()) results += record.trust() ? 0 : 1;
    return absl::OkStatus();
  });
  EXPECT_TRUE(exported.ok()) << exported;
  EXPECT_EQ(results, 10u);
  EXPECT_GE(sleeps, 1);

  // Held for good: after the last attempt, the server's reason.
  options.sleep = [](absl::Duration) {};
  options.retry.max_attempts = 2;
  absl::StatusOr<std::unique_ptr<LedgerClient>> impatient = LedgerClient::Create(options);
  ASSERT_TRUE(impatient.ok());
  hold();
  const absl::Status refused =
      (*impatient)->ScanLeaves(0, 12, [](uint64_t, std::string) { return absl::OkStatus(); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("too many concurrent long reads (1); retry later"));
  EXPECT_EQ(KindOf(refused), ErrorKind::kServer);
  held->TryCancel();
  v1::RecordResponse record;
  while (watch->Read(&record)) {
  }
  watch->Finish();
}

TEST_F(LedgerClientTest, WatchDeliversVerifiedRecordsAsTheyArrive) {
  std::unique_ptr<LedgerClient> client = Client();
  EntrySigner writer = Register(*client, "writer-a");
  const uint64_t start = client->Update()->checkpoint.size;
  std::thread appender([&] {
    std::unique_ptr<LedgerClient> other = Client();
    AppendSome(*other, writer, 3);
  });
  std::vector<uint64_t> seen;
  absl::Status status = client->Watch(start, [&](const VerifiedRecord& record) {
    seen.push_back(record.index);
    return seen.size() < 3;
  });
  appender.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, (std::vector<uint64_t>{start, start + 1, start + 2}));
}

TEST_F(LedgerClientTest, WatchCatchesUpInBoundedCallsThenFollowsLive) {
  std::unique_ptr<LedgerClient> writer_client = Client();
  EntrySigner writer = TwelveRecords(*writer_client);

  CallCounter* counter = nullptr;
  std::unique_ptr<LedgerClient> client = CountedClient(3, counter);
  ASSERT_NE(client, nullptr);
  std::vector<uint64_t> seen;
  const absl::Status status = client->Watch(0, [&](const VerifiedRecord& record) {
    seen.push_back(record.index);
    // The backlog is in: one more record, which only the live stream has.
    if (record.index == 11) AppendSome(*writer_client, writer, 1);
    return record.index < 12;
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetRecords"), 4);  // [0,3) .. [9,12)
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/Watch"), 1);
  // The backlog is verified a call's worth at a time: a consistency proof
  // from 3, 6 and 9 to 12, the root at 12; then the live record 12 with its
  // inclusion proof (and the consistency proof from 12 to 13).
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetConsistencyProof"), 4);
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetInclusionProof"), 1);
}

TEST_F(LedgerClientTest, WatchFromTheMiddleProvesItsFirstRecordThenRuns) {
  std::unique_ptr<LedgerClient> writer_client = Client();
  TwelveRecords(*writer_client);

  CallCounter* counter = nullptr;
  std::unique_ptr<LedgerClient> client = CountedClient(3, counter);
  ASSERT_NE(client, nullptr);
  std::vector<uint64_t> seen;
  const absl::Status status = client->Watch(5, [&](const VerifiedRecord& record) {
    seen.push_back(record.index);
    EXPECT_EQ(record.record.index(), record.index);
    return record.index < 11;
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, (std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 11}));
  // Runs [5,8), [8,11), [11,12): the inclusion proof of 5, consistency
  // proofs from 8 and 11.
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetInclusionProof"), 1);
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetConsistencyProof"), 2);
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/Watch"), 0);
}

TEST_F(LedgerClientTest, RangesAndWatchRefuseARecordAlteredOnDisk) {
  {
    std::unique_ptr<LedgerClient> client = Client(state_file_);
    EntrySigner writer = Register(*client, "writer-a");
    AppendSome(*client, writer, 10);
    ASSERT_EQ(client->Update()->checkpoint.size, 12u);  // trusted from here on
  }
  // One byte of record 7 flipped while the server is stopped.
  server_.reset();
  {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = data_dir_ + "/db", .create_if_missing = false});
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<std::string> record = (*store)->Get(Column::kRecords, RecordKey(7));
    ASSERT_TRUE(record.ok()) << record.status();
    std::string altered = *record;
    altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x01);
    Store::Batch batch = (*store)->NewBatch();
    batch.Put(Column::kRecords, RecordKey(7), altered);
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  server_ = MustStart(RestartTestServerConfig(data_dir_));
  ASSERT_NE(server_, nullptr);
  std::unique_ptr<LedgerClient> client = Client(state_file_);

  // Every range that holds record 7 is refused, whichever proof catches it:
  // the recomputed root (the whole log, [5, 12)), a consistency proof
  // ([2, 9)), the inclusion proof of the range's first record ([7, 9)).
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 0}, {5, 12}, {2, 9}, {7, 9}, {7, 8}}) {
    absl::StatusOr<std::vector<VerifiedRecord>> records = client->GetRecords(start, end);
    ASSERT_FALSE(records.ok()) << "[" << start << ", " << end << ")";
    EXPECT_TRUE(IsVerificationFailure(records.status())) << records.status();
    EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss) << records.status();
    EXPECT_THAT(records.status().message(),
                HasSubstr(absl::StrCat("records [", start, ", ", end == 0 ? 12 : end, ")")));
  }
  // The ranges around it are intact.
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 7}, {3, 7}, {8, 12}, {8, 9}}) {
    absl::StatusOr<std::vector<VerifiedRecord>> records = client->GetRecords(start, end);
    ASSERT_TRUE(records.ok()) << "[" << start << ", " << end << "): " << records.status();
    EXPECT_EQ(records->size(), end - start);
  }
  // Read in runs of 3 records, a range from 0 and a watch from 0 hand on the
  // runs before record 7's ([0, 3), [3, 6)) and nothing of its run.
  CallCounter* counter = nullptr;
  std::unique_ptr<LedgerClient> reader = CountedClient(3, counter);
  ASSERT_NE(reader, nullptr);
  std::vector<uint64_t> ranged;
  const absl::Status range = reader->GetRecords(0, 12, [&](const VerifiedRecord& record) {
    ranged.push_back(record.index);
    return true;
  });
  EXPECT_TRUE(IsVerificationFailure(range)) << range;
  EXPECT_THAT(range.message(), HasSubstr("records [6, 9)"));
  EXPECT_EQ(ranged, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  std::vector<uint64_t> watched;
  const absl::Status watch = reader->Watch(0, [&](const VerifiedRecord& record) {
    watched.push_back(record.index);
    return true;
  });
  EXPECT_TRUE(IsVerificationFailure(watch)) << watch;
  EXPECT_THAT(watch.message(), HasSubstr("records [6, 9)"));
  EXPECT_EQ(watched, ranged);
}

TEST(EntrySignerTest, FillsWriterRequestIdAndTime) {
  const Signer key = server::testing::NewWriterKey("svc");
  EntrySigner signer(key);
  absl::StatusOr<v1::SignedEntry> signed_entry = signer.Generic("post.published", {{"a", "b"}});
  ASSERT_TRUE(signed_entry.ok());
  v1::Entry entry;
  ASSERT_TRUE(entry.ParseFromString(signed_entry->entry()));
  EXPECT_EQ(entry.writer(), "svc");
  EXPECT_EQ(entry.request_id().size(), 32u);
  EXPECT_GT(entry.event_time_micros(), 0);
  EXPECT_EQ(signed_entry->key_id(), key.key_id());
  EXPECT_TRUE(key.verifier().Verify(EntrySignedMessage(signed_entry->entry()),
                                    signed_entry->signature()));
  EXPECT_NE(RandomRequestId(), RandomRequestId());
}

TEST(EntrySignerTest, RefusesAnEntryNamingAnotherWriter) {
  EntrySigner signer(server::testing::NewWriterKey("svc"));
  v1::Entry entry;
  entry.set_writer("someone-else");
  entry.mutable_generic()->set_type("x");
  EXPECT_EQ(signer.Sign(entry).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.RegisterWriter("not a vkey", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// `memoria export`'s path: a bundle of a range read from the Export stream
// (proofs with the records, in a few calls), not one proof call per record;
// trust lines for the administration records before the range only.
TEST_F(LedgerClientTest, ExportRangeReadsTheExportStreamAndTheBundleVerifies) {
  std::unique_ptr<LedgerClient> writer_client = Client();
  EntrySigner writer = TwelveRecords(*writer_client);  // records 0 (genesis), 1 (registration)
  Register(*writer_client, "writer-b");                // record 12
  AppendSome(*writer_client, writer, 3);               // 13..15
  const uint64_t size = 16;
  CallCounter* counter = nullptr;
  std::unique_ptr<LedgerClient> client = CountedClient(/*records_per_call=*/5, counter);
  ASSERT_NE(client, nullptr);

  struct Case {
    uint64_t from;
    std::optional<uint64_t> to;
    bool proofs;
    uint64_t records;
    std::vector<uint64_t> trust;
  };
  for (const Case& c : {Case{0, std::nullopt, false, size, {}}, Case{0, std::nullopt, true, size, {}},
                        Case{5, 14, false, 9, {0, 1}}, Case{13, std::nullopt, false, 3, {0, 1, 12}},
                        Case{7, 7, false, 0, {0, 1}}}) {
    SCOPED_TRACE(absl::StrCat("[", c.from, ", ", c.to.value_or(size), ")"));
    std::stringstream bundle;
    absl::Status exported =
        ExportRange(*client, {.from = c.from, .to = c.to, .proofs = c.proofs}, bundle);
    ASSERT_TRUE(exported.ok()) << exported;
    BundleReader reader(bundle);
    absl::StatusOr<BundleHeader> header = reader.ReadHeader();
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->tree_size, size);
    EXPECT_EQ(header->from, c.from);
    EXPECT_EQ(header->to, c.to.value_or(size));
    EXPECT_EQ(header->proofs, c.proofs || c.from > 0 || c.to.value_or(size) < size);
    EXPECT_FALSE(header->filtered);
    std::vector<uint64_t> trust;
    std::vector<uint64_t> records;
    int writers = 0;
    for (;;) {
      absl::StatusOr<BundleReader::Line> line = reader.Next();
      ASSERT_TRUE(line.ok()) << line.status();
      if (line->type == BundleReader::Line::Type::kEnd) break;
      if (line->type == BundleReader::Line::Type::kWriter) {
        ++writers;
        continue;
      }
      EXPECT_EQ(line->record.proof.has_value(), header->proofs || line->record.trust);
      (line->record.trust ? trust : records).push_back(line->record.index);
    }
    EXPECT_EQ(writers, 2);
    EXPECT_EQ(trust, c.trust);
    ASSERT_EQ(records.size(), c.records);
    for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i], c.from + i);
    bundle.clear();
    bundle.seekg(0);
    absl::StatusOr<BundleAudit> audit = VerifyBundle(bundle, LogKey());
    ASSERT_TRUE(audit.ok()) << audit.status();
    EXPECT_TRUE(audit->report.findings.empty()) << audit->report.findings.front().reason;
  }
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetInclusionProof"), 0);
  EXPECT_EQ(counter->calls("/memoria.v1.Ledger/GetRecords"), 0);
  // Five exports: 4 + 4 + 2 + 1 + 1 calls of at most 5 results.
  EXPECT_EQ(counter->calls("/memoria.v1.Transparency/Export"), 12);

  // A range beyond the checkpoint, or ending before it starts: nothing written.
  for (const RangeExportOptions& bad :
       {RangeExportOptions{.from = 3, .to = size + 1}, RangeExportOptions{.from = 9, .to = 4}}) {
    std::stringstream out;
    const absl::Status status = ExportRange(*client, bad, out);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("is not within the checkpoint of 16"));
    EXPECT_TRUE(out.str().empty());
  }
}

}  // namespace
}  // namespace memoria::client
