// The tree's node hashes held in memory, from a lowest level up.
//
// A proof at 10^6 records needs 20 node hashes; read from RocksDB, one proof
// costs 30-50 us of lookups (index, block cache, binary search per key),
// about as much as the gRPC call that carries it. A perfect subtree's hash
// never changes once durable, and all of them take 64 bytes per leaf, so a
// budget of 64 MiB holds every level of a tree of 10^6 leaves (62 MiB) and
// the levels from 4 up at 10^7: a proof then reads nothing, or the few nodes
// below the lowest level held (neighbours in one RocksDB block), from the
// store.
//
// The lowest level held is the lowest whose nodes, and all above it, fit in
// the budget for the current tree size; as the tree grows past that, the
// level is dropped (Grow). Nodes come from the batches the log appends, from a
// scan of the store that the Log runs in the background after opening (so
// opening reads nothing more), and from proofs that read them before that
// scan reached them. Every node put here must be durable: the caller only
// puts or asks for nodes of complete subtrees of a durable tree.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"

namespace memoria {

class NodeMemory {
 public:
  explicit NodeMemory(size_t budget_bytes) : budget_bytes_(budget_bytes) {}
  NodeMemory(const NodeMemory&) = delete;
  NodeMemory& operator=(const NodeMemory&) = delete;

  // The lowest level whose nodes, with all the levels above, fit in
  // `budget_bytes` for a tree of `leaves` leaves (above the root if none
  // fits).
  static uint8_t LowestLevelFor(uint64_t leaves, size_t budget_bytes);

  // The tree is now `leaves` leaves: raises the lowest level held if the
  // budget requires it (dropping the levels below). Neither ever shrinks.
  // Thread-safe.
  void Grow(uint64_t leaves) ABSL_LOCKS_EXCLUDED(mu_);

  // Remembers durable nodes. Nodes below the lowest level, or beyond the tree
  // of the last Grow (so nothing is held before the first), are ignored: the
  // memory held stays within the budget. Thread-safe.
  void Put(const NodeSet& nodes) ABSL_LOCKS_EXCLUDED(mu_);

  // The hashes of `ids` in order: held ones from memory, the others in one
  // call to `store` (and remembered if at or above the lowest level). Errors
  // from the store are passed through. Thread-safe.
  absl::StatusOr<std::vector<Hash>> Get(std::span<const NodeId> ids, const NodeSource& store)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint8_t lowest_level() const ABSL_LOCKS_EXCLUDED(mu_);
  // Hashes held.
  uint64_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  static constexpr size_t kChunkNodes = 1024;  // 32 KiB of hashes
  struct Chunk {
    std::array<Hash, kChunkNodes> hashes;
    std::bitset<kChunkNodes> held;
  };
  using Level = std::vector<std::unique_ptr<Chunk>>;  // chunk i: nodes [i * kChunkNodes, ...)

  // Null if `id` is not held.
  const Hash* Find(const NodeId& id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void PutLocked(const NodeId& id, const Hash& hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t budget_bytes_;
  mutable absl::Mutex mu_;
  uint64_t leaves_ ABSL_GUARDED_BY(mu_) = 0;
  uint8_t lowest_level_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Level> levels_ ABSL_GUARDED_BY(mu_);  // indexed by level
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace memoria
