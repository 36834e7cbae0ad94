// The Log on a real RocksDB directory: append, read, prove, reopen, refuse a
// store whose tree and checkpoint disagree.
#include "ledger/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <map>
#include <random>

#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::ScopedTempDir;

Signer TestLogKey() {
  InitCrypto();
  return *Signer::Parse(
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
}

class FixedClock final : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = 1'700'000'000'000'000;
};

PendingEntry MakeEntry(uint64_t n, size_t size = 64) {
  PendingEntry entry;
  entry.writer_key_id = 0xc74f20a3;
  entry.entry = "entry " + std::to_string(n);
  entry.entry.resize(size, 'x');
  entry.writer_signature = std::string(64, static_cast<char>(n & 0xff));
  return entry;
}

// RFC 6962 2.1 MTH, straight from the definition: the independent reference.
Hash ReferenceRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(ReferenceRoot(leaves, begin, begin + k), ReferenceRoot(leaves, begin + k, end));
}

// The record layout is an interop contract: the two halves RecordPrefix
// serializes must concatenate to exactly the serialization of the whole
// record, and the leaf hash must be SHA-256(0x00 || those bytes).
TEST(RecordPrefixTest, CompletesToTheWholeRecordAndItsLeafHash) {
  for (uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{300}, uint64_t{1} << 40}) {
    v1::Record whole;
    whole.set_entry(std::string(index % 7 == 0 ? 0 : 1000, 'e'));
    whole.set_writer_signature(std::string(64, 's'));
    whole.set_writer_key_id(index == 0 ? 0 : 0xdeadbeef);
    whole.set_index(index);
    whole.set_prev_leaf_hash(std::string(32, static_cast<char>(index)));
    whole.set_integration_time_micros(index == 0 ? 0 : 1'700'000'000'000'000);
    const RecordPrefix prefix(whole.writer_key_id(), whole.entry(), whole.writer_signature());
    Hash prev;
    std::copy(whole.prev_leaf_hash().begin(), whole.prev_leaf_hash().end(), prev.begin());
    const RecordPrefix::Leaf leaf = prefix.Complete(index, prev, whole.integration_time_micros());
    EXPECT_EQ(leaf.bytes, EncodeRecord(whole)) << "index " << index;
    EXPECT_EQ(leaf.hash, LeafHash(leaf.bytes));
    auto decoded = DecodeRecord(leaf.bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->index(), index);
  }
}

TEST(LogTest, NewLogHasSignedEmptyCheckpoint) {
  ScopedTempDir dir;
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 0u);
  const SignedHead head = (*log)->Head();
  auto opened = OpenCheckpoint(head.note, (*log)->verifier());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->size, 0u);
  EXPECT_EQ(opened->root, EmptyRoot());
  EXPECT_EQ(opened->origin, "PeterNeumann");
}

