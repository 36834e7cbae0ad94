// The RFC 9162 Merkle tree: proof verification, and proof/root construction
// from the hashes of perfect subtrees.
//
// A perfect subtree is identified by NodeId{level, index}: it covers leaves
// [index << level, (index + 1) << level). Every hash this file needs from
// storage is the hash of a perfect subtree, so a store that keeps those (one
// per completed subtree, about 2n for n leaves) serves the root, inclusion
// and consistency proofs for any tree size up to its own with O(log n) reads,
// requested in one call to NodeSource::GetNodes.
//
// Verification follows RFC 9162 2.1.3.2 (inclusion) and 2.1.4.2 (consistency)
// and rejects every malformed case.
#pragma once

#include <cassert>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"

namespace memoria {

struct NodeId {
  uint8_t level = 0;   // 0 = leaf
  uint64_t index = 0;  // position among the nodes of this level
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// ---- Verification (RFC 9162) -------------------------------------------------
//
// Each returns OK when the proof is valid, otherwise:
//   INVALID_ARGUMENT  the inputs are malformed: index >= size, size1 > size2, a
//                     proof of the wrong length, an empty proof where one is
//                     needed;
//   DATA_LOSS         well-formed, but the hashes do not match the root(s).

// RFC 9162 2.1.3.2: the root computed from `leaf_hash` at `index` in a tree of
// `tree_size` leaves and `proof` must equal `root`.
absl::Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                             std::span<const Hash> proof, const Hash& root);

// The root that `proof` implies for `leaf_hash` at `index` in `tree_size`;
// INVALID_ARGUMENT if the proof is malformed.
absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t tree_size,
                                            const Hash& leaf_hash,
                                            std::span<const Hash> proof);

// Verifies many inclusion proofs into one tree, hashing each node position at
// most once. Every proof is checked in full, with the results of
// VerifyInclusion: where a position was verified by an earlier proof, the
// running hash and the proof's hash beside it must equal the ones verified
// there (compared, not rehashed), and the path goes on from the verified hash
// above. For the records of an export, proofs share their upper levels, so
// most hashing is skipped. Not thread-safe.
class InclusionVerifier {
 public:
  InclusionVerifier(uint64_t tree_size, const Hash& root) : tree_size_(tree_size), root_(root) {}
  absl::Status Verify(uint64_t index, const Hash& leaf_hash, std::span<const Hash> proof);

 private:
  struct Position {
    uint64_t fn = 0;  // RFC 9162's fn and sn after a step: with sn > 0 they
    uint64_t sn = 0;  // name one node of the tree
    friend bool operator==(const Position&, const Position&) = default;
  };
  struct Known {
    Hash node;     // the verified hash at the position
    Hash sibling;  // the proof hash beside it, verified with it
  };
  struct PositionHash {
    size_t operator()(const Position& p) const { return p.fn * 0x9e3779b97f4a7c15ULL ^ p.sn; }
  };
  // Bounds the memory: forgotten (and relearned) past this many positions.
  static constexpr size_t kMaxVerified = 1 << 14;

  const uint64_t tree_size_;
  const Hash root_;
  std::unordered_map<Position, Known, PositionHash> verified_;
};

// RFC 9162 2.1.4.2: `proof` shows that the tree of `size1` leaves with root
// `root1` is a prefix of the tree of `size2` leaves with root `root2`.
// size1 == size2 needs an empty proof and root1 == root2. A proof from size 0
// to a larger size proves nothing and is rejected (INVALID_ARGUMENT): a client
// that trusts nothing yet trusts its first checkpoint by its signature alone.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                               const Hash& root2, std::span<const Hash> proof);

// ---- Construction from perfect subtrees ---------------------------------------

// Fetches hashes of perfect subtrees, all in one call; returns them in the
// order asked. NOT_FOUND (or any error) is passed through to the caller.
using NodeSource =
    std::function<absl::StatusOr<std::vector<Hash>>(std::span<const NodeId>)>;

// Root of the tree of the first `tree_size` leaves.
absl::StatusOr<Hash> ComputeRoot(uint64_t tree_size, const NodeSource& nodes);

