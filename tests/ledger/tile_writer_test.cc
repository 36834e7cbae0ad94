// C2SP tlog-tiles: the paths against the spec's examples, and the tiles the
// TileWriter publishes for logs of several sizes, read back and verified by
// an independent reader (tests/ledger/tile_reader.h): from scratch, step by
// step, after a restart, and what it refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "ledger/checkpoint.h"
#include "ledger/log.h"
#include "ledger/record.h"
#include "ledger/tile_path.h"
#include "ledger/tile_writer.h"
#include "tests/ledger/test_support.h"
#include "tests/ledger/tile_reader.h"

namespace memoria {
namespace {

using ::memoria::testing::ReadFileOrDie;
using ::memoria::testing::ScopedTempDir;

Signer TestLogKey() {
  InitCrypto();
  return *Signer::Parse(
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
}

PendingEntry MakeEntry(uint64_t n, size_t size = 40) {
  PendingEntry entry;
  entry.writer_key_id = 0xc74f20a3;
  entry.entry = "entry " + std::to_string(n) + " ";
  entry.entry.resize(size + n % 13, static_cast<char>('a' + n % 26));
  entry.writer_signature = std::string(64, static_cast<char>(n & 0xff));
  return entry;
}

// Appends until the log holds `size` records, in batches of at most 1000
// (each batch signs one checkpoint).
void AppendTo(Log& log, uint64_t size) {
  while (log.Size() < size) {
    std::vector<PendingEntry> batch;
    for (uint64_t i = log.Size(); i < size && batch.size() < 1000; ++i) batch.push_back(MakeEntry(i));
    ASSERT_TRUE(log.Append(batch).ok());
  }
}

std::unique_ptr<Log> OpenLog(const std::string& path, Signer key = TestLogKey()) {
  auto log = Log::Open({.path = path}, std::move(key));
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : nullptr;
}

// Every file under `dir` (relative path -> bytes).
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    files[path.substr(dir.size() + 1)] = ReadFileOrDie(path);
  }
  return files;
}

// The resources a checkpoint of `size` needs, by the spec's rules.
std::set<std::string> ExpectedPaths(uint64_t size) {
  std::set<std::string> paths = {"checkpoint"};
  for (uint8_t level = 0; level < 8; ++level) {
    const uint64_t count = tiles::HashesAtLevel(size, level);
    for (uint64_t n = 0; n < count / 256; ++n) paths.insert(tiles::HashTilePath(level, n));
    if (count % 256) paths.insert(tiles::HashTilePath(level, count / 256, count % 256));
  }
  for (uint64_t n = 0; n < size / 256; ++n) paths.insert(tiles::EntryBundlePath(n));
  if (size % 256) paths.insert(tiles::EntryBundlePath(size / 256, size % 256));
  return paths;
}

void ExpectLogReadsBack(const std::string& tiles_dir, const Log& log, uint64_t size) {
  absl::StatusOr<testing::TiledLog> read =
      testing::ReadTiledLog(testing::DirectoryFetch(tiles_dir), log.verifier());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->checkpoint.size, size);
  EXPECT_EQ(read->checkpoint.root, *log.RootAt(size));
  ASSERT_EQ(read->entries.size(), size);
  for (uint64_t i = 0; i < size; ++i) {
    ASSERT_EQ(read->entries[i], *log.GetRecord(i)) << "entry " << i;
  }
}

