// A log for the witness's tests: leaves in memory, checkpoints signed with a
// fresh log key, RFC 6962 consistency proofs from ledger/merkle.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"

namespace memoria::witness::testing {

class TestLog {
 public:
  explicit TestLog(std::string origin, std::string leaf_prefix = "leaf-")
      : key_(*Signer::Generate(origin)), origin_(std::move(origin)),
        leaf_prefix_(std::move(leaf_prefix)) {}
  // Another history under the same key (a fork): leaves differ from `other`'s.
  TestLog(const TestLog& other, std::string leaf_prefix)
      : key_(other.key_), origin_(other.origin_), leaf_prefix_(std::move(leaf_prefix)) {}

  const Signer& key() const { return key_; }
  const std::string& origin() const { return origin_; }
  std::string Vkey() const { return key_.verifier().ToString(); }

  void Grow(uint64_t size) {
    while (leaves_.size() < size) {
      leaves_.push_back(LeafHash(leaf_prefix_ + std::to_string(leaves_.size())));
    }
  }
  Hash Root(uint64_t size) const { return *ComputeRoot(size, Source()); }
  std::string SignedCheckpoint(uint64_t size) const {
    Checkpoint checkpoint;
    checkpoint.origin = origin_;
    checkpoint.size = size;
    checkpoint.root = size == 0 ? EmptyRoot() : Root(size);
    return *SignCheckpoint(checkpoint, key_);
  }
  std::vector<Hash> Proof(uint64_t size1, uint64_t size2) const {
    return *ComputeConsistencyProof(size1, size2, Source());
  }

 private:
  Hash Node(const NodeId& id) const {
    if (id.level == 0) return leaves_[id.index];
    return NodeHash(Node({static_cast<uint8_t>(id.level - 1), id.index * 2}),
                    Node({static_cast<uint8_t>(id.level - 1), id.index * 2 + 1}));
  }
  NodeSource Source() const {
    return [this](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
      std::vector<Hash> hashes;
      for (const NodeId& id : ids) hashes.push_back(Node(id));
      return hashes;
    };
  }

  Signer key_;
  std::string origin_;
  std::string leaf_prefix_;
  std::vector<Hash> leaves_;
};

}  // namespace memoria::witness::testing
