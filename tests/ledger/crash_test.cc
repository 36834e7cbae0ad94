// Crash safety with real processes: a child (append_child.cc) appends and is
// killed with SIGKILL;
// the parent reopens the store and finds a whole prefix of batches.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "ledger/log.h"
#include "ledger/record.h"
#include "tests/ledger/crash_batch.h"
#include "tests/ledger/test_support.h"
#include "tests/support/file_bytes.h"

namespace memoria {
namespace {

using ::memoria::testing::ScopedTempDir;

constexpr uint64_t kBatch = testing::kCrashBatchSize;

Signer TestLogKey() {
  InitCrypto();
  return testing::CrashLogKey();
}

std::vector<PendingEntry> Batch(uint64_t first) { return testing::CrashBatch(first); }

// Starts ledger_append_child on `path` (see append_child.cc), with the
// high-water mark `mark` if not empty.
pid_t Spawn(const std::string& path, int64_t kill_before_batch, const std::string& mark = "") {
  const std::string kill_arg = std::to_string(kill_before_batch);
  const pid_t pid = fork();
  if (pid == 0) {
    if (mark.empty()) {
      execl(MEMORIA_APPEND_CHILD, MEMORIA_APPEND_CHILD, path.c_str(), kill_arg.c_str(), nullptr);
    } else {
      execl(MEMORIA_APPEND_CHILD, MEMORIA_APPEND_CHILD, path.c_str(), kill_arg.c_str(),
            mark.c_str(), nullptr);
    }
    _exit(127);
  }
  return pid;
}

// Runs the child until it kills itself before writing batch `kill_before_batch`.
void AppendUntilKilled(const std::string& path, int64_t kill_before_batch,
                       const std::string& mark = "") {
  const pid_t pid = Spawn(path, kill_before_batch, mark);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

// The newest write-ahead log of the store at `path` (RocksDB's NNNNNN.log).
std::string NewestWal(const std::string& path) {
  std::string newest;
  for (const auto& file : std::filesystem::directory_iterator(path)) {
    const std::string name = file.path().filename().string();
    if (name.size() > 4 && name.ends_with(".log") && name != "LOG" &&
        (newest.empty() || name > std::filesystem::path(newest).filename().string())) {
      newest = file.path().string();
    }
  }
  return newest;
}

// Every record is present, chained, and covered by the verified checkpoint.
void ExpectWholePrefixOfBatches(const Log& log) {
  const uint64_t size = log.Size();
  EXPECT_EQ(size % kBatch, 0u) << "a partial batch survived: size " << size;
  Hash prev{};
  int64_t prev_time = 0;
  std::vector<Hash> leaves;
  ASSERT_TRUE(log.ScanRecords(0, size, [&](uint64_t index, std::string_view bytes) {
                   auto record = DecodeRecord(bytes);
                   EXPECT_TRUE(record.ok());
                   if (!record.ok()) return false;
                   EXPECT_TRUE(CheckChainLink(*record, index, prev, prev_time).ok()) << index;
                   prev = LeafHash(bytes);
                   prev_time = record->integration_time_micros();
                   leaves.push_back(prev);
                   return true;
                 }).ok());
  ASSERT_EQ(leaves.size(), size);
  auto checkpoint = OpenCheckpoint(log.Head().note, log.verifier());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->size, size);
  if (size > 0) {
    const uint64_t index = size / 3;
    auto proof = log.InclusionProof(index, size);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyInclusion(index, size, leaves[index], *proof, checkpoint->root).ok());
  }
}

TEST(CrashTest, BatchNeverSyncedIsAbsentAndTheLogContinues) {
  ScopedTempDir dir;
  const pid_t pid = Spawn(dir.path(), /*kill_before_batch=*/3);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 3 * kBatch);
  EXPECT_EQ((*log)->FindDedup("w\n" + std::to_string(3 * kBatch)).status().code(),
            absl::StatusCode::kNotFound);
  ExpectWholePrefixOfBatches(**log);

  auto result = (*log)->Append(Batch(3 * kBatch));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->records.front().index, 3 * kBatch);
  ExpectWholePrefixOfBatches(**log);
}

TEST(CrashTest, KilledAtRandomMomentsKeepsAWholePrefixOfBatches) {
  ScopedTempDir dir;
  std::mt19937 rng(42);
  uint64_t last_size = 0;
  for (int round = 0; round < 10; ++round) {
    const pid_t pid = Spawn(dir.path(), /*kill_before_batch=*/-1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 250));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << status;

    auto log = Log::Open({.path = dir.path()}, TestLogKey());
    ASSERT_TRUE(log.ok()) << "round " << round << ": " << log.status();
    EXPECT_GE((*log)->Size(), last_size) << "acknowledged batches were lost";
    last_size = (*log)->Size();
    ExpectWholePrefixOfBatches(**log);
  }
  EXPECT_GT(last_size, 0u);
}

// Acknowledged batches that are only in the write-ahead log (the process was
// killed before any flush) must never come back as a shorter log: 16 bytes
// flipped half-way through the WAL make the open fail, saying how to recover.
TEST(CrashTest, DamageInTheMiddleOfTheWalRefusesToOpen) {
  ScopedTempDir dir;
  const std::string store = dir.path() + "/db";
  const std::string mark = dir.path() + "/mark";
  AppendUntilKilled(store, /*kill_before_batch=*/40, mark);
  const std::string wal = NewestWal(store);
  ASSERT_FALSE(wal.empty());
  std::string bytes = testing::ReadFileBytes(wal);
  ASSERT_GT(bytes.size(), 40 * kBatch * 200) << "the batches are not in the WAL";
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) {
    bytes[i] = static_cast<char>(bytes[i] ^ 0xff);
  }
  testing::WriteFileBytes(wal, bytes);

  for (const std::string& with_mark : {std::string(), mark}) {
    LogOptions options{.path = store};
    options.high_water_mark_path = with_mark;
    auto log = Log::Open(options, TestLogKey());
    ASSERT_EQ(log.status().code(), absl::StatusCode::kDataLoss)
        << (log.ok() ? "opened with " + std::to_string((*log)->Size()) + " of " +
                           std::to_string(40 * kBatch) + " acknowledged records"
                     : log.status().ToString());
    EXPECT_THAT(std::string(log.status().message()), ::testing::HasSubstr("write-ahead log"));
    EXPECT_THAT(std::string(log.status().message()),
                ::testing::HasSubstr("Restore the data directory from a backup"));
  }
}

// A crash in the middle of writing a batch leaves its WAL record torn: that
// batch was never acknowledged, and the log opens without it, with every
// batch before it.
TEST(CrashTest, ATornTailOfTheWalOpensWithEveryAcknowledgedBatch) {
  ScopedTempDir dir;
  const std::string store = dir.path() + "/db";
  const std::string mark = dir.path() + "/mark";
  AppendUntilKilled(store, /*kill_before_batch=*/10, mark);
  const std::string mark_before = testing::ReadFileBytes(mark);
  // One more batch alone in a new WAL; then the crash tears its record and
  // its mark was never written.
  AppendUntilKilled(store, /*kill_before_batch=*/1, mark);
  testing::WriteFileBytes(mark, mark_before);
  const std::string wal = NewestWal(store);
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 1000);

  LogOptions options{.path = store};
  options.high_water_mark_path = mark;
  auto log = Log::Open(options, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 10 * kBatch);
  ExpectWholePrefixOfBatches(**log);
}

}  // namespace
}  // namespace memoria
