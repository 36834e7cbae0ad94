// The log never comes back shorter than what it acknowledged, and survives a
// full disk: the high-water mark beside the store (a store rolled back,
// forked or lost is refused at open), failed writes on a full disk (a
// fault-injecting RocksDB file system always; a real loop-mounted ext4 image
// when the test runs as root and may mount), and the store's directory
// created private whatever the umask.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "ledger/high_water_mark.h"
#include "ledger/log.h"
#include "ledger/record.h"
#include "tests/ledger/test_support.h"
#include "tests/support/file_bytes.h"

namespace memoria {
namespace {

namespace fs = std::filesystem;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::ScopedTempDir;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;

Signer TestLogKey() {
  InitCrypto();
  return *Signer::Parse(
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
}

std::vector<PendingEntry> Entries(uint64_t first, uint64_t count, size_t bytes = 64) {
  std::vector<PendingEntry> entries;
  for (uint64_t n = first; n < first + count; ++n) {
    PendingEntry entry;
    entry.writer_key_id = 0xc74f20a3;
    entry.entry = "entry " + std::to_string(n);
    entry.entry.resize(bytes, 'x');
    entry.writer_signature = std::string(64, static_cast<char>(n & 0xff));
    entry.dedup_key = "d" + std::to_string(n);
    entries.push_back(std::move(entry));
  }
  return entries;
}

LogOptions Options(const std::string& dir) {
  LogOptions options;
  options.path = dir + "/db";
  options.high_water_mark_path = dir + "/" + std::string(kHighWaterMarkFile);
  return options;
}

// Appends `batches` batches of 10 entries from entry `first`; the log's size after.
uint64_t AppendBatches(Log& log, uint64_t batches) {
  for (uint64_t b = 0; b < batches; ++b) {
    auto appended = log.Append(Entries(log.Size(), 10));
    EXPECT_TRUE(appended.ok()) << appended.status();
  }
  return log.Size();
}

// Every record [0, size) is there, chained, under a checkpoint that verifies.
void ExpectWholeLog(const Log& log, uint64_t size) {
  ASSERT_EQ(log.Size(), size);
  Hash prev{};
  int64_t prev_time = 0;
  uint64_t seen = 0;
  ASSERT_TRUE(log.ScanRecords(0, size, [&](uint64_t index, std::string_view bytes) {
                   auto record = DecodeRecord(bytes);
                   EXPECT_TRUE(record.ok() && CheckChainLink(*record, index, prev, prev_time).ok())
                       << index;
                   if (!record.ok()) return false;
                   const std::string name = "entry " + std::to_string(index) + "x";
                   EXPECT_EQ(record->entry().substr(0, name.size()), name) << index;
                   prev = LeafHash(bytes);
                   prev_time = record->integration_time_micros();
                   ++seen;
                   return true;
                 }).ok());
  EXPECT_EQ(seen, size);
  EXPECT_TRUE(OpenCheckpoint(log.Head().note, log.verifier()).ok());
}

// ---- the high-water mark --------------------------------------------------------------

TEST(HighWaterMarkTest, AStoreRolledBackToAnOlderCopyIsRefused) {
  ScopedTempDir dir;
  const std::string backup = dir.path() + "/db-backup";
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendBatches(**log, 3);
  }
  fs::copy(dir.path() + "/db", backup, fs::copy_options::recursive);
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(AppendBatches(**log, 2), 50u);
  }
  fs::remove_all(dir.path() + "/db");
  fs::rename(backup, dir.path() + "/db");

  auto refused = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("holds 30 records"));
  EXPECT_THAT(refused.status().message(), HasSubstr("acknowledged and signed 50"));
  EXPECT_THAT(refused.status().message(), HasSubstr("came back shorter"));
  EXPECT_THAT(refused.status().message(), HasSubstr("Restore the data directory from a backup"));
  // Refused again: the mark is left as it was.
  EXPECT_EQ(Log::Open(Options(dir.path()), TestLogKey()).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(HighWaterMarkTest, AnotherLogUnderTheSameKeyIsRefusedAsAFork) {
  ScopedTempDir dir;
  ScopedTempDir other;
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendBatches(**log, 2);
  }
  {
    // Same key, other entries, longer.
    auto log = Log::Open(Options(other.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    for (int b = 0; b < 3; ++b) {
      ASSERT_TRUE((*log)->Append(Entries(1000 + (*log)->Size(), 10)).ok());
    }
  }
  fs::remove_all(dir.path() + "/db");
  fs::copy(other.path() + "/db", dir.path() + "/db", fs::copy_options::recursive);

  auto refused = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("another root at size 20"));
  EXPECT_THAT(refused.status().message(), HasSubstr("a fork"));
}

TEST(HighWaterMarkTest, AMarkWithoutAStoreIsRefusedNotANewLog) {
  ScopedTempDir dir;
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendBatches(**log, 1);
  }
  fs::remove_all(dir.path() + "/db");
  auto refused = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("acknowledged and signed 10 records"));
  EXPECT_THAT(refused.status().message(), HasSubstr("no store at " + dir.path() + "/db"));
  EXPECT_FALSE(fs::exists(dir.path() + "/db/CURRENT")) << "nothing is created";
}

