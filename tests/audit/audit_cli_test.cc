// The real memoria-audit binary against logs written by an in-process
// memoria-server: a store of 1,200+ records tampered with byte by byte (records,
// tree hashes, checkpoints) with the server stopped, an old copy of the data
// served again (rollback), a second log under the same key (fork), export
// bundles (whole, partial, cut short, garbled) and receipts.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/file_bytes.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "client/bundle_source.h"
#include "client/ledger_client.h"
#include "client/receipt.h"
#include "ledger/verify/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/high_water_mark.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/store.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"
#include "tests/support/run_binary.h"

namespace memoria {
namespace {

namespace fs = std::filesystem;
using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::testing::HasSubstr;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;

constexpr int kRecords = 1200;

using AuditRun = ::memoria::testing::ProcessRun;

// A running in-process server: restarted over the log in `data_dir` (keys
// under data_dir/keys), or started with `config`.
class RunningServer {
 public:
  explicit RunningServer(const std::string& data_dir)
      : RunningServer(server::testing::RestartTestServerConfig(data_dir)) {}
  explicit RunningServer(const server::ServerConfig& config) {
    absl::StatusOr<std::unique_ptr<server::Server>> started = server::Server::Start(config);
    if (!started.ok()) {
      ADD_FAILURE() << "server did not start: " << started.status();
      return;
    }
    server_ = *std::move(started);
    stub_ = NewLocalStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(config.AdminKeyPath());
    if (admin.ok()) admin_ = std::make_unique<Signer>(*std::move(admin));
  }
  bool ok() const { return server_ != nullptr && admin_ != nullptr; }
  std::string target() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  const Signer& admin() const { return *admin_; }
  v1::Ledger::Stub& stub() { return *stub_; }

  v1::Receipt Append(const v1::SignedEntry& entry) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    grpc::Status status = stub_->Append(&context, request, &receipt);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return receipt;
  }
  // Appends `count` generic entries by `writer` in batches of 100.
  void AppendMany(const Signer& writer, int count, const std::string& prefix) {
    for (int done = 0; done < count;) {
      grpc::ClientContext context;
      v1::AppendBatchRequest request;
      for (int i = 0; i < 100 && done < count; ++i, ++done) {
        *request.add_entries() = GenericEntry(
            writer, absl::StrCat(prefix, done), "post.published",
            {{"url", absl::StrCat("https://pasto.gov.co/post/", prefix, done)}});
      }
      v1::AppendBatchResponse response;
      grpc::Status status = stub_->AppendBatch(&context, request, &response);
      ASSERT_TRUE(status.ok()) << StatusText(status);
    }
  }