// Inclusion proof of leaf `index` in the tree of `tree_size` leaves.
// INVALID_ARGUMENT unless index < tree_size.
absl::StatusOr<std::vector<Hash>> ComputeInclusionProof(uint64_t index, uint64_t tree_size,
                                                        const NodeSource& nodes);

// The hash of leaf `index` with its inclusion proof, from one call to
// `nodes` (one store read at most, where two calls would make two).
struct LeafInclusion {
  Hash leaf_hash{};
  std::vector<Hash> proof;
};
absl::StatusOr<LeafInclusion> ComputeLeafInclusion(uint64_t index, uint64_t tree_size,
                                                   const NodeSource& nodes);

// The inclusion proofs of several leaves in one tree, in the order of
// `indexes`: one call to `nodes` for the distinct perfect subtrees they need,
// and each distinct range hashed once (neighbouring leaves share most of
// their proofs). INVALID_ARGUMENT unless every index < tree_size.
absl::StatusOr<std::vector<std::vector<Hash>>> ComputeInclusionProofs(
    std::span<const uint64_t> indexes, uint64_t tree_size, const NodeSource& nodes);

// Consistency proof from `size1` to `size2` leaves (empty if size1 is 0 or
// equal to size2). INVALID_ARGUMENT unless size1 <= size2.
absl::StatusOr<std::vector<Hash>> ComputeConsistencyProof(uint64_t size1, uint64_t size2,
                                                          const NodeSource& nodes);

// Perfect-subtree hashes held in memory (for example the ones one append batch
// created), served as a NodeSource without touching storage. Add in any order,
// then Seal; a sealed set is immutable and safe to share between threads.
class NodeSet {
 public:
  void Add(const NodeId& id, const Hash& hash) {
    assert(!sealed_);
    nodes_.push_back({id, hash});
  }
  void Seal();
  // NOT_FOUND naming the first node that the set does not hold. Only after
  // Seal. The source refers to this set: keep the set alive while using it.
  NodeSource Source() const;
  // Calls `visit(id, hash)` for each node, in (level, index) order. Only
  // after Seal.
  template <typename Visit>
  void ForEach(Visit visit) const {
    assert(sealed_);
    for (const Node& node : nodes_) visit(node.id, node.hash);
  }

 private:
  struct Node {
    NodeId id;
    Hash hash;
  };
  std::vector<Node> nodes_;  // sorted by (level, index) once sealed
  bool sealed_ = false;
};

// ---- The right edge of a growing tree -----------------------------------------

// The hashes of the perfect subtrees that make up the tree of `size` leaves
// (one per set bit of size, largest first): enough to compute the root and to
// append. Appending updates it in O(1) amortized, O(log n) worst case.
class CompactRange {
 public:
  CompactRange() = default;

  // The node ids whose hashes FromNodes needs for a tree of `size` leaves.
  static std::vector<NodeId> NodesFor(uint64_t size);
  // INVALID_ARGUMENT unless hashes.size() == NodesFor(size).size().
  static absl::StatusOr<CompactRange> FromNodes(uint64_t size, std::vector<Hash> hashes);
  // The range of the `index` leaves before leaf `index`, from an inclusion
  // proof of that leaf in a tree of `tree_size` leaves: the proof's left
  // siblings are exactly its perfect subtrees. Checks only the proof's shape
  // (INVALID_ARGUMENT); the caller verifies the proof itself.
  static absl::StatusOr<CompactRange> BeforeLeaf(uint64_t index, uint64_t tree_size,
                                                 std::span<const Hash> inclusion_proof);

  uint64_t size() const { return size_; }
  Hash Root() const;
  // Adds the perfect subtrees it is made of to `set`.
  void AddNodesTo(NodeSet& set) const;

  // Appends one leaf; calls `on_new_node` for the leaf node and for every
  // perfect subtree the leaf completes, in increasing level order.
  void Append(const Hash& leaf_hash,
              const std::function<void(const NodeId&, const Hash&)>& on_new_node);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;  // perfect subtrees, largest (leftmost) first
};

}  // namespace memoria
