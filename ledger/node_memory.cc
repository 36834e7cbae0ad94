#include "ledger/node_memory.h"

#include <algorithm>

namespace memoria {

uint8_t NodeMemory::LowestLevelFor(uint64_t leaves, size_t budget_bytes) {
  // Levels from the top down: the first one that would not fit ends the search.
  uint64_t chunks = 0;
  uint8_t lowest = 64;
  for (int level = 63; level >= 0; --level) {
    const uint64_t nodes = leaves >> level;
    chunks += (nodes + kChunkNodes - 1) / kChunkNodes;
    if (chunks > budget_bytes / sizeof(Chunk)) break;
    lowest = static_cast<uint8_t>(level);
  }
  return lowest;
}

void NodeMemory::Grow(uint64_t leaves) {
  absl::MutexLock lock(&mu_);
  leaves_ = std::max(leaves_, leaves);
  const uint8_t lowest = LowestLevelFor(leaves_, budget_bytes_);
  for (; lowest_level_ < lowest; ++lowest_level_) {
    if (lowest_level_ >= levels_.size()) continue;
    for (const std::unique_ptr<Chunk>& chunk : levels_[lowest_level_]) {
      if (chunk != nullptr) size_ -= chunk->held.count();
    }
    Level().swap(levels_[lowest_level_]);
  }
}

void NodeMemory::Put(const NodeSet& nodes) {
  absl::MutexLock lock(&mu_);
  nodes.ForEach([this](const NodeId& id, const Hash& hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    PutLocked(id, hash);
  });
}

absl::StatusOr<std::vector<Hash>> NodeMemory::Get(std::span<const NodeId> ids,
                                                  const NodeSource& store) {
  std::vector<Hash> hashes(ids.size());
  std::vector<NodeId> missing;
  std::vector<size_t> missing_at;
  bool keep_any = false;  // some missing node is at or above the lowest level
  {
    absl::ReaderMutexLock lock(&mu_);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (const Hash* held = Find(ids[i]); held != nullptr) {
        hashes[i] = *held;
      } else {
        missing.push_back(ids[i]);
        missing_at.push_back(i);
        keep_any = keep_any || ids[i].level >= lowest_level_;
      }
    }
  }
  if (missing.empty()) return hashes;
  absl::StatusOr<std::vector<Hash>> read = store(missing);
  if (!read.ok()) return read.status();
  if (read->size() != missing.size()) {
    return absl::InternalError("node store returned the wrong number of hashes");
  }
  for (size_t k = 0; k < missing.size(); ++k) hashes[missing_at[k]] = (*read)[k];
  if (keep_any) {
    absl::MutexLock lock(&mu_);
    for (size_t k = 0; k < missing.size(); ++k) PutLocked(missing[k], (*read)[k]);
  }
  return hashes;
}

uint8_t NodeMemory::lowest_level() const {
  absl::ReaderMutexLock lock(&mu_);
  return lowest_level_;
}

uint64_t NodeMemory::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return size_;
}

const Hash* NodeMemory::Find(const NodeId& id) const {
  if (id.level < lowest_level_ || id.level >= levels_.size()) return nullptr;
  const Level& level = levels_[id.level];
  const uint64_t chunk = id.index / kChunkNodes;
  if (chunk >= level.size() || level[chunk] == nullptr) return nullptr;
  const size_t at = id.index % kChunkNodes;
  return level[chunk]->held.test(at) ? &level[chunk]->hashes[at] : nullptr;
}

void NodeMemory::PutLocked(const NodeId& id, const Hash& hash) {
  if (id.level < lowest_level_ || id.level >= 64 || id.index >= (leaves_ >> id.level)) return;
  if (id.level >= levels_.size()) levels_.resize(id.level + 1);
  Level& level = levels_[id.level];
  const uint64_t chunk = id.index / kChunkNodes;
  if (chunk >= level.size()) level.resize(chunk + 1);
  if (level[chunk] == nullptr) level[chunk] = std::make_unique<Chunk>();
  const size_t at = id.index % kChunkNodes;
  if (!level[chunk]->held.test(at)) {
    level[chunk]->held.set(at);
    ++size_;
  }
  level[chunk]->hashes[at] = hash;
}

}  // namespace memoria