 private:
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> admin_;
};

class AuditCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    spdlog::set_level(spdlog::level::warn);
    root_ = new TempDir();
    pristine_ = root_->path() + "/pristine";
    RunningServer server(server::testing::TestServerConfig(pristine_));  // a new log
    ASSERT_TRUE(server.ok());
    log_vkey_ = new std::string(
        absl::StatusOr<Signer>(ReadSignerKeyFile(pristine_ + "/keys/log.key"))->verifier().ToString());
    writer_ = new Signer(NewWriterKey("svc-posts"));
    server.Append(RegisterWriterEntry(server.admin(), writer_->verifier(), "register-posts"));
    server.AppendMany(*writer_, kRecords, "post-");
  }
  static void TearDownTestSuite() {
    delete writer_;
    delete log_vkey_;
    delete root_;
  }

  // A copy of the pristine data directory (keys and store).
  std::string Copy(const std::string& name) {
    const std::string dir = root_->path() + "/" + name;
    fs::remove_all(dir);
    fs::copy(pristine_, dir, fs::copy_options::recursive);
    return dir;
  }

  static AuditRun RunAudit(const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(MEMORIA_AUDIT_BINARY, args, root_->path());
  }
  static AuditRun VerifyData(const std::string& dir, const std::string& state = "") {
    std::vector<std::string> args = {"verify", "--data", dir, "--log-key", *log_vkey_, "--no-progress"};
    if (!state.empty()) args.insert(args.end(), {"--state", state});
    return RunAudit(args);
  }
  static AuditRun VerifyServer(const std::string& target, const std::string& state = "") {
    std::vector<std::string> args = {"verify", "--server", target, "--log-key", *log_vkey_, "--no-progress"};
    if (!state.empty()) args.insert(args.end(), {"--state", state});
    return RunAudit(args);
  }

  // The size of the checkpoint a state file trusts. The file must hold
  // exactly a checkpoint note signed by the log key (the format the memoria
  // CLI's state files have too).
  static uint64_t TrustedSize(const std::string& state) {
    absl::StatusOr<Checkpoint> checkpoint =
        OpenCheckpoint(ReadFileBytes(state), *Verifier::Parse(*log_vkey_));
    EXPECT_TRUE(checkpoint.ok()) << state << ": " << checkpoint.status();
    return checkpoint.ok() ? checkpoint->size : 0;
  }

  static std::unique_ptr<Store> OpenStore(const std::string& dir) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open({.path = dir + "/db", .create_if_missing = false});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  static void Put(Store& store, Column column, const std::string& key, const std::string& value) {
    Store::Batch batch = store.NewBatch();
    batch.Put(column, key, value);
    ASSERT_TRUE(store.Write(batch).ok());
  }

  // Appends `count` entries by writer_ to the log in `dir` in a child
  // process that is then killed (SIGKILL): acknowledged records left only in
  // the write-ahead log, never flushed.
  static void AppendThenKill(const std::string& dir, int count) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      LogOptions options;
      options.path = dir + "/db";
      options.high_water_mark_path = dir + "/" + std::string(kHighWaterMarkFile);
      absl::StatusOr<Signer> log_key = ReadSignerKeyFile(dir + "/keys/log.key");
      if (!log_key.ok()) _exit(3);
      absl::StatusOr<std::unique_ptr<Log>> log = Log::Open(options, *std::move(log_key));
      if (!log.ok()) _exit(4);
      for (int done = 0; done < count;) {
        std::vector<PendingEntry> batch;
        for (int i = 0; i < 100 && done < count; ++i, ++done) {
          const v1::SignedEntry signed_entry =
              GenericEntry(*writer_, absl::StrCat("wal-", done), "post.published", {});
          PendingEntry entry;
          entry.writer_key_id = signed_entry.key_id();
          entry.entry = signed_entry.entry();
          entry.writer_signature = signed_entry.signature();
          batch.push_back(std::move(entry));
        }
        if (!(*log)->Append(batch).ok()) _exit(5);
      }
      raise(SIGKILL);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  }

  // The newest file of the store in `dir` whose name ends with `suffix`.
  static std::string NewestStoreFile(const std::string& dir, const std::string& suffix) {
    std::string newest;
    for (const auto& file : fs::directory_iterator(dir + "/db")) {
      const std::string path = file.path().string();
      if (path.ends_with(suffix) && (newest.empty() || path > newest)) newest = path;
    }
    return newest;
  }
  // Flips 16 bytes in the middle of `path`.
  static void FlipMiddle(const std::string& path) {
    std::string bytes = ReadFileBytes(path);
    ASSERT_GT(bytes.size(), 64u) << path;
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) bytes[i] ^= 0xff;
    WriteFileBytes(path, bytes);
  }

  static TempDir* root_;
  static std::string pristine_;
  static std::string* log_vkey_;
  static Signer* writer_;
};

TempDir* AuditCliTest::root_ = nullptr;
std::string AuditCliTest::pristine_;
std::string* AuditCliTest::log_vkey_ = nullptr;
Signer* AuditCliTest::writer_ = nullptr;

// The store: genesis + registration + kRecords entries.
constexpr uint64_t kSize = kRecords + 2;

