// UpperNodeCache: upper levels come from memory once read, lower levels and
// failed reads never do.
#include "ledger/node_cache.h"

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

constexpr uint8_t kUpper = UpperNodeCache::kMinLevel;

TEST(UpperNodeCacheTest, UpperLevelsAreReadOnceAndLowerLevelsEveryTime) {
  UpperNodeCache cache;
  FakeStore store;
  const std::vector<NodeId> ids = {{0, 5}, {kUpper, 3}, {3, 1}, {kUpper + 4, 0}, {kUpper, 3}};
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    store.asked.clear();
    absl::StatusOr<std::vector<Hash>> hashes = cache.Get(ids, store.Source());
    ASSERT_TRUE(hashes.ok()) << hashes.status();
    ASSERT_EQ(hashes->size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*hashes)[i], FakeStore::HashOf(ids[i])) << i;
    if (round == 0) {
      EXPECT_EQ(store.asked.size(), ids.size());
    } else {
      // Only the two lower nodes go to the store.
      ASSERT_EQ(store.asked.size(), 2u);
      EXPECT_EQ(store.asked[0], (NodeId{0, 5}));
      EXPECT_EQ(store.asked[1], (NodeId{3, 1}));
    }
  }
  EXPECT_EQ(cache.size(), 2u);
}

TEST(UpperNodeCacheTest, AFailedReadCachesNothingAndIsPassedThrough) {
  UpperNodeCache cache;
  FakeStore store;
  store.fail = true;
  const std::vector<NodeId> ids = {{kUpper, 1}};
  EXPECT_EQ(cache.Get(ids, store.Source()).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cache.size(), 0u);
  store.fail = false;
  ASSERT_TRUE(cache.Get(ids, store.Source()).ok());
  EXPECT_EQ(store.asked.size(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(UpperNodeCacheTest, AStoreAnsweringTheWrongCountIsAnError) {
  UpperNodeCache cache;
  const NodeSource short_store = [](std::span<const NodeId>) -> absl::StatusOr<std::vector<Hash>> {
    return std::vector<Hash>{};
  };
  const std::vector<NodeId> ids = {{kUpper, 1}};
  EXPECT_EQ(cache.Get(ids, short_store).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace memoria
