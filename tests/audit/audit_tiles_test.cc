// memoria-audit verify --tiles and monitor --tiles, the real binary against a
// log an in-process memoria-server publishes with --tiles-dir and serves with
// --http-listen on loopback, and through nginx: the same verdict as verify
// --server, the state resumed (only the records added since are read), and
// every tampering refused with its exit code: a flipped byte in a bundle or a
// tile (1), a checkpoint by another key (1), a rolled-back or forked
// checkpoint against the state (1), a missing resource (2).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "ledger/tile_path.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/nginx_process.h"
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
using ::memoria::testing::ProcessRun;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;

class AuditTilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    server::ServerConfig config = server::testing::TestServerConfig(dir_.File("data"));
    config.tiles_dir = tiles_dir();
    config.tiles_interval = absl::Milliseconds(50);
    config.http_listen = "127.0.0.1:0";
    server_ = server::testing::MustStart(config);
    ASSERT_NE(server_, nullptr);
    stub_ = NewLocalStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir_.File("data/keys/admin.key"));
    ASSERT_TRUE(admin.ok()) << admin.status();
    writer_ = std::make_unique<Signer>(NewWriterKey("svc-posts"));
    Append({RegisterWriterEntry(*admin, writer_->verifier(), "register")});
    AppendEvents(700);
    log_vkey_ = server_->log_verifier().ToString();
  }

  std::string tiles_dir() const { return dir_.File("tiles"); }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", server_->http_port()); }

  void Append(const std::vector<v1::SignedEntry>& entries) {
    grpc::ClientContext context;
    v1::AppendBatchRequest request;
    for (const v1::SignedEntry& entry : entries) *request.add_entries() = entry;
    v1::AppendBatchResponse response;
    const grpc::Status status = stub_->AppendBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }
  // Appends `n` events and waits (up to 20 s) until they are published.
  void AppendEvents(int n) {
    std::vector<v1::SignedEntry> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(GenericEntry(*writer_, absl::StrCat("event-", ++events_), "post.published",
                                   {{"url", absl::StrCat("https://example.org/", events_)}}));
      if (batch.size() == 500 || i + 1 == n) {
        Append(batch);
        batch.clear();
      }
    }
    const uint64_t size = server_->log().Size();
    for (int i = 0; i < 2000 && server_->tiles()->published_size() != size; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(server_->tiles()->published_size(), size);
  }
  // A copy of the tiles directory as it is now.
  std::string CopyTiles(const std::string& name) {
    const std::string copy = dir_.File(name);
    fs::remove_all(copy);
    fs::copy(tiles_dir(), copy, fs::copy_options::recursive);
    return copy;
  }

  ProcessRun Audit(const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(MEMORIA_AUDIT_BINARY, args, dir_.path());
  }
  ProcessRun VerifyTiles(const std::string& location, const std::string& state = "") {
    std::vector<std::string> args = {"verify", "--tiles", location, "--log-key", log_vkey_, "--no-progress"};
    if (!state.empty()) args.insert(args.end(), {"--state", state});
    return Audit(args);
  }
  ProcessRun MonitorOnce(const std::string& location, const std::string& state) {
    return Audit({"monitor", "--tiles", location, "--log-key", log_vkey_, "--state", state,
                  "--once", "--interval", "0.2"});
  }
  uint64_t TrustedSize(const std::string& state) {
    absl::StatusOr<Checkpoint> checkpoint =
        OpenCheckpoint(ReadFileBytes(state), server_->log_verifier());
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    return checkpoint.ok() ? checkpoint->size : 0;
  }
  static void Flip(const std::string& path, size_t at) {
    std::string bytes = ReadFileBytes(path);
    ASSERT_LT(at, bytes.size()) << path;
    bytes[at] ^= 0x01;
    WriteFileBytes(path, bytes);
  }

  TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> writer_;
  std::string log_vkey_;
  int events_ = 0;
};

// 702 records: genesis, the registration, 700 events.
constexpr uint64_t kSize = 702;

