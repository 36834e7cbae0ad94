// Store key encodings: the tree's keys grow in the order appends complete
// subtrees, so RocksDB moves the tree's flushed files instead of rewriting
// them, and a proof's lower nodes sit together.
#include "ledger/store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria {
namespace {

TEST(TreeKeyTest, IsTheLastLeafThenTheLevel) {
  EXPECT_EQ(TreeKey({0, 7}), EncodeBigEndian64(7) + std::string(1, '\0'));
  // Level 2, index 2: leaves 8..11.
  EXPECT_EQ(TreeKey({2, 2}), EncodeBigEndian64(11) + std::string(1, '\2'));
  // Level 40, index 0: leaves 0..2^40-1.
  EXPECT_EQ(TreeKey({40, 0}), EncodeBigEndian64((uint64_t{1} << 40) - 1) + std::string(1, '\x28'));
}

TEST(TreeKeyTest, GrowsInTheOrderAppendsCompleteSubtrees) {
  CompactRange range;
  std::string previous;
  std::set<std::string> seen;
  int nodes = 0;
  for (uint64_t i = 0; i < 5000; ++i) {
    range.Append(Sha256("leaf " + std::to_string(i)), [&](const NodeId& id, const Hash&) {
      const std::string key = TreeKey(id);
      EXPECT_GT(key, previous) << "level " << int{id.level} << " index " << id.index
                               << " after leaf " << i;
      EXPECT_TRUE(seen.insert(key).second) << "level " << int{id.level} << " index " << id.index;
      previous = key;
      ++nodes;
    });
  }
  EXPECT_EQ(nodes, 2 * 5000 - 5);  // n leaves complete 2n - popcount(n) subtrees; popcount(5000) = 5
}

TEST(TreeKeyTest, TheLowerNodesOfAProofEndWithin256LeavesOfItsLeaf) {
  // The siblings on the path of leaf 1000 up to level 7 all end within 256
  // leaves of it: one small key range, not one range per level.
  const uint64_t leaf = 1000;
  for (uint8_t level = 0; level < 8; ++level) {
    const NodeId sibling{level, (leaf >> level) ^ 1};
    const std::string key = TreeKey(sibling);
    EXPECT_GE(key, TreeKey({0, leaf - 256})) << int{level};
    EXPECT_LE(key, TreeKey({0, leaf + 256})) << int{level};
  }
}

}  // namespace
}  // namespace memoria