TEST(TilePathTest, EncodesIndexesAsTheSpecSays) {
  EXPECT_EQ(tiles::EncodeTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(tiles::EncodeTileIndex(0), "000");
  EXPECT_EQ(tiles::EncodeTileIndex(7), "007");
  EXPECT_EQ(tiles::EncodeTileIndex(999), "999");
  EXPECT_EQ(tiles::EncodeTileIndex(1000), "x001/000");
  EXPECT_EQ(tiles::EncodeTileIndex(1000000), "x001/x000/000");
  EXPECT_EQ(tiles::EncodeTileIndex(UINT64_MAX), "x018/x446/x744/x073/x709/x551/615");
  EXPECT_EQ(tiles::HashTilePath(0, 1234067), "tile/0/x001/x234/067");
  EXPECT_EQ(tiles::HashTilePath(2, 0, 1), "tile/2/000.p/1");
  EXPECT_EQ(tiles::HashTilePath(0, 273, 112), "tile/0/273.p/112");
  EXPECT_EQ(tiles::EntryBundlePath(1234067), "tile/entries/x001/x234/067");
  EXPECT_EQ(tiles::EntryBundlePath(5, 255), "tile/entries/005.p/255");
}

// "A tree of size 70,000 will be represented by 273 full level 0 tiles, one
// partial level 0 tile of width 112, one full level 1 tile, one partial level
// 1 tile of width 17, and one partial level 2 tile of width 1."
TEST(TilePathTest, TheSpecsTreeOf70000) {
  std::set<std::string> paths = ExpectedPaths(70000);
  std::set<std::string> level0, level1, level2, bundles;
  for (const std::string& path : paths) {
    if (path.rfind("tile/0/", 0) == 0) level0.insert(path);
    if (path.rfind("tile/1/", 0) == 0) level1.insert(path);
    if (path.rfind("tile/2/", 0) == 0) level2.insert(path);
    if (path.rfind("tile/entries/", 0) == 0) bundles.insert(path);
  }
  EXPECT_EQ(level0.size(), 274u);
  EXPECT_TRUE(level0.count("tile/0/272"));
  EXPECT_TRUE(level0.count("tile/0/273.p/112"));
  EXPECT_EQ(level1, (std::set<std::string>{"tile/1/000", "tile/1/001.p/17"}));
  EXPECT_EQ(level2, (std::set<std::string>{"tile/2/000.p/1"}));
  EXPECT_EQ(paths.size(), 1 + 274 + 2 + 1 + 274u);
  EXPECT_EQ(ExpectedPaths(256),
            (std::set<std::string>{"checkpoint", "tile/0/000", "tile/1/000.p/1",
                                   "tile/entries/000"}));
}

TEST(TilePathTest, ParsesExactlyTheSpecsPaths) {
  auto parsed = tiles::ParseTilePath("tile/0/x001/x234/067");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->entries);
  EXPECT_EQ(parsed->level, 0);
  EXPECT_EQ(parsed->index, 1234067u);
  EXPECT_FALSE(parsed->partial());
  parsed = tiles::ParseTilePath("tile/entries/x001/067.p/17");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->entries);
  EXPECT_EQ(parsed->index, 1067u);
  EXPECT_EQ(parsed->width, 17u);
  parsed = tiles::ParseTilePath("tile/63/000.p/255");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->level, 63);
  for (uint64_t index : {uint64_t{0}, uint64_t{999}, uint64_t{1000}, uint64_t{1234067}}) {
    for (uint64_t width : {uint64_t{1}, uint64_t{200}, uint64_t{256}}) {
      parsed = tiles::ParseTilePath(tiles::HashTilePath(3, index, width));
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(parsed->index, index);
      EXPECT_EQ(parsed->width, width);
      EXPECT_EQ(parsed->level, 3);
    }
  }
  for (const char* bad :
       {"tile/0/67", "tile/0/0067", "tile/00/000", "tile/64/000", "tile/0/001/067",
        "tile/0/x001", "tile/0/x001/x067", "tile/0/000.p/0", "tile/0/000.p/256",
        "tile/0/000.p/017", "tile/0/000.p", "tile/0/000.tmp", "tile/0/000.p/5/6", "tile/x/000",
        "checkpoint", "tile/entries", "tile/0/", "tile/0/x001/", "tile/0/-01", "../tile/0/000",
        "tile/0/x000/x234/067", "tile/0/x000/001"}) {
    EXPECT_FALSE(tiles::ParseTilePath(bad).has_value()) << bad;
  }
}

// A maximal entry's record fits an entry bundle, whatever its index and time.
TEST(TileEntrySizeTest, TheLargestEntrysRecordFitsABundle) {
  EXPECT_EQ(kMaxEntryBytes, 65404u);
  v1::Record record;
  record.set_entry(std::string(kMaxEntryBytes, 'e'));
  record.set_writer_signature(std::string(64, 's'));
  record.set_writer_key_id(0xffffffff);
  record.set_index(UINT64_MAX);
  record.set_prev_leaf_hash(std::string(32, 'h'));
  record.set_integration_time_micros(INT64_MIN);
  EXPECT_EQ(EncodeRecord(record).size(), tiles::kMaxBundledEntryBytes);
  record.set_entry(std::string(kMaxEntryBytes + 1, 'e'));
  EXPECT_GT(EncodeRecord(record).size(), tiles::kMaxBundledEntryBytes);
}

class TileWriterTest : public ::testing::Test {
 protected:
  ScopedTempDir dir_;
};

