// Server::Start and its data directory: a new log only with --init and only
// in an empty directory; one server per data directory and per address.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

using ::memoria::server::testing::RestartTestServerConfig;
using ::memoria::server::testing::TempDir;
using ::memoria::server::testing::TestServerConfig;
using ::testing::HasSubstr;

class ServerStartTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::warn); }

  std::string DataDir() const { return dir_.path() + "/data"; }

  // A new log in DataDir(), stopped again.
  void CreateLog() {
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(TestServerConfig(DataDir()));
    ASSERT_TRUE(server.ok()) << server.status();
  }

  TempDir dir_;
};

TEST_F(ServerStartTest, InitCreatesTheLogAndARestartWithoutItReopensIt) {
  std::string log_vkey;
  {
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(TestServerConfig(DataDir()));
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ((*server)->stats().tree_size, 1u);  // the genesis record
    log_vkey = (*server)->log_verifier().ToString();
  }
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(RestartTestServerConfig(DataDir()));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->log_verifier().ToString(), log_vkey);
  EXPECT_EQ((*server)->stats().tree_size, 1u);
}

TEST_F(ServerStartTest, WithoutInitAnAbsentDataDirIsRefusedAndNothingIsCreated) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(RestartTestServerConfig(DataDir()));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("does not exist"));
  EXPECT_THAT(server.status().message(), HasSubstr("--init"));
  EXPECT_THAT(server.status().message(), HasSubstr("restore"));
  EXPECT_FALSE(fs::exists(DataDir()));
}

// db/ deleted, or the data volume not mounted while the log key lives
// elsewhere: the key alone must never start a new log.
TEST_F(ServerStartTest, ALogKeyWithNoStoreIsRefusedNotANewGenesis) {
  ASSERT_NO_FATAL_FAILURE(CreateLog());
  fs::remove_all(DataDir() + "/db");
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(RestartTestServerConfig(DataDir()));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr(DataDir() + "/db is missing"));
  EXPECT_THAT(server.status().message(), HasSubstr("--init"));
  EXPECT_FALSE(fs::exists(DataDir() + "/db"));

  // The key kept elsewhere, the data directory empty (an unmounted volume).
  const std::string key_file = dir_.path() + "/log.key";
  fs::copy_file(DataDir() + "/keys/log.key", key_file);
  const std::string empty = dir_.path() + "/unmounted";
  fs::create_directories(empty);
  ServerConfig config = RestartTestServerConfig(empty);
  config.log_key_file = key_file;
  server = Server::Start(config);
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr(empty + "/db is missing"));
  EXPECT_FALSE(fs::exists(empty + "/db"));
}

// The store is there but holds no record (its write-ahead log lost before a
// flush): no genesis either. The high-water mark names the loss (DATA_LOSS);
// without it (a data directory from before the mark existed) the empty store
// alone is refused.
TEST_F(ServerStartTest, AStoreWithNoRecordsIsRefusedWithoutInit) {
  ASSERT_NO_FATAL_FAILURE(CreateLog());
  absl::StatusOr<Signer> log_key = ReadSignerKeyFile(DataDir() + "/keys/log.key");
  ASSERT_TRUE(log_key.ok()) << log_key.status();
  fs::remove_all(DataDir() + "/db");
  {
    absl::StatusOr<std::unique_ptr<Log>> empty_log = Log::Open({.path = DataDir() + "/db"}, *log_key);
    ASSERT_TRUE(empty_log.ok()) << empty_log.status();
  }
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(RestartTestServerConfig(DataDir()));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kDataLoss) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("came back shorter"));

  ASSERT_TRUE(fs::remove(DataDir() + "/high-water-mark"));
  server = Server::Start(RestartTestServerConfig(DataDir()));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("holds no records"));
  EXPECT_THAT(server.status().message(), HasSubstr("--init"));
  absl::StatusOr<std::unique_ptr<Log>> reopened = Log::Open({.path = DataDir() + "/db"}, *log_key);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Size(), 0u);
}

TEST_F(ServerStartTest, InitIsRefusedOnANonEmptyDataDir) {
  ASSERT_NO_FATAL_FAILURE(CreateLog());
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(TestServerConfig(DataDir()));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("--init refused"));
  EXPECT_THAT(server.status().message(), HasSubstr("not empty"));
  EXPECT_THAT(server.status().message(), HasSubstr("db"));

  // Any file at all: the log's state may be elsewhere, or this is the wrong directory.
  const std::string other = dir_.path() + "/other";
  fs::create_directories(other);
  std::ofstream(other + "/notes.txt") << "x";
  server = Server::Start(TestServerConfig(other));
  ASSERT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("notes.txt"));
  EXPECT_FALSE(fs::exists(other + "/db"));
  EXPECT_FALSE(fs::exists(other + "/keys"));
}

TEST_F(ServerStartTest, InitTakesAnExistingEmptyDirectory) {
  fs::create_directories(DataDir());
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(TestServerConfig(DataDir()));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->stats().tree_size, 1u);
}

TEST_F(ServerStartTest, TwoServersNeverOpenOneDataDir) {
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start(TestServerConfig(DataDir()));
  ASSERT_TRUE(first.ok()) << first.status();
  for (bool init : {false, true}) {
    ServerConfig config = RestartTestServerConfig(DataDir());
    config.init = init;
    absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(config);
    ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
    EXPECT_THAT(second.status().message(),
                HasSubstr(absl::StrCat("the data directory ", DataDir(), " is in use")));
    EXPECT_THAT(second.status().message(), HasSubstr("another memoria-server holds its lock"));
  }
  // The first one still serves, and once it is gone the directory is free.
  EXPECT_EQ((*first)->stats().tree_size, 1u);
  first->reset();
  absl::StatusOr<std::unique_ptr<Server>> again =
      Server::Start(RestartTestServerConfig(DataDir()));
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(ServerStartTest, TwoServersNeverListenOnOneAddress) {
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start(TestServerConfig(DataDir()));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*first)->port());
  ServerConfig config = TestServerConfig(dir_.path() + "/another-log");
  config.listen = address;
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(config);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on " + address));
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

}  // namespace
}  // namespace memoria::server