TEST(LogTest, RecordsAreChainedAndTimesNeverDecrease) {
  ScopedTempDir dir;
  FixedClock clock;
  auto log = *Log::Open({.path = dir.path(), .clock = &clock}, TestLogKey());
  std::vector<PendingEntry> batch = {MakeEntry(0), MakeEntry(1)};
  ASSERT_TRUE(log->Append(batch).ok());
  clock.now -= 5'000'000;  // the clock jumps back; integration time must not
  batch = {MakeEntry(2)};
  ASSERT_TRUE(log->Append(batch).ok());

  Hash prev{};
  int64_t prev_time = 0;
  for (uint64_t i = 0; i < 3; ++i) {
    auto bytes = log->GetRecord(i);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto record = DecodeRecord(*bytes);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_TRUE(CheckChainLink(*record, i, prev, prev_time).ok());
    EXPECT_EQ(record->entry().substr(0, 7), "entry " + std::to_string(i));
    EXPECT_EQ(*log->LeafHashAt(i), LeafHash(*bytes));
    EXPECT_EQ(*log->FindLeaf(LeafHash(*bytes)), i);
    prev = LeafHash(*bytes);
    prev_time = record->integration_time_micros();
  }
  EXPECT_EQ(DecodeRecord(*log->GetRecord(2))->integration_time_micros(),
            DecodeRecord(*log->GetRecord(1))->integration_time_micros());
  EXPECT_EQ(log->GetRecord(3).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(LogTest, EmptyBatchAndBadSignatureLengthStoreNothing) {
  ScopedTempDir dir;
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log->Append({}).status().code(), absl::StatusCode::kInvalidArgument);
  PendingEntry bad = MakeEntry(1);
  bad.writer_signature = "short";
  EXPECT_EQ(log->Append(std::span(&bad, 1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Size(), 0u);
}

TEST(LogTest, DedupKeysAreUniqueAcrossTheLog) {
  ScopedTempDir dir;
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  PendingEntry entry = MakeEntry(1);
  entry.dedup_key = "writer\nrequest-1";
  ASSERT_TRUE(log->Append(std::span(&entry, 1)).ok());
  EXPECT_EQ(log->FindDedup("writer\nrequest-1")->index, 0u);
  EXPECT_EQ(log->FindDedup("writer\nrequest-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(log->Append(std::span(&entry, 1)).status().code(), absl::StatusCode::kAlreadyExists);
  std::vector<PendingEntry> twice = {MakeEntry(2), MakeEntry(3)};
  twice[0].dedup_key = twice[1].dedup_key = "writer\nrequest-2";
  EXPECT_EQ(log->Append(twice).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(log->Size(), 1u);
}

TEST(LogTest, FindDedupFindsTheRecordInFlightThenDurable) {
  ScopedTempDir dir;
  // The writer thread waits for the test: the batch stays in flight.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto log = *Log::Open({.path = dir.path(), .before_write_for_testing = [released] {
                           released.wait();
                         }},
                        TestLogKey());
  std::vector<PendingEntry> batch = {MakeEntry(1), MakeEntry(2)};
  batch[1].dedup_key = "writer\nrequest-1";
  std::future<absl::StatusOr<AppendResult>> done = log->AppendAsync(batch);
  absl::StatusOr<DedupMatch> in_flight = log->FindDedup("writer\nrequest-1");
  ASSERT_TRUE(in_flight.ok()) << in_flight.status();
  EXPECT_EQ(in_flight->index, 1u);
  EXPECT_EQ(log->Size(), 0u);  // not durable yet
  EXPECT_EQ(log->FindDedup("writer\nrequest-2").status().code(), absl::StatusCode::kNotFound);
  release.set_value();
  absl::StatusOr<AppendResult> appended = done.get();
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(in_flight->record, appended->records[1].leaf);
  absl::StatusOr<DedupMatch> durable = log->FindDedup("writer\nrequest-1");
  ASSERT_TRUE(durable.ok()) << durable.status();
  EXPECT_EQ(durable->index, 1u);
  EXPECT_EQ(durable->record, appended->records[1].leaf);
}

TEST(LogTest, PipelinedBatchesResolveInOrderAndAreAllDurable) {
  ScopedTempDir dir;
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  std::vector<std::future<absl::StatusOr<AppendResult>>> futures;
  uint64_t next = 0;
  for (int b = 0; b < 20; ++b) {
    std::vector<PendingEntry> batch;
    for (int i = 0; i < 7; ++i) batch.push_back(MakeEntry(next++));
    batch[0].dedup_key = "w\n" + std::to_string(b);
    futures.push_back(log->AppendAsync(batch));
    EXPECT_EQ(log->NextIndex(), next);
    EXPECT_LE(log->Size(), next);
  }
  // A dedup key of a batch that may still be in flight is already taken.
  PendingEntry again = MakeEntry(999);
  again.dedup_key = "w\n19";
  EXPECT_EQ(log->AppendAsync(std::span(&again, 1)).get().status().code(),
            absl::StatusCode::kAlreadyExists);
  uint64_t previous_size = 0;
  for (auto& future : futures) {
    auto result = future.get();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->tree_size, previous_size + 7);
    EXPECT_GE(log->Size(), result->tree_size);  // durable before resolved
    previous_size = result->tree_size;
  }
  EXPECT_EQ(log->Size(), 140u);
  EXPECT_EQ(log->NextIndex(), 140u);
  for (uint64_t size = 7; size <= 140; size += 7) EXPECT_TRUE(log->CheckpointAt(size).ok()) << size;
}

// A batch's proof_nodes prove each of its records in its checkpoint's tree
// exactly as the store does, for batches of every size from every start
// (perfect and ragged trees); a record of an earlier batch is NOT_FOUND there.
TEST(LogTest, BatchProofNodesProveTheBatchLikeTheStore) {
  ScopedTempDir dir;
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  uint64_t next = 0;
  for (size_t count : {1, 1, 2, 3, 5, 8, 13, 16, 1, 31, 64, 7, 100}) {
    std::vector<PendingEntry> batch;
    for (size_t i = 0; i < count; ++i) batch.push_back(MakeEntry(next++));
    absl::StatusOr<AppendResult> result = log->Append(batch);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_NE(result->proof_nodes, nullptr);
    std::vector<uint64_t> indexes;
    for (const Appended& record : result->records) indexes.push_back(record.index);
    SCOPED_TRACE("batch of " + std::to_string(count) + " up to " +
                 std::to_string(result->tree_size));
    absl::StatusOr<std::vector<std::vector<Hash>>> in_memory =
        ComputeInclusionProofs(indexes, result->tree_size, result->proof_nodes->Source());
    ASSERT_TRUE(in_memory.ok()) << in_memory.status();
    absl::StatusOr<std::vector<std::vector<Hash>>> stored =
        log->InclusionProofs(indexes, result->tree_size);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(*in_memory, *stored);
    const Hash root = *log->RootAt(result->tree_size);
    for (size_t i = 0; i < indexes.size(); ++i) {
      EXPECT_TRUE(VerifyInclusion(indexes[i], result->tree_size, result->records[i].leaf_hash,
                                  (*in_memory)[i], root)
                      .ok());
    }
    if (result->tree_size > 2 * count) {
      const uint64_t earlier[] = {0};
      EXPECT_EQ(ComputeInclusionProofs(earlier, result->tree_size, result->proof_nodes->Source())
                    .status()
                    .code(),
                absl::StatusCode::kNotFound);
    }
  }
  // Pipelined: each batch is built on a right edge that includes batches
  // still in flight.
  std::vector<std::future<absl::StatusOr<AppendResult>>> futures;
  for (size_t count : {3, 6, 1, 12, 5}) {
    std::vector<PendingEntry> batch;
    for (size_t i = 0; i < count; ++i) batch.push_back(MakeEntry(next++));
    futures.push_back(log->AppendAsync(batch));
  }
  for (auto& future : futures) {
    absl::StatusOr<AppendResult> result = future.get();
    ASSERT_TRUE(result.ok()) << result.status();
    std::vector<uint64_t> indexes;
    for (const Appended& record : result->records) indexes.push_back(record.index);
    absl::StatusOr<std::vector<std::vector<Hash>>> in_memory =
        ComputeInclusionProofs(indexes, result->tree_size, result->proof_nodes->Source());
    ASSERT_TRUE(in_memory.ok()) << in_memory.status();
    EXPECT_EQ(*in_memory, *log->InclusionProofs(indexes, result->tree_size))
        << "pipelined batch up to " << result->tree_size;
  }
}

TEST(LogTest, StatePutsLandWithTheBatch) {
  ScopedTempDir dir;
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  PendingEntry entry = MakeEntry(1);
  const StatePut puts[] = {{"writer/a", "1"}, {"writer/b", "2"}, {"other", "3"}};
  ASSERT_TRUE(log->Append(std::span(&entry, 1), puts).ok());
  EXPECT_EQ(*log->GetState("writer/b"), "2");
  std::vector<std::string> keys;
  ASSERT_TRUE(log->ScanState("writer/", [&](std::string_view k, std::string_view) {
                    keys.emplace_back(k);
                    return true;
                  }).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"writer/a", "writer/b"}));
}