TEST_F(AuditTilesTest, VerifiesOverHttpAndFromTheDirectoryLikeVerifyServer) {
  ProcessRun http = VerifyTiles(url());
  ASSERT_EQ(http.exit_code, 0) << http.out << http.err;
  EXPECT_THAT(http.out, HasSubstr(absl::StrCat(kSize, "/", kSize, " records valid")));
  EXPECT_THAT(http.out, HasSubstr(absl::StrCat("checkpoint ", kSize, " verified")));
  ProcessRun directory = VerifyTiles(tiles_dir());
  ASSERT_EQ(directory.exit_code, 0) << directory.out << directory.err;
  ProcessRun grpc = Audit({"verify", "--server", absl::StrCat("127.0.0.1:", server_->port()),
                           "--log-key", log_vkey_, "--no-progress"});
  ASSERT_EQ(grpc.exit_code, 0) << grpc.out << grpc.err;
  // The same summary but for the source.
  EXPECT_EQ(http.out, directory.out);
  EXPECT_EQ(http.out, grpc.out);

  ProcessRun json = Audit({"verify", "--tiles", url(), "--log-key", log_vkey_, "--json", "--parallel", "2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"ok\":true"));
  EXPECT_THAT(json.out, HasSubstr(absl::StrCat("\"source\":\"tiles ", url(), "\"")));
}

TEST_F(AuditTilesTest, StateResumesReadingOnlyTheRecordsAddedSince) {
  const std::string state = dir_.File("audit.state");
  ProcessRun first = VerifyTiles(url(), state);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(TrustedSize(state), kSize);
  ASSERT_TRUE(fs::exists(state + ".auditor"));

  AppendEvents(300);
  ProcessRun second = VerifyTiles(url(), state);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_THAT(second.out, HasSubstr(absl::StrCat("300/300 records valid (records [", kSize, ", ",
                                                 kSize + 300, ")")));
  EXPECT_THAT(second.out, HasSubstr(absl::StrCat("consistent with trusted ", kSize)));
  EXPECT_EQ(TrustedSize(state), kSize + 300);

  // monitor goes on from the same state; then a run without the resume
  // point replays everything and agrees.
  AppendEvents(100);
  ProcessRun monitor = MonitorOnce(url(), state);
  ASSERT_EQ(monitor.exit_code, 0) << monitor.out << monitor.err;
  EXPECT_THAT(monitor.out, HasSubstr(absl::StrCat("checkpoint ", kSize + 400, " verified")));
  EXPECT_EQ(TrustedSize(state), kSize + 400);
  fs::remove(state + ".auditor");
  AppendEvents(10);
  ProcessRun replay = VerifyTiles(url(), state);
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_THAT(replay.err, HasSubstr("replaying from record 0"));
  EXPECT_THAT(replay.out, HasSubstr(absl::StrCat(kSize + 410, "/", kSize + 410, " records valid")));

  // A resume point whose writers were edited is not at the trusted
  // checkpoint's root if its tree is edited, and refused: replay.
  std::string resume = ReadFileBytes(state + ".auditor");
  const size_t range = resume.find("range ");
  ASSERT_NE(range, std::string::npos);
  resume[range + 8] = resume[range + 8] == 'A' ? 'B' : 'A';
  WriteFileBytes(state + ".auditor", resume);
  ProcessRun edited = VerifyTiles(url(), state);
  ASSERT_EQ(edited.exit_code, 0) << edited.out << edited.err;
  EXPECT_THAT(edited.err, HasSubstr("replaying from record 0"));
}