TEST_F(TileWriterTest, PublishesLogsOfEverySizeExactlyAsTheSpecSays) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{257},
                        uint64_t{65536 + 3}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::string base = dir_.File("size" + std::to_string(size));
    std::unique_ptr<Log> log = OpenLog(base + "/db");
    ASSERT_NE(log, nullptr);
    AppendTo(*log, size);
    ASSERT_EQ(log->Size(), size);
    auto writer = TileWriter::Open(*log, base + "/tiles");
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
    EXPECT_EQ((*writer)->published_size(), size);
    std::set<std::string> paths;
    for (const auto& [path, bytes] : Files(base + "/tiles")) {
      paths.insert(path);
      auto parsed = tiles::ParseTilePath(path);
      if (parsed && !parsed->entries) {
        EXPECT_EQ(bytes.size(), parsed->width * 32) << path;
      }
    }
    EXPECT_EQ(paths, ExpectedPaths(size));
    EXPECT_EQ(ReadFileOrDie(base + "/tiles/checkpoint"), log->Head().note);
    ExpectLogReadsBack(base + "/tiles", *log, size);
  }
}

// Published checkpoint by checkpoint, the directory holds what one publish
// of the last checkpoint writes, plus only partial tiles of tiles that are
// not full yet; the partial ones of full tiles are gone.
TEST_F(TileWriterTest, IncrementalPublishingEqualsAPublishFromScratch) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  auto incremental = TileWriter::Open(*log, dir_.File("incremental"));
  ASSERT_TRUE(incremental.ok()) << incremental.status();
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{255}, uint64_t{256},
                        uint64_t{300}, uint64_t{511}, uint64_t{1000}, uint64_t{65535},
                        uint64_t{65536}, uint64_t{65539}, uint64_t{66000}}) {
    AppendTo(*log, size);
    ASSERT_EQ(log->Size(), size);
    const uint64_t files_before = (*incremental)->files_written();
    ASSERT_TRUE((*incremental)->Publish(log->Head().note).ok()) << size;
    // Proportional work: never more files than the new full tiles and
    // bundles, one partial per level and bundle, and the checkpoint.
    EXPECT_LE((*incremental)->files_written() - files_before, 1 + 2 * (size / 256 + 1) + 8)
        << size;
    ExpectLogReadsBack(dir_.File("incremental"), *log, size);
    // Publishing the same checkpoint again writes nothing.
    const uint64_t files = (*incremental)->files_written();
    ASSERT_TRUE((*incremental)->Publish(log->Head().note).ok());
    EXPECT_EQ((*incremental)->files_written(), files);
  }
  auto scratch = TileWriter::Open(*log, dir_.File("scratch"));
  ASSERT_TRUE(scratch.ok());
  ASSERT_TRUE((*scratch)->Publish(log->Head().note).ok());
  const auto from_scratch = Files(dir_.File("scratch"));
  const auto step_by_step = Files(dir_.File("incremental"));
  for (const auto& [path, bytes] : from_scratch) {
    auto it = step_by_step.find(path);
    ASSERT_NE(it, step_by_step.end()) << path;
    EXPECT_EQ(it->second, bytes) << path;
  }
  for (const auto& [path, bytes] : step_by_step) {
    if (from_scratch.count(path)) continue;
    // An older partial: its full tile is not there yet, and the newest
    // partial of that tile starts with the same bytes.
    auto parsed = tiles::ParseTilePath(path);
    ASSERT_TRUE(parsed.has_value()) << path;
    ASSERT_TRUE(parsed->partial()) << path;
    const std::string full = parsed->entries ? tiles::EntryBundlePath(parsed->index)
                                             : tiles::HashTilePath(parsed->level, parsed->index);
    EXPECT_EQ(from_scratch.count(full), 0u) << path << " outlived " << full;
    bool prefix_of_newest = false;
    for (const auto& [newest, newest_bytes] : from_scratch) {
      if (newest.rfind(full + ".p/", 0) == 0) {
        prefix_of_newest = newest_bytes.substr(0, bytes.size()) == bytes;
      }
    }
    EXPECT_TRUE(prefix_of_newest) << path;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.File("incremental/tile/0/000.p")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("incremental/tile/entries/000.p")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("incremental/tile/1/000.p")));
}

TEST_F(TileWriterTest, ARestartResumesFromThePublishedCheckpoint) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  AppendTo(*log, 65539);
  {
    auto writer = TileWriter::Open(*log, dir_.File("tiles"));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  }
  AppendTo(*log, 65541);
  log.reset();
  log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  auto writer = TileWriter::Open(*log, dir_.File("tiles"));
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ((*writer)->published_size(), 65539u);
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  // Only the level-0 partial tile, the partial bundle and the checkpoint:
  // levels 1 and 2 did not grow, and nothing before was written again.
  EXPECT_EQ((*writer)->files_written(), 3u);
  ExpectLogReadsBack(dir_.File("tiles"), *log, 65541);
  AppendTo(*log, 66000);
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  ExpectLogReadsBack(dir_.File("tiles"), *log, 66000);
}