// 100,000 records in batches of 1,000: proofs for random (index, size) pairs
// and consistency between random signed checkpoints verify; roots match an
// independent recomputation; reopening gives the same root.
TEST(LogTest, HundredThousandRecordsProveAndReopen) {
  constexpr uint64_t kRecords = 100'000;
  constexpr uint64_t kBatch = 1'000;
  ScopedTempDir dir;
  std::vector<Hash> leaves;
  std::vector<uint64_t> signed_sizes = {0};
  Hash root_before_close{};
  {
    auto log = *Log::Open({.path = dir.path()}, TestLogKey());
    for (uint64_t first = 0; first < kRecords; first += kBatch) {
      std::vector<PendingEntry> batch;
      for (uint64_t i = first; i < first + kBatch; ++i) batch.push_back(MakeEntry(i));
      auto result = log->Append(batch);
      ASSERT_TRUE(result.ok()) << result.status();
      ASSERT_EQ(result->tree_size, first + kBatch);
      for (const Appended& a : result->records) {
        ASSERT_EQ(a.index, leaves.size());
        leaves.push_back(a.leaf_hash);
      }
      signed_sizes.push_back(result->tree_size);
    }
    root_before_close = log->Head().checkpoint.root;
  }
  ASSERT_EQ(root_before_close, ReferenceRoot(leaves, 0, leaves.size()));

  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), kRecords);
  EXPECT_EQ((*log)->Head().checkpoint.root, root_before_close);
  // The latest size's root comes from memory; it is the tree's all the same.
  EXPECT_EQ(*(*log)->RootAt(kRecords), ReferenceRoot(leaves, 0, kRecords));
  EXPECT_EQ(*(*log)->RootAt(kRecords - 1), ReferenceRoot(leaves, 0, kRecords - 1));

  std::mt19937_64 rng(20261129);
  for (int trial = 0; trial < 300; ++trial) {
    const uint64_t size = 1 + rng() % kRecords;
    const uint64_t index = rng() % size;
    auto root = (*log)->RootAt(size);
    ASSERT_TRUE(root.ok()) << root.status();
    if (trial < 30) {
      ASSERT_EQ(*root, ReferenceRoot(leaves, 0, size)) << "size " << size;
    }
    auto proof = (*log)->InclusionProof(index, size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(VerifyInclusion(index, size, leaves[index], *proof, *root).ok())
        << "index " << index << " size " << size;
  }
  for (int trial = 0; trial < 200; ++trial) {
    uint64_t a = signed_sizes[rng() % signed_sizes.size()];
    uint64_t b = signed_sizes[rng() % signed_sizes.size()];
    if (a > b) {
      std::swap(a, b);
    }
    if (a == 0) {
      continue;
    }
    auto first = OpenCheckpoint(*(*log)->CheckpointAt(a), (*log)->verifier());
    auto second = OpenCheckpoint(*(*log)->CheckpointAt(b), (*log)->verifier());
    ASSERT_TRUE(first.ok() && second.ok());
    auto proof = (*log)->ConsistencyProof(a, b);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(VerifyConsistency(a, b, first->root, second->root, *proof).ok())
        << a << " -> " << b;
  }
  EXPECT_EQ((*log)->CheckpointAt(1500).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*(*log)->SignedSizeAtOrBelow(1500), 1000u);
  EXPECT_EQ((*log)->InclusionProof(5, kRecords + 1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ((*log)->InclusionProof(kRecords, kRecords).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The perfect subtrees of a tree of `leaves` leaves at level >= `lowest`.
uint64_t NodesFrom(uint8_t lowest, uint64_t leaves) {
  uint64_t nodes = 0;
  for (int level = lowest; level < 64; ++level) nodes += leaves >> level;
  return nodes;
}

void AwaitNodesLoaded(const Log& log) {
  for (int i = 0; i < 1000 && !log.node_memory().loaded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(log.node_memory().loaded);
}

void AppendNumbered(Log& log, uint64_t first, uint64_t count, std::vector<Hash>& leaves) {
  std::vector<PendingEntry> batch;
  for (uint64_t i = first; i < first + count; ++i) batch.push_back(MakeEntry(i));
  auto result = log.Append(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  for (const Appended& a : result->records) leaves.push_back(a.leaf_hash);
}

// After opening, a background scan puts the stored tree in memory (every level
// the budget allows); appends add their nodes; proofs agree with the tree.
TEST(LogTest, OpenLoadsTheTreeIntoMemoryWithinTheBudget) {
  // Room for levels >= 3 of 5,000 leaves (625 + 312 + ... nodes, one chunk
  // each), not for level 2 (1,250 nodes, two chunks).
  constexpr size_t kChunk = 1024 * 32 + 128;
  // A budget of 0 holds nothing: every level of a tree of 5,000 leaves (up to
  // level 12) is below the lowest, and the load reads nothing.
  for (const auto& [budget, lowest] : {std::pair<size_t, uint8_t>{size_t{64} << 20, 0},
                                       std::pair<size_t, uint8_t>{11 * kChunk, 3},
                                       std::pair<size_t, uint8_t>{0, 13}}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    ScopedTempDir dir;
    std::vector<Hash> leaves;
    {
      auto log = *Log::Open({.path = dir.path()}, TestLogKey());
      for (uint64_t first = 0; first < 5000; first += 500) AppendNumbered(*log, first, 500, leaves);
    }
    auto log = *Log::Open({.path = dir.path(), .node_memory_bytes = budget}, TestLogKey());
    AwaitNodesLoaded(*log);
    EXPECT_EQ(log->node_memory().lowest_level, lowest);
    EXPECT_EQ(log->node_memory().nodes, NodesFrom(lowest, 5000));

    AppendNumbered(*log, leaves.size(), 700, leaves);
    EXPECT_EQ(log->node_memory().nodes, NodesFrom(lowest, 5700));
    for (const uint64_t size : {uint64_t{1}, uint64_t{4999}, uint64_t{5000}, uint64_t{5700}}) {
      const Hash root = ReferenceRoot(leaves, 0, size);
      for (uint64_t index = 0; index < size; index += 1 + size / 97) {
        auto proof = log->InclusionProof(index, size);
        ASSERT_TRUE(proof.ok()) << proof.status();
        EXPECT_TRUE(VerifyInclusion(index, size, leaves[index], *proof, root).ok())
            << "index " << index << " size " << size;
        EXPECT_EQ(*log->LeafHashAt(index), leaves[index]);
        auto with_leaf = log->LeafInclusionProof(index, size);
        ASSERT_TRUE(with_leaf.ok()) << with_leaf.status();
        EXPECT_EQ(with_leaf->leaf_hash, leaves[index]);
        EXPECT_EQ(with_leaf->proof, *proof);
      }
    }
  }
}

TEST(LogTest, OpenRefusesAnotherKey) {
  ScopedTempDir dir;
  ASSERT_TRUE(Log::Open({.path = dir.path()}, TestLogKey()).ok());
  auto other = Log::Open({.path = dir.path()}, *Signer::Generate("PeterNeumann"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LogTest, OpenRefusesMissingStoreWhenNotCreating) {
  ScopedTempDir dir;
  auto log = Log::Open({.path = dir.File("absent"), .create_if_missing = false}, TestLogKey());
  EXPECT_FALSE(log.ok());
}

// Writes directly into the store of a closed log, as an insider could.
void TamperStore(const std::string& path, Column column, const std::string& key,
                 const std::string& value) {
  auto store = Store::Open({.path = path, .create_if_missing = false});
  ASSERT_TRUE(store.ok()) << store.status();
  Store::Batch batch = (*store)->NewBatch();
  batch.Put(column, key, value);
  ASSERT_TRUE((*store)->Write(batch).ok());
}

std::string FilledLog(const ScopedTempDir& dir, uint64_t records) {
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  std::vector<PendingEntry> batch;
  for (uint64_t i = 0; i < records; ++i) batch.push_back(MakeEntry(i));
  EXPECT_TRUE(log->Append(batch).ok());
  return log->Head().note;
}

// A tree hash altered on disk below the right edge: the log opens (its root
// comes from the edge), and the altered hash reaches the proofs from memory
// exactly as it would from the store, so they fail against the signed root.
TEST(LogTest, AnAlteredTreeHashIsServedAsStoredAndFailsVerification) {
  ScopedTempDir dir;
  FilledLog(dir, 8);  // the right edge is the root node (3, 0)
  TamperStore(dir.path(), Column::kTree, TreeKey({0, 2}), std::string(32, 'z'));
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  AwaitNodesLoaded(*log);
  ASSERT_EQ(log->node_memory().nodes, 15u) << "every node of the 8-leaf tree, the altered one too";
  const Hash leaf3 = LeafHash(*log->GetRecord(3));
  auto proof = log->InclusionProof(3, 8);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->front(), *HashFromBytes(std::string(32, 'z')));
  EXPECT_EQ(VerifyInclusion(3, 8, leaf3, *proof, log->Head().checkpoint.root).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_NE(*log->LeafHashAt(2), LeafHash(*log->GetRecord(2)));
}

// ScanNodes from each lowest level visits exactly the perfect subtrees at or
// above it, by last leaf, and nothing at or past `below_leaves`.
TEST(LogTest, ScanNodesVisitsExactlyTheSubtreesFromALevel) {
  ScopedTempDir dir;
  FilledLog(dir, 37);
  auto store = Store::Open({.path = dir.path(), .create_if_missing = false});
  ASSERT_TRUE(store.ok()) << store.status();
  for (const uint64_t below : {uint64_t{37}, uint64_t{32}, uint64_t{5}}) {
    for (uint8_t lowest = 0; lowest <= 6; ++lowest) {
      SCOPED_TRACE("below " + std::to_string(below) + " from level " + std::to_string(lowest));
      std::vector<std::pair<uint64_t, uint8_t>> expected;  // (last leaf, level)
      for (uint64_t leaf = 0; leaf < below; ++leaf) {
        for (uint8_t level = lowest; level < 7; ++level) {
          if ((leaf + 1) % (uint64_t{1} << level) == 0) expected.emplace_back(leaf, level);
        }
      }
      std::vector<std::pair<uint64_t, uint8_t>> visited;
      ASSERT_TRUE((*store)
                      ->ScanNodes(lowest, below,
                                  [&](const NodeId& id, const Hash&) {
                                    visited.emplace_back(((id.index + 1) << id.level) - 1, id.level);
                                    return true;
                                  })
                      .ok());
      EXPECT_EQ(visited, expected);
    }
  }
}

// A malformed tree entry stops the load: the stats say why, nothing is
// loaded past it, and proofs read the store as before.
TEST(LogTest, AFailedLoadIsReportedAndProofsReadTheStore) {
  ScopedTempDir dir;
  FilledLog(dir, 8);
  TamperStore(dir.path(), Column::kTree, std::string(3, '\0'), std::string(32, 'z'));
  auto log = *Log::Open({.path = dir.path()}, TestLogKey());
  for (int i = 0; i < 1000 && log->node_memory().load_error.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Log::NodeMemoryStats stats = log->node_memory();
  EXPECT_FALSE(stats.loaded);
  EXPECT_NE(stats.load_error.find("malformed tree entry (key of 3 bytes"), std::string::npos)
      << stats.load_error;
  for (uint64_t index = 0; index < 8; ++index) {
    auto proof = log->InclusionProof(index, 8);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(VerifyInclusion(index, 8, LeafHash(*log->GetRecord(index)), *proof,
                                log->Head().checkpoint.root)
                    .ok())
        << index;
  }
}

TEST(LogTest, OpenRefusesAStoreOfAnotherFormat) {
  ScopedTempDir dir;
  FilledLog(dir, 3);
  // Format v1 keyed the tree by level first: its tree would read as missing.
  TamperStore(dir.path(), Column::kMeta, "format", "memoria-log-v1");
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(log.status().message().find("is in format memoria-log-v1; this build reads memoria-log-v2 only"),
            std::string::npos)
      << log.status();
}

TEST(LogTest, OpenRefusesATreeThatDisagreesWithTheCheckpoint) {
  ScopedTempDir dir;
  FilledLog(dir, 6);  // frontier: (2,0) and (1,2)
  TamperStore(dir.path(), Column::kTree, TreeKey({1, 2}), std::string(32, 'z'));
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("root"), std::string::npos) << log.status();
}

TEST(LogTest, OpenRefusesAForgedCheckpoint) {
  ScopedTempDir dir;
  std::string note = FilledLog(dir, 4);
  note[note.size() - 10] ^= 1;  // inside the signature's base64
  TamperStore(dir.path(), Column::kCheckpoints, CheckpointKey(4), note);
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("does not verify"), std::string::npos) << log.status();
}

TEST(LogTest, OpenRefusesALastRecordThatDisagreesWithItsLeafHash) {
  ScopedTempDir dir;
  FilledLog(dir, 3);
  TamperStore(dir.path(), Column::kRecords, RecordKey(2), "tampered record");
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("record 2"), std::string::npos) << log.status();
}

TEST(LogTest, OpenRefusesRecordsBeyondTheCheckpoint) {
  ScopedTempDir dir;
  FilledLog(dir, 3);
  TamperStore(dir.path(), Column::kRecords, RecordKey(3), "smuggled record");
  auto log = Log::Open({.path = dir.path()}, TestLogKey());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("size 4"), std::string::npos) << log.status();
}

}  // namespace
}  // namespace memoria
