// Backup and restore with a real memoria-server process: backups taken on
// SIGUSR1 while a writer appends, restored with `memoria-server
// --restore-from`, verified by `memoria-audit verify --data` and served; an
// old backup is refused as a rollback (over a newer data directory, or given
// a newer known checkpoint); a damaged or altered backup is refused; a
// non-empty data directory is not overwritten without --restore-overwrite.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "server/backup.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/run_binary.h"
#include "tests/support/server_process.h"

namespace memoria::server {
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
using ::memoria::testing::RunBinary;
using ::memoria::testing::ServerProcess;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;

const std::string kAudit = std::string(MEMORIA_BINARY_DIR) + "/tools/audit/memoria-audit";

// The complete backups in `dir`, oldest first.
std::vector<std::string> CompleteBackups(const std::string& dir) {
  std::vector<std::string> backups;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    // A backup is complete once renamed from <name>.partial.
    if (entry.path().extension() != ".partial" && fs::exists(entry.path() / kBackupManifestFile)) {
      backups.push_back(entry.path().string());
    }
  }
  std::sort(backups.begin(), backups.end());
  return backups;
}

// Waits until `dir` holds `count` complete backups (a generous bound: the
// machine may be loaded).
std::vector<std::string> WaitForBackups(const std::string& dir, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> backups = CompleteBackups(dir);
    if (backups.size() >= count) return backups;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return CompleteBackups(dir);
}

// One log, written once for the suite: a server with a writer appending
// continuously while two backups are taken (A, then B, with the keys), then
// stopped with more records than B.
class BackupRestoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string data = dir_->File("data");
    ServerProcess server(dir_->path());
    ASSERT_EQ(server.Start({"--init", "--data-dir", data, "--shutdown-grace-seconds", "5",
                            "--backup-dir", dir_->File("backups"), "--backup-keys", "--log-level",
                            "info"}),
              absl::OkStatus());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(data + "/keys/admin.key");
    ASSERT_TRUE(admin.ok()) << admin.status();
    absl::StatusOr<Signer> log_key = ReadSignerKeyFile(data + "/keys/log.key");
    ASSERT_TRUE(log_key.ok()) << log_key.status();
    log_vkey_ = new std::string(log_key->verifier().ToString());
    const Signer writer = NewWriterKey("svc-backup");
    auto stub = NewLocalStub(server.port());
    {
      grpc::ClientContext context;
      v1::AppendRequest request;
      *request.mutable_entry() = RegisterWriterEntry(*admin, writer.verifier(), "register");
      v1::Receipt receipt;
      const grpc::Status status = stub->Append(&context, request, &receipt);
      ASSERT_TRUE(status.ok()) << StatusText(status);
    }
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::atomic<int> failed{0};
    std::thread appender([&] {
      for (int i = 0; !stop.load(); ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        v1::AppendBatchRequest request;
        for (int j = 0; j < 4; ++j) *request.add_entries() = GenericEntry(writer, absl::StrCat("e", i, "-", j));
        v1::AppendBatchResponse response;
        if (stub->AppendBatch(&context, request, &response).ok()) {
          acknowledged += 4;
        } else {
          ++failed;
        }
      }
    });
    auto wait_acknowledged = [&](int at_least) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (acknowledged.load() < at_least && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    wait_acknowledged(100);
    server.Signal(SIGUSR1);
    std::vector<std::string> backups = WaitForBackups(dir_->File("backups"), 1);
    const int at_first = acknowledged.load();
    wait_acknowledged(at_first + 100);
    server.Signal(SIGUSR1);
    backups = WaitForBackups(dir_->File("backups"), 2);
    wait_acknowledged(acknowledged.load() + 100);
    stop = true;
    appender.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(server.Terminate(), 0) << server.Log();
    ASSERT_EQ(backups.size(), 2u) << server.Log();
    backup_a_ = new std::string(backups[0]);
    backup_b_ = new std::string(backups[1]);
    server_log_ = new std::string(server.Log());
  }

  static void TearDownTestSuite() {
    delete dir_;
    delete log_vkey_;
    delete backup_a_;
    delete backup_b_;
    delete server_log_;
  }

  void SetUp() override {
    if (backup_b_ == nullptr) GTEST_SKIP() << "the suite's log could not be written";
  }

  static Verifier LogKey() { return *Verifier::Parse(*log_vkey_); }

  // memoria-server --restore-from `backup` --data-dir `data` [extra...].
  ProcessRun Restore(const std::string& backup, const std::string& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--restore-from", backup, "--data-dir", data};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBinary(MEMORIA_SERVER_BINARY, args, scratch_.path());
  }

  // A full copy (no hard links) of `backup` that a test may damage.
  std::string CopyOf(const std::string& backup, const std::string& name) {
    const std::string copy = scratch_.File(name);
    fs::copy(backup, copy, fs::copy_options::recursive);
    return copy;
  }

  static TempDir* dir_;
  static std::string* log_vkey_;
  static std::string* backup_a_;
  static std::string* backup_b_;
  static std::string* server_log_;
  TempDir scratch_;
};

