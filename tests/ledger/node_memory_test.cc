// NodeMemory: the nodes put or read at and above the lowest level come from
// memory afterwards; the budget sets that level, nothing beyond the tree is
// held, and failed reads hold nothing.
#include "ledger/node_memory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memoria {
namespace {

// A fake store: each node's hash is derived from its id; records what it was
// asked; fails while `fail` is set.
struct FakeStore {
  std::vector<NodeId> asked;
  bool fail = false;

  static Hash HashOf(const NodeId& id) {
    return Sha256("node " + std::to_string(id.level) + " " + std::to_string(id.index));
  }
  NodeSource Source() {
    return [this](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
      if (fail) return absl::DataLossError("disk says no");
      std::vector<Hash> out;
      for (const NodeId& id : ids) {
        asked.push_back(id);
        out.push_back(HashOf(id));
      }
      return out;
    };
  }
};

NodeSet SetOf(const std::vector<NodeId>& ids) {
  NodeSet set;
  for (const NodeId& id : ids) set.Add(id, FakeStore::HashOf(id));
  set.Seal();
  return set;
}

constexpr size_t kPlenty = size_t{1} << 30;

TEST(NodeMemoryTest, LowestLevelIsTheLowestThatFitsTheBudget) {
  // One chunk holds 1,024 hashes (32 KiB and its bitmap).
  constexpr size_t kChunk = 1024 * 32 + 128;
  // 2^20 leaves: levels 0..10 take 1024, 512, ..., 1 chunks, and levels
  // 11..20 one each: 2,047 + 10 chunks in all.
  EXPECT_EQ(NodeMemory::LowestLevelFor(uint64_t{1} << 20, 2057 * kChunk), 0);
  EXPECT_EQ(NodeMemory::LowestLevelFor(uint64_t{1} << 20, 2056 * kChunk), 1);
  EXPECT_EQ(NodeMemory::LowestLevelFor(uint64_t{1} << 20, 1033 * kChunk), 1);
  EXPECT_EQ(NodeMemory::LowestLevelFor(uint64_t{1} << 20, 1032 * kChunk), 2);
  // Too small for even the root (level 20): no level of the tree is held.
  EXPECT_GT(NodeMemory::LowestLevelFor(uint64_t{1} << 20, kChunk / 2), 20);
  // The default of LogOptions: every level at 10^6 leaves, from level 4 at 10^7.
  EXPECT_EQ(NodeMemory::LowestLevelFor(1'000'000, 64 << 20), 0);
  EXPECT_EQ(NodeMemory::LowestLevelFor(2'000'000, 64 << 20), 1);
  EXPECT_EQ(NodeMemory::LowestLevelFor(10'000'000, 64 << 20), 4);
}

TEST(NodeMemoryTest, PutNodesAreServedWithoutTheStore) {
  NodeMemory memory(kPlenty);
  memory.Grow(64);
  const std::vector<NodeId> ids = {{0, 5}, {3, 1}, {6, 0}, {2, 15}};
  memory.Put(SetOf(ids));
  EXPECT_EQ(memory.size(), ids.size());
  FakeStore store;
  absl::StatusOr<std::vector<Hash>> hashes = memory.Get(ids, store.Source());
  ASSERT_TRUE(hashes.ok()) << hashes.status();
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*hashes)[i], FakeStore::HashOf(ids[i])) << i;
  EXPECT_TRUE(store.asked.empty());
}