TEST_F(AuditCliTest, CleanLogVerifiesFromDataServerAndJson) {
  const std::string dir = Copy("clean");
  AuditRun data = VerifyData(dir);
  EXPECT_EQ(data.exit_code, 0) << data.out << data.err;
  EXPECT_THAT(data.out, HasSubstr(absl::StrCat(kSize, "/", kSize, " records valid, chain intact, checkpoint ", kSize)));

  RunningServer server(dir);
  ASSERT_TRUE(server.ok());
  AuditRun live = VerifyServer(server.target());
  EXPECT_EQ(live.exit_code, 0) << live.out << live.err;
  AuditRun json = RunAudit({"verify", "--server", server.target(), "--log-key", *log_vkey_, "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  absl::StatusOr<JsonObject> report = JsonObject::Parse(json.out);
  ASSERT_TRUE(report.ok()) << json.out;
  EXPECT_TRUE(*report->Bool("ok"));
  EXPECT_EQ(*report->Uint("records"), kSize);

  // Usage errors are exit 2.
  EXPECT_EQ(RunAudit({"verify", "--log-key", *log_vkey_}).exit_code, 2);
  EXPECT_EQ(RunAudit({"verify", "--data", dir, "--log-key", "garbage"}).exit_code, 2);
  EXPECT_EQ(RunAudit({"verify", "--data", root_->path() + "/nowhere", "--log-key", *log_vkey_}).exit_code, 2);
}

TEST_F(AuditCliTest, AlteredRecordByteIsReportedWithItsIndex) {
  const std::string dir = Copy("records");
  int checked = 0;
  std::string reasons;
  for (int k = 0; k < 34; ++k) {
    const uint64_t index = k < 2 ? k : 2 + (static_cast<uint64_t>(k) * 331) % (kSize - 2);
    std::unique_ptr<Store> store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    absl::StatusOr<std::string> original = store->Get(Column::kRecords, RecordKey(index));
    ASSERT_TRUE(original.ok());
    std::string altered = *original;
    const size_t offset = (static_cast<size_t>(k) * 97 + 11) % altered.size();
    altered[offset] = static_cast<char>(altered[offset] ^ 0x55);
    Put(*store, Column::kRecords, RecordKey(index), altered);
    store.reset();

    AuditRun run = VerifyData(dir);
    EXPECT_EQ(run.exit_code, 1) << "record " << index << " offset " << offset << "\n" << run.out << run.err;
    const bool named = run.out.find(absl::StrCat("\nrecord ", index, ": ")) != std::string::npos ||
                       run.out.rfind(absl::StrCat("record ", index, ": "), 0) == 0;
    const bool leaf_node = run.out.find(absl::StrCat("(level 0, index ", index, ")")) != std::string::npos;
    EXPECT_TRUE(leaf_node) << "record " << index << " offset " << offset << "\n" << run.out;
    if (named) {
      const size_t at = run.out.find(absl::StrCat("record ", index, ": "));
      absl::StrAppend(&reasons, run.out.substr(at, run.out.find('\n', at) - at), "\n");
    }

    // With the server restarted on the altered store, when it opens (records 0
    // and the right edge are what it checks), a live audit names it too.
    if (index >= 2 && k % 6 == 0) {
      RunningServer server(dir);
      ASSERT_TRUE(server.ok());
      AuditRun live = VerifyServer(server.target());
      EXPECT_EQ(live.exit_code, 1) << live.out;
      EXPECT_TRUE(live.out.find(absl::StrCat("record ", index, ": ")) != std::string::npos ||
                  live.out.find(absl::StrCat("leaf hash of record ", index)) != std::string::npos)
          << "record " << index << "\n" << live.out;
    }

    store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    Put(*store, Column::kRecords, RecordKey(index), *original);
    ++checked;
  }
  EXPECT_GE(checked, 30);
  std::cout << "reasons seen:\n" << reasons;
  AuditRun clean = VerifyData(dir);
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
}

TEST_F(AuditCliTest, AlteredTreeHashIsReportedWithItsNode) {
  const std::string dir = Copy("tree");
  const std::vector<NodeId> nodes = {{0, 5}, {0, 777}, {1, 100}, {3, 20}, {5, 30}, {7, 3}, {10, 0}, {0, kSize - 1}};
  for (size_t k = 0; k < nodes.size(); ++k) {
    const NodeId node = nodes[k];
    std::unique_ptr<Store> store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    absl::StatusOr<std::string> original = store->Get(Column::kTree, TreeKey(node));
    ASSERT_TRUE(original.ok()) << int(node.level) << "/" << node.index;
    std::string altered = *original;
    altered[(k * 5) % altered.size()] ^= 0x01;
    Put(*store, Column::kTree, TreeKey(node), altered);
    store.reset();

    AuditRun run = VerifyData(dir);
    EXPECT_EQ(run.exit_code, 1) << run.out;
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("tree ", node.index << node.level, ": tree: stored tree hash of node (level ",
                                                int(node.level), ", index ", node.index, ")")));
    store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    Put(*store, Column::kTree, TreeKey(node), *original);
  }
}