TEST(HighWaterMarkTest, AMissingMarkIsCreatedAndFollowsEveryBatch) {
  ScopedTempDir dir;
  const std::string mark_path = Options(dir.path()).high_water_mark_path;
  {
    LogOptions without_mark = Options(dir.path());
    without_mark.high_water_mark_path.clear();  // a data directory from before the mark
    auto log = Log::Open(without_mark, TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendBatches(**log, 2);
  }
  EXPECT_FALSE(fs::exists(mark_path));
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    auto mark = ReadHighWaterMark(mark_path, (*log)->verifier());
    ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
    EXPECT_EQ((*mark)->checkpoint.size, 20u);
    for (uint64_t b = 0; b < 3; ++b) {
      auto appended = (*log)->Append(Entries((*log)->Size(), 10));
      ASSERT_TRUE(appended.ok()) << appended.status();
      mark = ReadHighWaterMark(mark_path, (*log)->verifier());
      ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
      EXPECT_EQ((*mark)->note, appended->checkpoint) << "the acknowledged checkpoint is the mark";
    }
  }
  struct stat info {};
  ASSERT_EQ(stat(mark_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 2 * static_cast<off_t>(HighWaterMark::kSlotBytes));
}

// Pipelined appends (a sequencer's): each batch is answered only once the
// mark holds its checkpoint or a later one, though marks are written while
// the next batch is stored and one mark may cover several batches.
TEST(HighWaterMarkTest, PipelinedBatchesAreAnsweredOnlyOnceMarked) {
  ScopedTempDir dir;
  const LogOptions options = Options(dir.path());
  auto log = Log::Open(options, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  std::deque<std::future<absl::StatusOr<AppendResult>>> pending;
  uint64_t next = 0;
  uint64_t answered = 0;
  auto answer_oldest = [&] {
    absl::StatusOr<AppendResult> appended = pending.front().get();
    pending.pop_front();
    ASSERT_TRUE(appended.ok()) << appended.status();
    auto mark = ReadHighWaterMark(options.high_water_mark_path, (*log)->verifier());
    ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
    EXPECT_GE((*mark)->checkpoint.size, appended->tree_size);
    EXPECT_GE((*log)->Size(), appended->tree_size);
    ++answered;
  };
  for (int b = 0; b < 60; ++b) {
    pending.push_back((*log)->AppendAsync(Entries(next, 5)));
    next += 5;
    if (pending.size() == Log::kMaxBatchesInFlight) {
      ASSERT_NO_FATAL_FAILURE(answer_oldest());
    }
  }
  while (!pending.empty()) ASSERT_NO_FATAL_FAILURE(answer_oldest());
  EXPECT_EQ(answered, 60u);
  ExpectWholeLog(**log, 300);
}

// A mark that cannot be written: the batch is durable but not acknowledged,
// appends are suspended, and Recover resumes them from what is in the store.
TEST(HighWaterMarkTest, AFailedMarkLeavesTheBatchUnacknowledgedUntilRecover) {
  ScopedTempDir dir;
  LogOptions options = Options(dir.path());
  std::atomic<bool> fail_marks{false};
  options.before_mark_for_testing = [&fail_marks]() -> absl::Status {
    if (fail_marks) return absl::UnavailableError("injected: the mark's disk failed");
    return absl::OkStatus();
  };
  auto log = Log::Open(options, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(AppendBatches(**log, 1), 10u);

  fail_marks = true;
  auto appended = (*log)->Append(Entries(10, 10));
  ASSERT_EQ(appended.status().code(), absl::StatusCode::kUnavailable) << appended.status();
  EXPECT_THAT(std::string(appended.status().message()), HasSubstr("the mark's disk failed"));
  EXPECT_EQ((*log)->Size(), 10u) << "not acknowledged, so not visible";
  EXPECT_TRUE((*log)->WriteFailed());
  auto mark = ReadHighWaterMark(options.high_water_mark_path, (*log)->verifier());
  ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
  EXPECT_EQ((*mark)->checkpoint.size, 10u);

  fail_marks = false;
  // Append recovers first: the stored batch comes back (durable), then the next one is marked.
  appended = (*log)->Append(Entries(20, 10));
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->tree_size, 30u);
  ExpectWholeLog(**log, 30);
  mark = ReadHighWaterMark(options.high_water_mark_path, (*log)->verifier());
  ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
  EXPECT_EQ((*mark)->checkpoint.size, 30u);
}

TEST(HighWaterMarkTest, ATornSlotLeavesThePreviousMark) {
  ScopedTempDir dir;
  const std::string mark_path = Options(dir.path()).high_water_mark_path;
  {
    auto log = Log::Open(Options(dir.path()), TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendBatches(**log, 3);
  }
  auto mark = ReadHighWaterMark(mark_path, TestLogKey().verifier());
  ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
  ASSERT_EQ((*mark)->checkpoint.size, 30u);
  // A crash in the middle of writing the latest slot: the other one (20) is the mark.
  std::string bytes = ReadFileBytes(mark_path);
  const size_t torn = (*mark)->slot * HighWaterMark::kSlotBytes + 40;
  for (size_t i = torn; i < torn + 16; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  WriteFileBytes(mark_path, bytes);
  mark = ReadHighWaterMark(mark_path, TestLogKey().verifier());
  ASSERT_TRUE(mark.ok() && mark->has_value()) << mark.status();
  EXPECT_EQ((*mark)->checkpoint.size, 20u);
  auto log = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 30u);

  // Both slots damaged: refused, not taken for an empty mark.
  const std::string garbage(2 * HighWaterMark::kSlotBytes, 'g');
  log->reset();
  WriteFileBytes(mark_path, garbage);
  auto refused = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(refused.status().message(), HasSubstr("neither slot"));
}

// ---- a full disk ------------------------------------------------------------------------

// RocksDB's files fail to grow with NoSpace (ENOSPC) while `full` is set.
class FullDiskFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FullDiskFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override {
    if (full) return rocksdb::IOStatus::NoSpace("creating " + name, "injected");
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, debug);
    if (status.ok()) result->reset(new File(std::move(file), full));
    return status;
  }

  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free_bytes, rocksdb::IODebugContext* debug) override {
    if (reports_no_space) {
      *free_bytes = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free_bytes, debug);
  }

  // Writes fail with NoSpace.
  std::atomic<bool> full{false};
  // GetFreeSpace says 0 bytes (else the real figure): the disk filled by
  // someone else between the log's check and its write is `full` alone.
  std::atomic<bool> reports_no_space{false};

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(file)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (full_) return rocksdb::IOStatus::NoSpace("appending", "injected");
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (full_) return rocksdb::IOStatus::NoSpace("appending", "injected");
      return target()->Append(data, options, info, debug);
    }

   private:
    const std::atomic<bool>& full_;
  };
};

