#include "ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <map>
#include <string>
#include <tuple>

#include "ledger/status.h"

namespace memoria {
namespace {

absl::Status Malformed(const std::string& what) { return absl::InvalidArgumentError(what); }

// Largest power of two strictly smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n) {
  assert(n >= 2);
  return uint64_t{1} << (63 - std::countl_zero(n - 1));
}

// A subtree of the RFC 6962 tree: leaves [begin, end). Every range that proof
// construction asks for starts at a multiple of the largest power of two not
// above its size, so it is a run of perfect subtrees, largest first.
struct Range {
  uint64_t begin;
  uint64_t end;
};

void AppendPerfectNodes(const Range& range, std::vector<NodeId>& out) {
  uint64_t pos = range.begin;
  const uint64_t size = range.end - range.begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    assert(pos % width == 0);
    out.push_back(NodeId{static_cast<uint8_t>(level), pos >> level});
    pos += width;
  }
}

bool ByPosition(const NodeId& a, const NodeId& b) {
  return std::tie(a.level, a.index) < std::tie(b.level, b.index);
}

// Hashes of `ranges`, reading all their perfect subtrees in one call (each
// distinct subtree once).
absl::StatusOr<std::vector<Hash>> HashRanges(const std::vector<Range>& ranges,
                                             const NodeSource& source) {
  std::vector<NodeId> ids;
  std::vector<size_t> counts;
  for (const Range& range : ranges) {
    const size_t before = ids.size();
    AppendPerfectNodes(range, ids);
    counts.push_back(ids.size() - before);
  }
  if (ids.empty()) return std::vector<Hash>(ranges.size(), EmptyRoot());
  std::vector<NodeId> distinct = ids;
  std::sort(distinct.begin(), distinct.end(), ByPosition);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  absl::StatusOr<std::vector<Hash>> nodes = source(distinct);
  if (!nodes.ok()) return nodes.status();
  if (nodes->size() != distinct.size()) {
    return absl::InternalError("node source returned the wrong number of hashes");
  }
  auto node = [&](const NodeId& id) -> const Hash& {
    return (*nodes)[static_cast<size_t>(
        std::lower_bound(distinct.begin(), distinct.end(), id, ByPosition) - distinct.begin())];
  };
  std::vector<Hash> out;
  out.reserve(ranges.size());
  size_t next = 0;
  for (size_t count : counts) {
    if (count == 0) {
      out.push_back(EmptyRoot());
      continue;
    }
    // Fold right to left: the RFC 6962 tree leans left.
    Hash hash = node(ids[next + count - 1]);
    for (size_t i = count - 1; i-- > 0;) hash = NodeHash(node(ids[next + i]), hash);
    out.push_back(hash);
    next += count;
  }
  return out;
}

// RFC 6962 2.1.1 PATH(m, D[begin:end]), bottom-up.
void InclusionRanges(uint64_t m, Range range, std::vector<Range>& out) {
  const uint64_t n = range.end - range.begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m - range.begin < k) {
    InclusionRanges(m, {range.begin, range.begin + k}, out);
    out.push_back({range.begin + k, range.end});
  } else {
    InclusionRanges(m, {range.begin + k, range.end}, out);
    out.push_back({range.begin, range.begin + k});
  }
}

// RFC 6962 2.1.2 SUBPROOF(m, D[begin:end], b), bottom-up.
void ConsistencyRanges(uint64_t m, Range range, bool whole_old_tree, std::vector<Range>& out) {
  const uint64_t n = range.end - range.begin;
  if (m == n) {
    if (!whole_old_tree) out.push_back(range);
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    ConsistencyRanges(m, {range.begin, range.begin + k}, whole_old_tree, out);
    out.push_back({range.begin + k, range.end});
  } else {
    ConsistencyRanges(m - k, {range.begin + k, range.end}, false, out);
    out.push_back({range.begin, range.begin + k});
  }
}

}  // namespace

namespace {

// One step of RFC 9162 2.1.3.2's verification from position (fn, sn): whether
// the proof hash goes on the left of the running hash; moves (fn, sn) up.
bool Climb(uint64_t& fn, uint64_t& sn) {
  const bool left = (fn & 1) != 0 || fn == sn;
  if (left && (fn & 1) == 0) {
    while ((fn & 1) == 0 && fn != 0) {
      fn >>= 1;
      sn >>= 1;
    }
  }
  fn >>= 1;
  sn >>= 1;
  return left;
}

// INVALID_ARGUMENT unless a proof of `proof_size` hashes has the shape RFC
// 9162 requires for leaf `index` of a tree of `tree_size` leaves.
absl::Status CheckInclusionShape(uint64_t index, uint64_t tree_size, size_t proof_size) {
  if (index >= tree_size) {
    return Malformed("leaf index " + std::to_string(index) + " is not below tree size " +
                     std::to_string(tree_size));
  }
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  for (size_t i = 0; i < proof_size; ++i) {
    if (sn == 0) return Malformed("inclusion proof is too long");
    Climb(fn, sn);
  }
  if (sn != 0) return Malformed("inclusion proof is too short");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t tree_size,
                                            const Hash& leaf_hash,
                                            std::span<const Hash> proof) {
  RETURN_IF_ERROR(CheckInclusionShape(index, tree_size, proof.size()));
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) r = Climb(fn, sn) ? NodeHash(p, r) : NodeHash(r, p);
  return r;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                             std::span<const Hash> proof, const Hash& root) {
  absl::StatusOr<Hash> computed = RootFromInclusionProof(index, tree_size, leaf_hash, proof);
  if (!computed.ok()) return computed.status();
  if (*computed != root) {
    return absl::DataLossError("inclusion proof of leaf " + std::to_string(index) +
                               " does not lead to the root of tree size " +
                               std::to_string(tree_size));
  }
  return absl::OkStatus();
}