TEST_F(AuditCliTest, StoreOfAnotherFormatIsRefusedNotMisread) {
  const std::string dir = Copy("format");
  std::unique_ptr<Store> store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  Put(*store, Column::kMeta, std::string(kMetaFormat), "memoria-log-v1");
  store.reset();
  AuditRun run = VerifyData(dir);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("is in format memoria-log-v1; this build reads memoria-log-v2 only"));
}

TEST_F(AuditCliTest, AlteredCheckpointIsReportedWithItsSize) {
  const std::string dir = Copy("checkpoints");
  std::vector<uint64_t> sizes;
  {
    std::unique_ptr<Store> store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Scan(Column::kCheckpoints, "", "", [&](std::string_view key, std::string_view) {
      sizes.push_back(DecodeBigEndian64(key));
      return true;
    }).ok());
  }
  ASSERT_GE(sizes.size(), 5u);
  const std::vector<uint64_t> chosen = {sizes[0], sizes[1], sizes[sizes.size() / 2], sizes[sizes.size() - 2],
                                        sizes.back()};
  for (size_t k = 0; k < chosen.size(); ++k) {
    const uint64_t size = chosen[k];
    std::unique_ptr<Store> store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    absl::StatusOr<std::string> original = store->Get(Column::kCheckpoints, CheckpointKey(size));
    ASSERT_TRUE(original.ok());
    std::string altered = *original;
    const size_t offset = (k * 37 + 3) % altered.size();
    altered[offset] = altered[offset] == 'A' ? 'B' : 'A';
    Put(*store, Column::kCheckpoints, CheckpointKey(size), altered);
    store.reset();

    AuditRun run = VerifyData(dir);
    EXPECT_EQ(run.exit_code, 1) << run.out;
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("size ", size, ": checkpoint: stored checkpoint ", size)))
        << "offset " << offset;
    store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    Put(*store, Column::kCheckpoints, CheckpointKey(size), *original);
  }
}

TEST_F(AuditCliTest, RollbackToAnOldCopyIsCaughtByVerifyAndMonitor) {
  const std::string old_copy = Copy("rollback-old");
  const std::string live = Copy("rollback-live");
  const std::string state = root_->path() + "/rollback.state";
  AuditRun first = VerifyData(old_copy, state);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  {
    RunningServer server(live);
    ASSERT_TRUE(server.ok());
    server.AppendMany(*writer_, 100, "more-");
    AuditRun advance = VerifyServer(server.target(), state);
    ASSERT_EQ(advance.exit_code, 0) << advance.out << advance.err;
    EXPECT_THAT(advance.out, HasSubstr(absl::StrCat("consistent with trusted ", kSize)));
  }
  const std::string trusted = ReadFileBytes(state);
  EXPECT_EQ(TrustedSize(state), kSize + 100);

  {
    RunningServer server(old_copy);
    ASSERT_TRUE(server.ok());
    AuditRun rolled = VerifyServer(server.target(), state);
    EXPECT_EQ(rolled.exit_code, 1) << rolled.out;
    EXPECT_THAT(rolled.out, HasSubstr("rollback"));
    AuditRun monitor = RunAudit({"monitor", "--server", server.target(), "--log-key", *log_vkey_,
                                 "--state", state, "--once"});
    EXPECT_EQ(monitor.exit_code, 1) << monitor.out << monitor.err;
    EXPECT_THAT(monitor.err, HasSubstr("rollback"));
  }
  // The old copy read directly (server stopped).
  AuditRun data = VerifyData(old_copy, state);
  EXPECT_EQ(data.exit_code, 1);
  EXPECT_THAT(data.out, HasSubstr("rollback"));
  EXPECT_EQ(ReadFileBytes(state), trusted) << "the trusted state must not move on a failed run";

  // A state file that is not a note signed by the log key is an error, not a fresh start.
  const std::string garbled = root_->path() + "/garbled.state";
  WriteFileBytes(garbled, trusted.substr(0, trusted.size() / 2));
  AuditRun refused = VerifyData(old_copy, garbled);
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("state file " + garbled));
  EXPECT_EQ(ReadFileBytes(garbled), trusted.substr(0, trusted.size() / 2));
}