TEST(NodeMemoryTest, NodesReadFromTheStoreAreKeptAndMissingOnesAskedInOneCall) {
  NodeMemory memory(kPlenty);
  memory.Grow(1000);
  memory.Put(SetOf({{1, 7}}));
  FakeStore store;
  const std::vector<NodeId> ids = {{0, 5}, {1, 7}, {3, 1}, {0, 5}};
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    store.asked.clear();
    absl::StatusOr<std::vector<Hash>> hashes = memory.Get(ids, store.Source());
    ASSERT_TRUE(hashes.ok()) << hashes.status();
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*hashes)[i], FakeStore::HashOf(ids[i])) << i;
    if (round == 0) {
      // {1, 7} was put; the other three (one asked twice) are read.
      EXPECT_EQ(store.asked, (std::vector<NodeId>{{0, 5}, {3, 1}, {0, 5}}));
    } else {
      EXPECT_TRUE(store.asked.empty());
    }
  }
  EXPECT_EQ(memory.size(), 3u);
}

TEST(NodeMemoryTest, LevelsBelowTheBudgetAreReadEveryTimeAndDroppedAsTheTreeGrows) {
  // Room for levels >= 1 of 2^20 leaves, not for level 0.
  constexpr size_t kChunk = 1024 * 32 + 128;
  NodeMemory memory(1100 * kChunk);
  memory.Grow(1000);
  EXPECT_EQ(memory.lowest_level(), 0);
  memory.Put(SetOf({{0, 3}, {0, 998}, {1, 4}, {9, 0}}));
  EXPECT_EQ(memory.size(), 4u);

  memory.Grow(uint64_t{1} << 20);
  EXPECT_EQ(memory.lowest_level(), 1);
  EXPECT_EQ(memory.size(), 2u);  // the two leaves are gone
  memory.Put(SetOf({{0, 2000}}));
  EXPECT_EQ(memory.size(), 2u);
  FakeStore store;
  const std::vector<NodeId> ids = {{0, 3}, {1, 4}, {9, 0}};
  for (int round = 0; round < 2; ++round) {
    store.asked.clear();
    ASSERT_TRUE(memory.Get(ids, store.Source()).ok());
    EXPECT_EQ(store.asked, (std::vector<NodeId>{{0, 3}})) << "round " << round;
  }
  // A smaller size later never lowers the level again.
  memory.Grow(1000);
  EXPECT_EQ(memory.lowest_level(), 1);
}

TEST(NodeMemoryTest, NothingBeyondTheTreeOfTheLastGrowIsHeld) {
  NodeMemory memory(kPlenty);
  memory.Put(SetOf({{0, 0}}));
  EXPECT_EQ(memory.size(), 0u) << "nothing is held before the first Grow";
  memory.Grow(8);
  // Leaf 8 and the subtree of leaves [8, 12) are not in a tree of 8 leaves;
  // the subtree [4, 8) is.
  memory.Put(SetOf({{0, 8}, {2, 2}, {2, 1}, {3, 0}}));
  EXPECT_EQ(memory.size(), 2u);
  FakeStore store;
  ASSERT_TRUE(memory.Get(std::vector<NodeId>{{2, 1}, {3, 0}}, store.Source()).ok());
  EXPECT_TRUE(store.asked.empty());
}

TEST(NodeMemoryTest, AFailedReadHoldsNothingAndIsPassedThrough) {
  NodeMemory memory(kPlenty);
  memory.Grow(1 << 10);
  FakeStore store;
  store.fail = true;
  const std::vector<NodeId> ids = {{4, 1}};
  EXPECT_EQ(memory.Get(ids, store.Source()).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(memory.size(), 0u);
  store.fail = false;
  ASSERT_TRUE(memory.Get(ids, store.Source()).ok());
  EXPECT_EQ(store.asked.size(), 1u);
  EXPECT_EQ(memory.size(), 1u);
}

TEST(NodeMemoryTest, AStoreAnsweringTheWrongCountIsAnError) {
  NodeMemory memory(kPlenty);
  memory.Grow(1 << 10);
  const NodeSource short_store = [](std::span<const NodeId>) -> absl::StatusOr<std::vector<Hash>> {
    return std::vector<Hash>{};
  };
  const std::vector<NodeId> ids = {{4, 1}};
  EXPECT_EQ(memory.Get(ids, short_store).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(memory.size(), 0u);
}

}  // namespace
}  // namespace memoria