TEST(FullDiskTest, AppendsAnswerResourceExhaustedAndResumeOnceSpaceReturns) {
  ScopedTempDir dir;
  auto disk = std::make_shared<FullDiskFileSystem>();
  LogOptions options = Options(dir.path());
  options.file_system_for_testing = disk;
  auto log = Log::Open(options, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(AppendBatches(**log, 3), 30u);

  // The disk fills right after the log checked its free space: RocksDB's
  // write fails. Two batches in flight then: both fail, nothing is acknowledged.
  disk->full = true;
  auto first = (*log)->AppendAsync(Entries(30, 10));
  auto second = (*log)->AppendAsync(Entries(40, 10));
  const absl::Status first_status = first.get().status();
  EXPECT_EQ(first_status.code(), absl::StatusCode::kResourceExhausted) << first_status;
  EXPECT_THAT(first_status.message(), HasSubstr("the disk is full"));
  EXPECT_EQ(second.get().status().code(), absl::StatusCode::kResourceExhausted);
  disk->reports_no_space = true;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto refused = (*log)->Append(Entries(30, 10));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
    EXPECT_THAT(refused.status().message(), HasSubstr("the disk is full"));
  }
  // Reads keep working, and see only what is durable.
  EXPECT_EQ((*log)->Size(), 30u);
  EXPECT_TRUE((*log)->GetRecord(29).ok());
  EXPECT_TRUE((*log)->InclusionProof(7, 30).ok());
  EXPECT_EQ((*log)->FindDedup("d35").status().code(), absl::StatusCode::kNotFound);

  disk->full = false;
  disk->reports_no_space = false;
  auto resumed = (*log)->Append(Entries(30, 10));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->records.front().index, 30u) << "the failed batches left no gap";
  EXPECT_EQ(AppendBatches(**log, 1), 50u);
  log->reset();

  auto reopened = Log::Open(Options(dir.path()), TestLogKey());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ExpectWholeLog(**reopened, 50);
}