TempDir* BackupRestoreTest::dir_ = nullptr;
std::string* BackupRestoreTest::log_vkey_ = nullptr;
std::string* BackupRestoreTest::backup_a_ = nullptr;
std::string* BackupRestoreTest::backup_b_ = nullptr;
std::string* BackupRestoreTest::server_log_ = nullptr;

TEST_F(BackupRestoreTest, BackupsTakenWhileAppendingNameTheCheckpointTheyHold) {
  absl::StatusOr<Backup> a = ReadBackupManifest(*backup_a_);
  absl::StatusOr<Backup> b = ReadBackupManifest(*backup_b_);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_GT(a->manifest.size, 100u);
  EXPECT_GT(b->manifest.size, a->manifest.size + 100);
  EXPECT_EQ(a->manifest.log_vkey, *log_vkey_);
  EXPECT_TRUE(a->manifest.keys_included);
  EXPECT_TRUE(fs::exists(*backup_a_ + "/keys/log.key"));
  EXPECT_TRUE(fs::exists(*backup_a_ + "/personal/CURRENT"));
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(a->checkpoint, LogKey());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->size, a->manifest.size);
  EXPECT_THAT(*server_log_, HasSubstr(absl::StrCat("backup written to ", *backup_a_, ": ", a->manifest.size,
                                                   " records")));
  // The backup is what memoria-audit verify --data accepts, as taken.
  const ProcessRun audit = RunBinary(kAudit, {"verify", "--data", CopyOf(*backup_a_, "a"), "--log-key", *log_vkey_},
                                     scratch_.path());
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(BackupRestoreTest, RestoredLogVerifiesAndServes) {
  const std::string data = scratch_.File("restored");
  auto listing = [](const std::string& dir) {
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
      files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  const std::vector<std::string> backup_files = listing(*backup_b_);
  const ProcessRun restore = Restore(*backup_b_, data);
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_EQ(listing(*backup_b_), backup_files) << "the restore wrote into the backup";
  absl::StatusOr<Backup> b = ReadBackupManifest(*backup_b_);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(restore.out, HasSubstr(absl::StrCat(b->manifest.size, " records")));

  const ProcessRun audit = RunBinary(kAudit, {"verify", "--data", data, "--log-key", *log_vkey_}, scratch_.path());
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_THAT(audit.out, HasSubstr(absl::StrCat(b->manifest.size, "/", b->manifest.size, " records valid")));

  ServerProcess server(scratch_.path());
  ASSERT_EQ(server.Start({"--data-dir", data, "--shutdown-grace-seconds", "5", "--log-level", "warn"}),
            absl::OkStatus());
  auto stub = NewLocalStub(server.port());
  grpc::ClientContext context;
  v1::CheckpointResponse response;
  const grpc::Status status = stub->GetCheckpoint(&context, v1::GetCheckpointRequest(), &response);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  absl::StatusOr<Checkpoint> served = OpenCheckpoint(response.note(), LogKey());
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ(served->size, b->manifest.size);
  // A restore over a data directory a server holds is refused, even with
  // --restore-overwrite and a backup that is no rollback.
  const ProcessRun over_running = Restore(*backup_b_, data, {"--restore-overwrite"});
  EXPECT_EQ(over_running.exit_code, 1) << over_running.out << over_running.err;
  EXPECT_THAT(over_running.err, HasSubstr("in use by a running memoria-server"));
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST_F(BackupRestoreTest, OldBackupOverNewerDataDirectoryIsRefusedAsRollback) {
  const std::string data = CopyOf(dir_->File("data"), "data");
  const std::string mark_before = ReadFileBytes(data + "/high-water-mark");
  const ProcessRun restore = Restore(*backup_a_, data, {"--restore-overwrite"});
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_THAT(restore.err, HasSubstr("ROLLBACK"));
  EXPECT_THAT(restore.err, HasSubstr("high-water mark"));
  // Nothing changed.
  EXPECT_EQ(ReadFileBytes(data + "/high-water-mark"), mark_before);
  EXPECT_FALSE(fs::exists(data + ".restoring"));
}

TEST_F(BackupRestoreTest, OldBackupIsRefusedGivenANewerKnownCheckpoint) {
  const std::string data = scratch_.File("restored");
  const ProcessRun restore =
      Restore(*backup_a_, data, {"--restore-known-checkpoint", *backup_b_ + "/checkpoint"});
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_THAT(restore.err, HasSubstr("ROLLBACK"));
  EXPECT_FALSE(fs::exists(data));
  // The older known checkpoint is consistent with the newer backup.
  const ProcessRun newer = Restore(*backup_b_, data, {"--restore-known-checkpoint", *backup_a_ + "/checkpoint"});
  EXPECT_EQ(newer.exit_code, 0) << newer.out << newer.err;
  EXPECT_THAT(newer.out, HasSubstr("consistent with --restore-known-checkpoint"));
}

TEST_F(BackupRestoreTest, ForgedKnownCheckpointIsRefused) {
  const std::string forged = scratch_.File("forged");
  std::string note = ReadFileBytes(*backup_b_ + "/checkpoint");
  note[note.find('\n') + 1] = note[note.find('\n') + 1] == '9' ? '8' : '9';  // the size's first digit
  WriteFileBytes(forged, note);
  const ProcessRun restore = Restore(*backup_a_, scratch_.File("restored"), {"--restore-known-checkpoint", forged});
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_THAT(restore.err, HasSubstr("not a checkpoint of this log"));
}

TEST_F(BackupRestoreTest, DamagedBackupIsRefused) {
  const std::string copy = CopyOf(*backup_a_, "damaged");
  // Flip bytes in the middle of the largest table file.
  std::string largest;
  uintmax_t largest_size = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(copy + "/db")) {
    if (entry.path().extension() == ".sst" && entry.file_size() > largest_size) {
      largest = entry.path().string();
      largest_size = entry.file_size();
    }
  }
  ASSERT_FALSE(largest.empty());
  std::string bytes = ReadFileBytes(largest);
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 16; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  WriteFileBytes(largest, bytes);
  const std::string data = scratch_.File("restored");
  const ProcessRun restore = Restore(copy, data);
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_THAT(restore.err, HasSubstr("DATA_LOSS"));
  EXPECT_FALSE(fs::exists(data));
}

TEST_F(BackupRestoreTest, BackupWhoseManifestLiesIsRefused) {
  const std::string copy = CopyOf(*backup_a_, "lying");
  std::string manifest = ReadFileBytes(copy + "/BACKUP");
  absl::StatusOr<Backup> b = ReadBackupManifest(*backup_b_);
  ASSERT_TRUE(b.ok());
  absl::StatusOr<Backup> a = ReadBackupManifest(*backup_a_);
  ASSERT_TRUE(a.ok());
  // Claim B's size and checkpoint for A's store.
  manifest.replace(manifest.find(absl::StrCat("size ", a->manifest.size)),
                   absl::StrCat("size ", a->manifest.size).size(), absl::StrCat("size ", b->manifest.size));
  WriteFileBytes(copy + "/BACKUP", manifest);
  WriteFileBytes(copy + "/checkpoint", b->checkpoint);
  const ProcessRun restore = Restore(copy, scratch_.File("restored"));
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_THAT(restore.err, HasSubstr("manifest says"));
}

TEST_F(BackupRestoreTest, NonEmptyDataDirectoryNeedsOverwriteAndIsMovedAside) {
  const std::string data = scratch_.File("restored");
  ASSERT_EQ(Restore(*backup_a_, data).exit_code, 0);
  // B over A's restored copy: newer, so no rollback; refused without the flag.
  const ProcessRun refused = Restore(*backup_b_, data);
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("is not empty"));
  const ProcessRun restore = Restore(*backup_b_, data, {"--restore-overwrite"});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_THAT(restore.out, HasSubstr("moved to " + data + ".before-restore-"));
  EXPECT_THAT(restore.out, HasSubstr("consistent with the high-water mark"));
  const ProcessRun audit = RunBinary(kAudit, {"verify", "--data", data, "--log-key", *log_vkey_}, scratch_.path());
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(BackupRestoreTest, UsageErrors) {
  const ProcessRun lone = RunBinary(MEMORIA_SERVER_BINARY, {"--restore-overwrite"}, scratch_.path());
  EXPECT_EQ(lone.exit_code, 2) << lone.out << lone.err;
  const ProcessRun with_init =
      RunBinary(MEMORIA_SERVER_BINARY, {"--restore-from", *backup_a_, "--init"}, scratch_.path());
  EXPECT_EQ(with_init.exit_code, 2) << with_init.out << with_init.err;
  const ProcessRun not_backup = Restore(scratch_.path(), scratch_.File("restored"));
  EXPECT_EQ(not_backup.exit_code, 1);
  EXPECT_THAT(not_backup.err, HasSubstr("not a complete memoria backup"));
}

}  // namespace
}  // namespace memoria::server