TEST_F(TileWriterTest, AnOlderOrSameCheckpointChangesNothingAndAForeignOneIsRefused) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  AppendTo(*log, 10);
  const std::string older = log->Head().note;
  AppendTo(*log, 20);
  auto writer = TileWriter::Open(*log, dir_.File("tiles"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  ASSERT_TRUE((*writer)->Publish(older).ok());
  EXPECT_EQ((*writer)->published_size(), 20u);
  EXPECT_EQ(ReadFileOrDie(dir_.File("tiles/checkpoint")), log->Head().note);

  // Signed by another key: not this log's.
  Signer other = *Signer::Generate("other.example/log");
  Checkpoint forged = *OpenCheckpoint(log->Head().note, log->verifier());
  const std::string foreign = *SignCheckpoint(forged, other);
  EXPECT_EQ((*writer)->Publish(foreign).code(), absl::StatusCode::kInvalidArgument);
  // The log's key, another root: not this log's tree.
  forged.root[0] ^= 1;
  EXPECT_EQ((*writer)->Publish(*SignCheckpoint(forged, TestLogKey())).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ((*writer)->published_size(), 20u);
}

TEST_F(TileWriterTest, OpenRefusesAnotherLogsDirectoryAndALargerOrForkedOne) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  AppendTo(*log, 10);
  {
    auto writer = TileWriter::Open(*log, dir_.File("tiles"));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  }
  // Another log (another key) on the same directory.
  std::unique_ptr<Log> other = OpenLog(dir_.File("other"), *Signer::Generate("other.example/log"));
  ASSERT_NE(other, nullptr);
  auto refused = TileWriter::Open(*other, dir_.File("tiles"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  // The same key, a shorter log: what was published is lost.
  std::unique_ptr<Log> shorter = OpenLog(dir_.File("shorter"));
  ASSERT_NE(shorter, nullptr);
  AppendTo(*shorter, 5);
  refused = TileWriter::Open(*shorter, dir_.File("tiles"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  // The same key and size, other records: a fork.
  std::unique_ptr<Log> forked = OpenLog(dir_.File("forked"));
  ASSERT_NE(forked, nullptr);
  std::vector<PendingEntry> entries;
  for (uint64_t i = 0; i < 10; ++i) entries.push_back(MakeEntry(i + 100));
  ASSERT_TRUE(forked->Append(entries).ok());
  refused = TileWriter::Open(*forked, dir_.File("tiles"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_EQ(ReadFileOrDie(dir_.File("tiles/checkpoint")), log->Head().note);
}

TEST_F(TileWriterTest, ARecordTooLargeForABundleStopsPublishingBeforeIt) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  AppendTo(*log, 3);
  auto writer = TileWriter::Open(*log, dir_.File("tiles"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  std::vector<PendingEntry> big = {MakeEntry(3, 65536)};
  ASSERT_TRUE(log->Append(big).ok());
  const absl::Status status = (*writer)->Publish(log->Head().note);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("record 3 is"), std::string::npos) << status;
  EXPECT_EQ((*writer)->published_size(), 3u);
  ExpectLogReadsBack(dir_.File("tiles"), *log, 3);
}

TEST_F(TileWriterTest, CancellingLeavesThePublishedCheckpointAndResumes) {
  std::unique_ptr<Log> log = OpenLog(dir_.File("db"));
  ASSERT_NE(log, nullptr);
  AppendTo(*log, 100);
  auto writer = TileWriter::Open(*log, dir_.File("tiles"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  AppendTo(*log, 3000);
  int calls = 0;
  const absl::Status cancelled =
      (*writer)->Publish(log->Head().note, [&calls] { return ++calls > 3; });
  EXPECT_EQ(cancelled.code(), absl::StatusCode::kCancelled) << cancelled;
  EXPECT_EQ((*writer)->published_size(), 100u);
  ExpectLogReadsBack(dir_.File("tiles"), *log, 100);
  ASSERT_TRUE((*writer)->Publish(log->Head().note).ok());
  ExpectLogReadsBack(dir_.File("tiles"), *log, 3000);
}

}  // namespace
}  // namespace memoria
