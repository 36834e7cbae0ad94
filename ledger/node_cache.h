// The upper levels of the Merkle tree, kept in memory once read.
//
// A perfect subtree's hash never changes once it exists, and the subtrees at
// level >= kMinLevel are few (about n / 2^(kMinLevel-1) for n leaves: 7,800
// at 10^6, 78,000 at 10^7) yet make up more than half of every proof at those
// sizes.
// Serving them from memory halves the store reads of a proof. The cache fills
// lazily, as proofs read nodes, so opening a log reads nothing more.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"

namespace memoria {

class UpperNodeCache {
 public:
  // Levels below this are read from the store every time.
  static constexpr uint8_t kMinLevel = 8;
  // Bounds the memory (about 64 MiB; reached at 2^27 leaves). Past it, nodes
  // not yet cached are read from the store every time.
  static constexpr size_t kMaxNodes = size_t{1} << 20;

  // The hashes of `ids` in order: cached ones from memory, the others in one
  // call to `store`, remembering the upper ones it returns. The caller must
  // ask only for nodes of durable, complete subtrees. Thread-safe.
  absl::StatusOr<std::vector<Hash>> Get(std::span<const NodeId> ids, const NodeSource& store)
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  static uint64_t Key(const NodeId& id) { return uint64_t{id.level} << 56 | id.index; }

  mutable absl::Mutex mu_;
  std::unordered_map<uint64_t, Hash> nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memoria