absl::Status InclusionVerifier::Verify(uint64_t index, const Hash& leaf_hash,
                                       std::span<const Hash> proof) {
  RETURN_IF_ERROR(CheckInclusionShape(index, tree_size_, proof.size()));
  const auto mismatch = [&]() {
    return absl::DataLossError("inclusion proof of leaf " + std::to_string(index) +
                               " does not lead to the root of tree size " +
                               std::to_string(tree_size_));
  };
  // Up the path: where a position was verified before, its hash and the
  // proof's hash beside it must be the ones verified there (no hashing);
  // elsewhere, hash.
  std::vector<std::pair<Position, Known>> learned;
  uint64_t fn = index;
  uint64_t sn = tree_size_ - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    const Position here{fn, sn};
    const auto known = verified_.find(here);
    if (known == verified_.end()) learned.emplace_back(here, Known{r, p});
    else if (known->second.node != r || known->second.sibling != p) return mismatch();
    const bool left = Climb(fn, sn);
    const auto next = known == verified_.end() ? verified_.end() : verified_.find({fn, sn});
    if (next != verified_.end()) {
      r = next->second.node;
    } else if (known != verified_.end() && sn == 0) {
      r = root_;
    } else {
      r = left ? NodeHash(p, r) : NodeHash(r, p);
    }
  }
  if (r != root_) return mismatch();
  if (verified_.size() + learned.size() > kMaxVerified) verified_.clear();
  for (auto& [position, value] : learned) verified_.emplace(position, value);
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                               const Hash& root2, std::span<const Hash> proof) {
  if (size1 > size2) {
    return Malformed("first tree size " + std::to_string(size1) + " exceeds second " +
                     std::to_string(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) return Malformed("consistency proof between equal sizes must be empty");
    if (root1 != root2) return absl::DataLossError("different roots for the same tree size");
    return absl::OkStatus();
  }
  if (size1 == 0) {
    return Malformed("a consistency proof from the empty tree proves nothing");
  }
  if (proof.empty()) return Malformed("consistency proof is empty");

  // RFC 9162 2.1.4.2.
  size_t next = 0;
  const bool first_is_power_of_two = std::has_single_bit(size1);
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = first_is_power_of_two ? root1 : proof[next++];
  Hash sr = fr;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) return Malformed("consistency proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Malformed("consistency proof is too short");
  if (fr != root1) {
    return absl::DataLossError("consistency proof does not match the root of tree size " +
                               std::to_string(size1));
  }
  if (sr != root2) {
    return absl::DataLossError("consistency proof does not match the root of tree size " +
                               std::to_string(size2));
  }
  return absl::OkStatus();
}

absl::StatusOr<Hash> ComputeRoot(uint64_t tree_size, const NodeSource& nodes) {
  absl::StatusOr<std::vector<Hash>> hashes = HashRanges({Range{0, tree_size}}, nodes);
  if (!hashes.ok()) return hashes.status();
  return hashes->front();
}

absl::StatusOr<std::vector<Hash>> ComputeInclusionProof(uint64_t index, uint64_t tree_size,
                                                        const NodeSource& nodes) {
  if (index >= tree_size) {
    return Malformed("leaf index " + std::to_string(index) + " is not below tree size " +
                     std::to_string(tree_size));
  }
  std::vector<Range> ranges;
  InclusionRanges(index, {0, tree_size}, ranges);
  return HashRanges(ranges, nodes);
}

absl::StatusOr<LeafInclusion> ComputeLeafInclusion(uint64_t index, uint64_t tree_size,
                                                   const NodeSource& nodes) {
  if (index >= tree_size) {
    return Malformed("leaf index " + std::to_string(index) + " is not below tree size " +
                     std::to_string(tree_size));
  }
  std::vector<Range> ranges = {{index, index + 1}};  // the leaf itself, then its proof
  InclusionRanges(index, {0, tree_size}, ranges);
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, HashRanges(ranges, nodes));
  LeafInclusion out{.leaf_hash = hashes.front()};
  out.proof.assign(hashes.begin() + 1, hashes.end());
  return out;
}