// Runs `command` through the shell; true if it exited 0.
bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

// A 128 MiB ext4 image (RocksDB preallocates its write-ahead log: about 18 MiB here) mounted at <dir>/mnt, unmounted at the end.
class LoopMount {
 public:
  explicit LoopMount(const std::string& dir) : image_(dir + "/disk.img"), mount_(dir + "/mnt") {
    fs::create_directories(mount_);
    if (geteuid() != 0) {
      why_not_ = "not running as root";
      return;
    }
    if (!Shell("truncate -s 128M " + image_ + " && mkfs.ext4 -q -F " + image_ + " >/dev/null 2>&1")) {
      why_not_ = "mkfs.ext4 failed (is e2fsprogs installed?)";
      return;
    }
    if (!Shell("mount -o loop " + image_ + " " + mount_ + " 2>/dev/null")) {
      why_not_ = "mount -o loop was refused (no loop devices in this container?)";
      return;
    }
    mounted_ = true;
  }
  ~LoopMount() {
    if (mounted_) Shell("umount " + mount_);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& path() const { return mount_; }

 private:
  std::string image_;
  std::string mount_;
  bool mounted_ = false;
  std::string why_not_;
};

// Writes `path` in 64 KiB pieces until the disk is full.
void FillDisk(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(64 << 10, 'f');
  while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
  }
}

bool Retriable(absl::StatusCode code) {
  return code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kUnavailable;
}

TEST(FullDiskTest, OnARealFullFilesystemAppendsFailReadsWorkAndAppendsResume) {
  ScopedTempDir dir;
  LoopMount disk(dir.path());
  if (!disk.mounted()) GTEST_SKIP() << "no loop-mounted file system: " << disk.why_not();
  const std::string data = disk.path() + "/data";
  const std::string filler = disk.path() + "/filler";
  uint64_t acknowledged = 0;
  LogOptions options = Options(data);
  options.reserved_disk_bytes = 16 << 20;
  {
    auto log = Log::Open(options, TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    acknowledged = AppendBatches(**log, 5);
    FillDisk(filler);

    // Appends fail, with a code that says "later", until space returns.
    absl::Status failure;
    for (int attempt = 0; attempt < 200 && failure.ok(); ++attempt) {
      auto appended = (*log)->Append(Entries(acknowledged, 100, 1024));
      if (appended.ok()) {
        acknowledged = appended->tree_size;
      } else {
        failure = appended.status();
      }
    }
    ASSERT_FALSE(failure.ok()) << "the disk never filled";
    EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
    EXPECT_THAT(failure.message(), HasSubstr("the disk is full"));
    auto again = (*log)->Append(Entries(acknowledged, 10));
    EXPECT_TRUE(Retriable(again.status().code())) << again.status();
    EXPECT_EQ((*log)->Size(), acknowledged);
    EXPECT_TRUE((*log)->GetRecord(acknowledged - 1).ok());
    EXPECT_TRUE((*log)->InclusionProof(acknowledged / 2, acknowledged).ok());

    fs::remove(filler);
    // RocksDB may still be recovering in the background: a few attempts.
    absl::StatusOr<AppendResult> resumed = absl::UnknownError("not tried");
    for (int attempt = 0; attempt < 100 && !resumed.ok(); ++attempt) {
      resumed = (*log)->Append(Entries(acknowledged, 10));
      if (!resumed.ok()) {
        ASSERT_TRUE(Retriable(resumed.status().code())) << resumed.status();
        usleep(100'000);
      }
    }
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(resumed->records.front().index, acknowledged);
    acknowledged = resumed->tree_size;

    // Closing on a full disk, and opening on one, fails cleanly (no abort).
    FillDisk(filler);
  }
  {
    auto full = Log::Open(options, TestLogKey());
    if (!full.ok()) {
      EXPECT_TRUE(Retriable(full.status().code())) << full.status();
    }
  }
  fs::remove(filler);
  auto reopened = Log::Open(options, TestLogKey());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ExpectWholeLog(**reopened, acknowledged);
}

// ---- permissions ------------------------------------------------------------------------

TEST(PrivateDirectoryTest, TheStoreIsPrivateUnderUmask000) {
  ScopedTempDir dir;
  const mode_t old_umask = umask(0);
  {
    auto log = Log::Open(Options(dir.path() + "/data"), TestLogKey());
    umask(old_umask);
    ASSERT_TRUE(log.ok()) << log.status();
  }
  struct stat info {};
  ASSERT_EQ(stat((dir.path() + "/data/db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(Options(dir.path() + "/data").high_water_mark_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace memoria