TEST_F(AuditCliTest, DamageInTheMiddleOfTheWalIsAnIntegrityFailure) {
  const std::string dir = Copy("wal-damage");
  AppendThenKill(dir, 500);
  const std::string wal = NewestStoreFile(dir, ".log");
  ASSERT_GT(fs::file_size(wal), 100'000u) << "the records are not in the write-ahead log";
  FlipMiddle(wal);
  AuditRun run = VerifyData(dir);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("damaged"));
  EXPECT_THAT(run.out, HasSubstr("write-ahead log"));
}

TEST_F(AuditCliTest, AStoreRolledBackUnderItsHighWaterMarkIsAnIntegrityFailure) {
  const std::string dir = Copy("mark-rollback");
  const std::string old_db = root_->path() + "/mark-rollback-old-db";
  fs::remove_all(old_db);
  fs::copy(dir + "/db", old_db, fs::copy_options::recursive);
  {
    RunningServer server(dir);
    ASSERT_TRUE(server.ok());
    server.AppendMany(*writer_, 100, "after-copy-");
  }
  fs::remove_all(dir + "/db");
  fs::rename(old_db, dir + "/db");
  AuditRun run = VerifyData(dir);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat("rollback: the store holds ", kSize,
                                              " records but the high-water mark")));
  // And the server refuses to start on it.
  absl::StatusOr<std::unique_ptr<server::Server>> started =
      server::Server::Start(server::testing::RestartTestServerConfig(dir));
  EXPECT_EQ(started.status().code(), absl::StatusCode::kDataLoss) << started.status();
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("came back shorter"));
}

TEST_F(AuditCliTest, ATableFileFailingItsChecksumIsAnIntegrityFailure) {
  const std::string dir = Copy("sst-damage");
  const std::string table = NewestStoreFile(dir, ".sst");
  ASSERT_FALSE(table.empty());
  // The largest table: the records.
  std::string largest = table;
  for (const auto& file : fs::directory_iterator(dir + "/db")) {
    if (file.path().string().ends_with(".sst") && fs::file_size(file) > fs::file_size(largest)) {
      largest = file.path().string();
    }
  }
  FlipMiddle(largest);
  AuditRun run = VerifyData(dir);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("damaged"));
}

TEST_F(AuditCliTest, ForkUnderTheSameKeyIsCaughtByVerifyAndMonitor) {
  const std::string state = root_->path() + "/fork.state";
  AuditRun trust = VerifyData(Copy("fork-trusted"), state);
  ASSERT_EQ(trust.exit_code, 0) << trust.out << trust.err;

  // A second log with the same log and administrator keys, diverging from record 0.
  // (--init takes an empty data directory: the keys are given from outside it.)
  const std::string fork = root_->path() + "/fork";
  fs::copy(pristine_ + "/keys", root_->path() + "/fork-keys", fs::copy_options::recursive);
  server::ServerConfig fork_config = server::testing::TestServerConfig(fork);
  fork_config.log_key_file = root_->path() + "/fork-keys/log.key";
  fork_config.admin_key_file = root_->path() + "/fork-keys/admin.key";
  RunningServer server(fork_config);
  ASSERT_TRUE(server.ok());
  server.Append(RegisterWriterEntry(server.admin(), writer_->verifier(), "register-posts"));
  server.AppendMany(*writer_, kRecords + 50, "fork-");

  AuditRun verify = VerifyServer(server.target(), state);
  EXPECT_EQ(verify.exit_code, 1) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("fork"));
  AuditRun monitor = RunAudit({"monitor", "--server", server.target(), "--log-key", *log_vkey_, "--state", state, "--once"});
  EXPECT_EQ(monitor.exit_code, 1) << monitor.out << monitor.err;
  EXPECT_THAT(monitor.err, HasSubstr("fork"));
}