absl::StatusOr<std::vector<std::vector<Hash>>> ComputeInclusionProofs(
    std::span<const uint64_t> indexes, uint64_t tree_size, const NodeSource& nodes) {
  // Each proof as positions in a list of distinct ranges.
  std::vector<Range> ranges;
  std::vector<std::vector<size_t>> proof_ranges(indexes.size());
  {
    std::map<std::pair<uint64_t, uint64_t>, size_t> position;
    std::vector<Range> path;
    for (size_t i = 0; i < indexes.size(); ++i) {
      if (indexes[i] >= tree_size) {
        return Malformed("leaf index " + std::to_string(indexes[i]) +
                         " is not below tree size " + std::to_string(tree_size));
      }
      path.clear();
      InclusionRanges(indexes[i], {0, tree_size}, path);
      proof_ranges[i].reserve(path.size());
      for (const Range& range : path) {
        auto [it, added] = position.try_emplace({range.begin, range.end}, ranges.size());
        if (added) ranges.push_back(range);
        proof_ranges[i].push_back(it->second);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, HashRanges(ranges, nodes));
  std::vector<std::vector<Hash>> proofs(indexes.size());
  for (size_t i = 0; i < indexes.size(); ++i) {
    proofs[i].reserve(proof_ranges[i].size());
    for (size_t r : proof_ranges[i]) proofs[i].push_back(hashes[r]);
  }
  return proofs;
}

absl::StatusOr<std::vector<Hash>> ComputeConsistencyProof(uint64_t size1, uint64_t size2,
                                                          const NodeSource& nodes) {
  if (size1 > size2) {
    return Malformed("first tree size " + std::to_string(size1) + " exceeds second " +
                     std::to_string(size2));
  }
  if (size1 == 0 || size1 == size2) return std::vector<Hash>{};
  std::vector<Range> ranges;
  ConsistencyRanges(size1, {0, size2}, true, ranges);
  return HashRanges(ranges, nodes);
}

void NodeSet::Seal() {
  sealed_ = true;
  std::sort(nodes_.begin(), nodes_.end(),
            [](const Node& a, const Node& b) { return ByPosition(a.id, b.id); });
}

NodeSource NodeSet::Source() const {
  assert(sealed_);
  return [this](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
    std::vector<Hash> hashes;
    hashes.reserve(ids.size());
    for (const NodeId& id : ids) {
      const auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id,
                                       [](const Node& node, const NodeId& wanted) {
                                         return ByPosition(node.id, wanted);
                                       });
      if (it == nodes_.end() || !(it->id == id)) {
        return absl::NotFoundError("node at level " + std::to_string(id.level) + " index " +
                                   std::to_string(id.index) + " is not in memory");
      }
      hashes.push_back(it->hash);
    }
    return hashes;
  };
}

void CompactRange::AddNodesTo(NodeSet& set) const {
  const std::vector<NodeId> ids = NodesFor(size_);
  for (size_t i = 0; i < ids.size(); ++i) set.Add(ids[i], hashes_[i]);
}

std::vector<NodeId> CompactRange::NodesFor(uint64_t size) {
  std::vector<NodeId> ids;
  AppendPerfectNodes({0, size}, ids);
  return ids;
}

absl::StatusOr<CompactRange> CompactRange::FromNodes(uint64_t size, std::vector<Hash> hashes) {
  if (hashes.size() != static_cast<size_t>(std::popcount(size))) {
    return Malformed("compact range of size " + std::to_string(size) + " needs " +
                     std::to_string(std::popcount(size)) + " hashes, got " +
                     std::to_string(hashes.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.hashes_ = std::move(hashes);
  return range;
}

absl::StatusOr<CompactRange> CompactRange::BeforeLeaf(uint64_t index, uint64_t tree_size,
                                                      std::span<const Hash> inclusion_proof) {
  RETURN_IF_ERROR(CheckInclusionShape(index, tree_size, inclusion_proof.size()));
  std::vector<Hash> left;  // smallest subtree first, as the path climbs
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  for (const Hash& p : inclusion_proof) {
    if (Climb(fn, sn)) left.push_back(p);
  }
  std::reverse(left.begin(), left.end());
  return FromNodes(index, std::move(left));
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  Hash root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) root = NodeHash(hashes_[i], root);
  return root;
}

void CompactRange::Append(const Hash& leaf_hash,
                          const std::function<void(const NodeId&, const Hash&)>& on_new_node) {
  NodeId id{0, size_};
  Hash hash = leaf_hash;
  on_new_node(id, hash);
  while ((id.index & 1) != 0) {
    assert(!hashes_.empty());
    hash = NodeHash(hashes_.back(), hash);
    hashes_.pop_back();
    id = NodeId{static_cast<uint8_t>(id.level + 1), id.index >> 1};
    on_new_node(id, hash);
  }
  hashes_.push_back(hash);
  ++size_;
}

}  // namespace memoria
