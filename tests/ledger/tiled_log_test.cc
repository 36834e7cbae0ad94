// TiledLog (ledger/verify/tiled_log.h): the reader over tiles the real
// TileWriter published from a real Log, read from a directory: every entry in
// order, from the middle, single entries by inclusion, consistency proofs,
// only the resources a range needs, and each tampering refused: a flipped
// byte in a tile or a bundle, a wrong width, another key's checkpoint, a
// missing resource.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "ledger/checkpoint.h"
#include "ledger/log.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/tile_path.h"
#include "ledger/tile_writer.h"
#include "ledger/verify/tiled_log.h"
#include "tests/ledger/test_support.h"
#include "tests/support/file_bytes.h"

namespace memoria {
namespace {

using ::memoria::testing::ReadFileOrDie;
using ::memoria::testing::ScopedTempDir;

Signer TestLogKey() {
  InitCrypto();
  return *Signer::Parse(std::string(testing::kVector1Skey));
}

PendingEntry MakeEntry(uint64_t n) {
  PendingEntry entry;
  entry.writer_key_id = 0xc74f20a3;
  entry.entry = "entry " + std::to_string(n) + " ";
  entry.entry.resize(40 + n % 13, static_cast<char>('a' + n % 26));
  entry.writer_signature = std::string(64, static_cast<char>(n & 0xff));
  return entry;
}

void AppendTo(Log& log, uint64_t size) {
  while (log.Size() < size) {
    std::vector<PendingEntry> batch;
    for (uint64_t i = log.Size(); i < size && batch.size() < 1000; ++i) batch.push_back(MakeEntry(i));
    ASSERT_TRUE(log.Append(batch).ok());
  }
}

// A source that remembers the paths it was asked for.
class RecordingSource final : public TileSource {
 public:
  explicit RecordingSource(std::string dir) : inner_(DirectoryTileSource(std::move(dir))) {}
  absl::StatusOr<std::string> Fetch(const std::string& path) override {
    {
      std::lock_guard lock(mu_);
      paths_.insert(path);
    }
    return inner_->Fetch(path);
  }
  std::string Describe() const override { return inner_->Describe(); }
  std::set<std::string> paths() {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  std::unique_ptr<TileSource> inner_;
  std::mutex mu_;
  std::set<std::string> paths_;
};

class TiledLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = Log::Open({.path = dir_.File("db")}, TestLogKey());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    auto writer = TileWriter::Open(*log_, tiles_dir());
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = *std::move(writer);
  }
  std::string tiles_dir() const { return dir_.File("tiles"); }
  // Appends up to `size` records and publishes that checkpoint.
  SignedHead PublishAt(uint64_t size) {
    AppendTo(*log_, size);
    const SignedHead head = log_->Head();
    EXPECT_TRUE(writer_->Publish(head.note).ok());
    return head;
  }
  std::vector<std::string> Records(uint64_t from, uint64_t to) {
    std::vector<uint64_t> indexes;
    for (uint64_t i = from; i < to; ++i) indexes.push_back(i);
    auto records = log_->GetRecords(indexes);
    EXPECT_TRUE(records.ok());
    return *records;
  }
  Verifier log_key() const { return TestLogKey().verifier(); }
  void Flip(const std::string& path, size_t at) {
    std::string bytes = ReadFileOrDie(tiles_dir() + "/" + path);
    ASSERT_LT(at, bytes.size());
    bytes[at] ^= 0x01;
    testing::WriteFileBytes(tiles_dir() + "/" + path, bytes);
  }