TEST_F(AuditCliTest, MonitorFollowsNewRecordsAndAdvancesTheState) {
  const std::string dir = Copy("monitor");
  const std::string state = root_->path() + "/monitor.state";
  RunningServer server(dir);
  ASSERT_TRUE(server.ok());
  AuditRun once = RunAudit({"monitor", "--server", server.target(), "--log-key", *log_vkey_, "--state", state, "--once"});
  ASSERT_EQ(once.exit_code, 0) << once.out << once.err;
  EXPECT_EQ(TrustedSize(state), kSize);

  AuditRun follow;
  std::thread monitor([&] {
    follow = RunAudit({"monitor", "--server", server.target(), "--log-key", *log_vkey_, "--state", state,
                       "--max-seconds", "4"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server.AppendMany(*writer_, 250, "live-");
  monitor.join();
  EXPECT_EQ(follow.exit_code, 0) << follow.out << follow.err;
  EXPECT_EQ(TrustedSize(state), kSize + 250);
}

TEST_F(AuditCliTest, BundlesRoundTripAndDamagedOnesAreUsageErrors) {
  const std::string dir = Copy("bundle");
  RunningServer server(dir);
  ASSERT_TRUE(server.ok());
  client::ClientOptions client_options;
  client_options.connection.target = server.target();
  absl::StatusOr<std::unique_ptr<client::LedgerClient>> remote =
      client::LedgerClient::Create(client_options);
  ASSERT_TRUE(remote.ok()) << remote.status();
  client::LedgerBundleSource source(**remote);
  absl::StatusOr<Verifier> log_key = Verifier::Parse(*log_vkey_);
  auto export_to = [&](const std::string& path, ExportOptions options) {
    std::ofstream out(path, std::ios::binary);
    absl::Status status = ExportBundle(source, *log_key, options, out);
    ASSERT_TRUE(status.ok()) << status;
  };
  const std::string full = root_->path() + "/full.bundle";
  const std::string partial = root_->path() + "/partial.bundle";
  export_to(full, {});
  export_to(partial, {.from = 500, .to = 700});

  AuditRun run = RunAudit({"verify", "--bundle", full, "--log-key", *log_vkey_});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat(kSize, "/", kSize, " records valid")));
  run = RunAudit({"verify", "--bundle", partial, "--log-key", *log_vkey_});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("200/200 records valid (records [500, 700)"));

  const std::string text = ReadFileBytes(full);
  const std::string cut = root_->path() + "/cut.bundle";
  WriteFileBytes(cut, text.substr(0, text.size() * 2 / 3));
  run = RunAudit({"verify", "--bundle", cut, "--log-key", *log_vkey_});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("truncated"));
  EXPECT_THAT(run.err, HasSubstr("bundle line "));

  std::string garbled = text;
  garbled[garbled.find("\"type\":\"record\"") + 3] = '#';
  WriteFileBytes(cut, garbled);
  run = RunAudit({"verify", "--bundle", cut, "--log-key", *log_vkey_});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bundle line "));

  // A leaf swapped for another valid one reads fine but does not verify.
  const std::string tampered = root_->path() + "/tampered.bundle";
  std::string swapped = ReadFileBytes(partial);
  const size_t first = swapped.find("\"type\":\"record\"");
  const size_t leaf = swapped.find("\"leaf\":\"", first) + 8;
  swapped[leaf + 40] = swapped[leaf + 40] == 'A' ? 'B' : 'A';
  WriteFileBytes(tampered, swapped);
  run = RunAudit({"verify", "--bundle", tampered, "--log-key", *log_vkey_});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("record 500: "));
}

// The receipt JSON `memoria append --json` prints; without "leaf" if `leaf` is false.
std::string ReceiptJsonText(const v1::Receipt& receipt, bool leaf = true) {
  std::string hashes;
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StrAppend(&hashes, hashes.empty() ? "" : ",", JsonQuote(Base64Encode(hash)));
  }
  return absl::StrCat("{\"index\":", receipt.index(), ",\"leaf_hash\":",
                      JsonQuote(Base64Encode(receipt.leaf_hash())), ",\"tree_size\":",
                      receipt.tree_size(), ",\"hashes\":[", hashes, "],\"checkpoint\":",
                      JsonQuote(receipt.checkpoint()),
                      leaf ? absl::StrCat(",\"leaf\":", JsonQuote(Base64Encode(receipt.leaf())))
                           : std::string(),
                      "}\n");
}