TEST_F(AuditTilesTest, MonitorFollowsTheTilesAsTheLogGrows) {
  const std::string state = dir_.File("monitor.state");
  ProcessRun follow;
  std::thread monitor([&] {
    follow = Audit({"monitor", "--tiles", url(), "--log-key", log_vkey_, "--state", state,
                    "--interval", "0.2", "--max-seconds", "10"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  AppendEvents(300);
  monitor.join();
  EXPECT_EQ(follow.exit_code, 0) << follow.out << follow.err;
  EXPECT_EQ(TrustedSize(state), kSize + 300);
  EXPECT_THAT(follow.out, HasSubstr(absl::StrCat("checkpoint ", kSize + 300, " verified")));
}

TEST_F(AuditTilesTest, TamperedTilesAreIntegrityFailuresAndMissingOnesIoErrors) {
  {
    const std::string copy = CopyTiles("bundle-flipped");
    Flip(copy + "/" + tiles::EntryBundlePath(1), 300);
    ProcessRun run = VerifyTiles(copy);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("tile/entries/001"));
  }
  {
    const std::string copy = CopyTiles("tile-flipped");
    Flip(copy + "/" + tiles::HashTilePath(0, 2, kSize % 256), 40);
    ProcessRun run = VerifyTiles(copy);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  }
  {
    const std::string copy = CopyTiles("missing");
    fs::remove(copy + "/" + tiles::EntryBundlePath(0));
    ProcessRun run = VerifyTiles(copy);
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("tile/entries/000"));
  }
  {
    // Another key's checkpoint (same origin, other key).
    const std::string copy = CopyTiles("other-key");
    absl::StatusOr<Checkpoint> checkpoint =
        OpenCheckpoint(ReadFileBytes(copy + "/checkpoint"), server_->log_verifier());
    ASSERT_TRUE(checkpoint.ok());
    absl::StatusOr<Signer> other = Signer::Generate(checkpoint->origin);
    ASSERT_TRUE(other.ok());
    WriteFileBytes(copy + "/checkpoint", *SignCheckpoint(*checkpoint, *other));
    ProcessRun run = VerifyTiles(copy);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("does not open under the log key"));
  }
  ProcessRun nothing = VerifyTiles("http://127.0.0.1:1");
  EXPECT_EQ(nothing.exit_code, 2) << nothing.out << nothing.err;
  EXPECT_THAT(nothing.err, HasSubstr("http://127.0.0.1:1/checkpoint"));
  ProcessRun scheme = VerifyTiles("ftp://example.org/log");
  EXPECT_EQ(scheme.exit_code, 2);
}

TEST_F(AuditTilesTest, RollbackAndForkAgainstTheStateAreCaught) {
  const std::string old_copy = CopyTiles("old");
  const std::string state = dir_.File("trusted.state");
  AppendEvents(300);
  ASSERT_EQ(VerifyTiles(url(), state).exit_code, 0);
  const std::string trusted = ReadFileBytes(state);

  ProcessRun rolled = VerifyTiles(old_copy, state);
  EXPECT_EQ(rolled.exit_code, 1) << rolled.out << rolled.err;
  EXPECT_THAT(rolled.out, HasSubstr("ROLLBACK"));
  ProcessRun monitor = MonitorOnce(old_copy, state);
  EXPECT_EQ(monitor.exit_code, 1) << monitor.out << monitor.err;
  EXPECT_THAT(monitor.err, HasSubstr("rollback"));
  EXPECT_EQ(ReadFileBytes(state), trusted);

  // A checkpoint signed by the log key itself over another root of the same
  // size (a forked log serving the world different histories).
  const std::string forked = CopyTiles("forked");
  absl::StatusOr<Checkpoint> checkpoint =
      OpenCheckpoint(ReadFileBytes(forked + "/checkpoint"), server_->log_verifier());
  ASSERT_TRUE(checkpoint.ok());
  checkpoint->root[0] ^= 1;
  absl::StatusOr<Signer> log_key = ReadSignerKeyFile(dir_.File("data/keys/log.key"));
  ASSERT_TRUE(log_key.ok());
  WriteFileBytes(forked + "/checkpoint", *SignCheckpoint(*checkpoint, *log_key));
  ProcessRun fork = VerifyTiles(forked, state);
  EXPECT_EQ(fork.exit_code, 1) << fork.out << fork.err;
  EXPECT_THAT(fork.out, HasSubstr("fork"));
  ProcessRun monitor_fork = MonitorOnce(forked, state);
  EXPECT_EQ(monitor_fork.exit_code, 1) << monitor_fork.out << monitor_fork.err;
  EXPECT_THAT(monitor_fork.err, HasSubstr("fork"));
  // Without a state, the forged root fails against the records.
  ProcessRun alone = VerifyTiles(forked);
  EXPECT_EQ(alone.exit_code, 1) << alone.out << alone.err;
  EXPECT_EQ(ReadFileBytes(state), trusted);
}

TEST_F(AuditTilesTest, VerifiesThroughNginxAndResumes) {
  const std::string nginx = ::memoria::testing::FindNginx();
  if (nginx.empty()) {
    GTEST_SKIP() << "nginx is not installed (Debian package nginx, tools/install-deps.sh)";
  }
  const int port = ::memoria::testing::FreePort();
  ASSERT_NE(port, 0);
  ::memoria::testing::Nginx web(nginx, port, tiles_dir(), dir_.path());
  ASSERT_TRUE(web.ready()) << web.errors();
  const std::string through = absl::StrCat("http://127.0.0.1:", port, "/");
  const std::string state = dir_.File("nginx.state");
  ProcessRun first = VerifyTiles(through, state);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err << web.errors();
  AppendEvents(260);
  ProcessRun second = VerifyTiles(through, state);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_THAT(second.out, HasSubstr("260/260 records valid"));
  AppendEvents(5);
  ProcessRun monitor = MonitorOnce(through, state);
  ASSERT_EQ(monitor.exit_code, 0) << monitor.out << monitor.err;
  EXPECT_EQ(TrustedSize(state), kSize + 265);
}

}  // namespace
}  // namespace memoria