  ScopedTempDir dir_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<TileWriter> writer_;
};

absl::Status ReadAll(TiledLog& reader, const Checkpoint& checkpoint, uint64_t from,
                     std::vector<std::string>* out) {
  return reader.ReadEntries(checkpoint, from, [&](uint64_t index, std::string leaf) {
    EXPECT_EQ(index, from + out->size());
    out->push_back(std::move(leaf));
    return absl::OkStatus();
  });
}

TEST_F(TiledLogTest, ReadsEveryEntryInOrderForManySizes) {
  for (const uint64_t size : {1, 255, 256, 257, 600, 65536 + 300}) {
    const SignedHead head = PublishAt(size);
    auto source = DirectoryTileSource(tiles_dir());
    TiledLog reader(*source, log_key(), 4);
    auto checkpoint = reader.FetchCheckpoint();
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_EQ(checkpoint->checkpoint, head.checkpoint);
    EXPECT_EQ(checkpoint->note, head.note);
    std::vector<std::string> entries;
    ASSERT_TRUE(ReadAll(reader, checkpoint->checkpoint, 0, &entries).ok()) << size;
    EXPECT_EQ(entries, Records(0, size)) << size;
    // The checkpoint, and one level-0 tile and one bundle per 256 entries.
    EXPECT_EQ(reader.resources_fetched(), 1 + 2 * ((size + 255) / 256)) << size;
  }
}

TEST_F(TiledLogTest, ReadsFromTheMiddleFetchingOnlyWhatTheRangeNeeds) {
  const SignedHead head = PublishAt(2000);
  RecordingSource source(tiles_dir());
  TiledLog reader(source, log_key());
  std::vector<std::string> entries;
  ASSERT_TRUE(ReadAll(reader, head.checkpoint, 1500, &entries).ok());
  EXPECT_EQ(entries, Records(1500, 2000));
  const std::set<std::string> paths = source.paths();
  // Bundles 5 to 7 (1280..2000), not the first five.
  EXPECT_TRUE(paths.contains(tiles::EntryBundlePath(5)));
  EXPECT_TRUE(paths.contains(tiles::EntryBundlePath(7, 2000 % 256)));
  EXPECT_FALSE(paths.contains(tiles::EntryBundlePath(0)));
  EXPECT_FALSE(paths.contains(tiles::EntryBundlePath(4)));
  // The tree before 1500 (1024 + 256 + 128 + 64 + 16 + 8 + 4): from the level-1 tile
  // and level-0 tile 5.
  EXPECT_TRUE(paths.contains(tiles::HashTilePath(1, 0, 7)));
}

TEST_F(TiledLogTest, ResumesFromATrustedRange) {
  PublishAt(700);
  std::vector<std::string> entries;
  CompactRange trusted;
  for (const std::string& leaf : Records(0, 700)) trusted.Append(LeafHash(leaf), [](auto&, auto&) {});
  const SignedHead head = PublishAt(1300);
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  ASSERT_TRUE(reader
                  .ReadEntries(head.checkpoint, trusted,
                               [&](uint64_t, std::string leaf) {
                                 entries.push_back(std::move(leaf));
                                 return absl::OkStatus();
                               })
                  .ok());
  EXPECT_EQ(entries, Records(700, 1300));

  // A trusted tree at the checkpoint's size: nothing to fetch, the roots agree.
  CompactRange whole;
  for (const std::string& leaf : Records(0, 1300)) whole.Append(LeafHash(leaf), [](auto&, auto&) {});
  const uint64_t fetched = reader.resources_fetched();
  EXPECT_TRUE(reader.ReadEntries(head.checkpoint, whole, [](uint64_t, std::string) {
    ADD_FAILURE() << "no entry is new";
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(reader.resources_fetched(), fetched);

  // A trusted range that is not this log's prefix: the root differs.
  CompactRange other;
  for (uint64_t i = 0; i < 700; ++i) other.Append(LeafHash("x" + std::to_string(i)), [](auto&, auto&) {});
  const absl::Status forked = reader.ReadEntries(head.checkpoint, other, [](uint64_t, std::string) {
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsDataLoss(forked)) << forked;
  EXPECT_NE(forked.message().find("not the signed checkpoint's root"), std::string::npos) << forked;
}

TEST_F(TiledLogTest, ReadsSingleEntriesByInclusionAndProvesConsistency) {
  const SignedHead old_head = PublishAt(300);
  const SignedHead head = PublishAt(65536 + 1000);
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  for (const uint64_t index : {0, 1, 255, 256, 299, 65535, 65536, 66535}) {
    auto leaf = reader.ReadLeaf(index, head.checkpoint);
    ASSERT_TRUE(leaf.ok()) << index << ": " << leaf.status();
    EXPECT_EQ(leaf->leaf, Records(index, index + 1)[0]);
    EXPECT_TRUE(VerifyInclusion(index, head.checkpoint.size, LeafHash(leaf->leaf), leaf->proof,
                                head.checkpoint.root)
                    .ok());
  }
  EXPECT_TRUE(absl::IsOutOfRange(reader.ReadLeaf(head.checkpoint.size, head.checkpoint).status()));
  // The old checkpoint's partial resources are gone; its entries are read
  // from the full ones.
  auto old_leaf = reader.ReadLeaf(299, old_head.checkpoint);
  ASSERT_TRUE(old_leaf.ok()) << old_leaf.status();
  std::vector<std::string> entries;
  ASSERT_TRUE(ReadAll(reader, old_head.checkpoint, 0, &entries).ok());
  EXPECT_EQ(entries.size(), 300u);

  auto proof = reader.ConsistencyProof(300, head.checkpoint.size);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_TRUE(VerifyConsistency(300, head.checkpoint.size, old_head.checkpoint.root,
                                head.checkpoint.root, *proof)
                  .ok());
}

TEST_F(TiledLogTest, AFlippedByteInABundleOrALevel0TileIsDataLoss) {
  const SignedHead head = PublishAt(600);
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  std::vector<std::string> entries;
  Flip(tiles::EntryBundlePath(1), 100);
  absl::Status status = ReadAll(reader, head.checkpoint, 0, &entries);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("tile/entries/001"), std::string::npos) << status;
  Flip(tiles::EntryBundlePath(1), 100);  // repaired

  Flip(tiles::HashTilePath(0, 2, 600 % 256), 5);
  entries.clear();
  status = ReadAll(reader, head.checkpoint, 0, &entries);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_TRUE(absl::IsDataLoss(reader.ReadLeaf(10, head.checkpoint).status()));
}

TEST_F(TiledLogTest, AConsistentForgeryOfTileAndBundleFailsTheRoot) {
  // Rewrite entry 3 and its level-0 hash together: the tile and the bundle
  // agree, the signed root does not.
  const SignedHead head = PublishAt(100);
  const std::string tile_path = tiles_dir() + "/" + tiles::HashTilePath(0, 0, 100);
  const std::string bundle_path = tiles_dir() + "/" + tiles::EntryBundlePath(0, 100);
  auto entries = ParseEntryBundle(ReadFileOrDie(bundle_path), 100);
  ASSERT_TRUE(entries.ok());
  (*entries)[3][0] ^= 0x20;
  std::string bundle;
  for (const std::string& e : *entries) {
    bundle.push_back(static_cast<char>(e.size() >> 8));
    bundle.push_back(static_cast<char>(e.size() & 0xff));
    bundle += e;
  }
  testing::WriteFileBytes(bundle_path, bundle);
  std::string tile = ReadFileOrDie(tile_path);
  const Hash forged = LeafHash((*entries)[3]);
  tile.replace(3 * 32, 32, AsBytes(forged));
  testing::WriteFileBytes(tile_path, tile);
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  std::vector<std::string> read;
  const absl::Status status = ReadAll(reader, head.checkpoint, 0, &read);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("root"), std::string::npos) << status;
  EXPECT_TRUE(absl::IsDataLoss(reader.ReadLeaf(3, head.checkpoint).status()));
}

TEST_F(TiledLogTest, WrongWidthsAreDataLoss) {
  const SignedHead head = PublishAt(300);
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  std::vector<std::string> entries;
  // A partial tile one hash short.
  const std::string tile = tiles_dir() + "/" + tiles::HashTilePath(0, 1, 44);
  const std::string original = ReadFileOrDie(tile);
  testing::WriteFileBytes(tile, original.substr(0, original.size() - 32));
  absl::Status status = ReadAll(reader, head.checkpoint, 0, &entries);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("width 44"), std::string::npos) << status;
  testing::WriteFileBytes(tile, original);
  // A bundle with one entry more.
  const std::string bundle = tiles_dir() + "/" + tiles::EntryBundlePath(1, 44);
  testing::WriteFileBytes(bundle, ReadFileOrDie(bundle) + std::string("\x00\x01z", 3));
  entries.clear();
  status = ReadAll(reader, head.checkpoint, 0, &entries);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("after its 44 entries"), std::string::npos) << status;

  EXPECT_TRUE(absl::IsDataLoss(ParseEntryBundle(std::string("\x00\x05" "abc", 5), 1).status()));
  EXPECT_TRUE(absl::IsDataLoss(ParseEntryBundle(std::string("\x00\x01" "a", 3), 2).status()));
  EXPECT_TRUE(ParseEntryBundle(std::string("\x00\x01" "a" "\x00\x00", 5), 2).ok());
}

TEST_F(TiledLogTest, ACheckpointOfAnotherKeyDoesNotOpen) {
  PublishAt(10);
  auto source = DirectoryTileSource(tiles_dir());
  const Verifier other = *Verifier::Parse(std::string(testing::kVector2Vkey));
  TiledLog reader(*source, other);
  const absl::Status status = reader.FetchCheckpoint().status();
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(absl::IsNotFound(status)) << status;
  EXPECT_NE(status.message().find("checkpoint of directory"), std::string::npos) << status;
}

TEST_F(TiledLogTest, AMissingResourceIsNotFoundNamingIt) {
  const SignedHead head = PublishAt(600);
  std::filesystem::remove(tiles_dir() + "/" + tiles::EntryBundlePath(1));
  auto source = DirectoryTileSource(tiles_dir());
  TiledLog reader(*source, log_key());
  std::vector<std::string> entries;
  const absl::Status status = ReadAll(reader, head.checkpoint, 0, &entries);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_NE(status.message().find("tile/entries/001"), std::string::npos) << status;
  std::filesystem::remove(tiles_dir() + "/checkpoint");
  EXPECT_TRUE(absl::IsNotFound(reader.FetchCheckpoint().status()));
}

}  // namespace
}  // namespace memoria