TEST_F(AuditCliTest, SavedReceiptVerifiesOfflineUnderTheLogKeyOnly) {
  const std::string dir = Copy("receipt");
  RunningServer server(dir);
  ASSERT_TRUE(server.ok());
  const v1::Receipt receipt = server.Append(GenericEntry(*writer_, "receipt-1"));
  const std::string path = root_->path() + "/receipt.json";
  WriteFileBytes(path, ReceiptJsonText(receipt));
  AuditRun run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", path});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string other = NewWriterKey(Verifier::Parse(*log_vkey_)->name()).verifier().ToString();
  run = RunAudit({"receipt", "--log-key", other, "--file", path});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  WriteFileBytes(path, "{\"index\":1}");
  EXPECT_EQ(RunAudit({"receipt", "--log-key", *log_vkey_, "--file", path}).exit_code, 2);
}

TEST_F(AuditCliTest, ReceiptIsTiedToTheExpectedWriterAndRequestId) {
  const std::string dir = Copy("receipt-tied");
  RunningServer server(dir);
  ASSERT_TRUE(server.ok());
  const v1::Receipt mine = server.Append(GenericEntry(*writer_, "mine", "post.deleted"));
  const v1::Receipt theirs = server.Append(GenericEntry(*writer_, "theirs"));
  const std::string writer = writer_->verifier().ToString();

  // The honest receipt, as JSON and as tlog-proof text: valid, and it shows
  // which entry the record holds.
  const std::string json = root_->path() + "/mine.json";
  WriteFileBytes(json, ReceiptJsonText(mine));
  const std::string text = root_->path() + "/mine.tlog-proof";
  WriteFileBytes(text, FormatTlogProof(TlogProofFromReceipt(mine)));
  for (const std::string& path : {json, text}) {
    AuditRun run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", path, "--writer",
                             writer, "--request-id", "mine"});
    EXPECT_EQ(run.exit_code, 0) << path << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("receipt valid"));
    EXPECT_THAT(run.out, HasSubstr("writer svc-posts"));
    EXPECT_THAT(run.out, HasSubstr("request id \"mine\""));
    EXPECT_THAT(run.out, HasSubstr("generic post.deleted"));
  }

  // A genuine receipt of another record of the same writer.
  const std::string other = root_->path() + "/theirs.json";
  WriteFileBytes(other, ReceiptJsonText(theirs));
  AuditRun run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", other, "--writer", writer,
                           "--request-id", "mine"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("receipt is for another entry"));
  EXPECT_THAT(run.out, HasSubstr("request id \"theirs\""));
  run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", other, "--request-id", "mine",
                  "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"ok\":false"));
  EXPECT_THAT(run.out, HasSubstr("receipt is for another entry"));
  // Another writer's key.
  const std::string stranger = NewWriterKey("svc-posts").verifier().ToString();
  run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", json, "--writer", stranger});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("receipt is for another entry"));

  // Without its leaf nothing says which entry a receipt is for: not accepted.
  const std::string bare = root_->path() + "/bare.json";
  WriteFileBytes(bare, ReceiptJsonText(mine, /*leaf=*/false));
  run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", bare});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("carries no leaf"));
  // A leaf that is not the leaf hash's.
  v1::Receipt swapped = mine;
  swapped.set_leaf(theirs.leaf());
  WriteFileBytes(bare, ReceiptJsonText(swapped));
  run = RunAudit({"receipt", "--log-key", *log_vkey_, "--file", bare});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
}

TEST_F(AuditCliTest, NegativeNumbersAreUsageErrors) {
  const std::string state = root_->path() + "/negative.state";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"verify", "--data", pristine_, "--log-key", *log_vkey_, "--threads", "-1"},
           {"verify", "--data", pristine_, "--log-key", *log_vkey_, "--max-findings", "-1"},
           {"monitor", "--server", "127.0.0.1:1", "--log-key", *log_vkey_, "--state", state,
            "--interval", "-1"},
           {"monitor", "--server", "127.0.0.1:1", "--log-key", *log_vkey_, "--state", state,
            "--max-seconds=-5"}}) {
    AuditRun run = RunAudit(args);
    EXPECT_EQ(run.exit_code, 2) << args[args.size() - 2] << ": " << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("must not be negative")) << args[args.size() - 2];
  }
}

}  // namespace
}  // namespace memoria
