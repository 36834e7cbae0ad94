#include "ledger/node_cache.h"

namespace memoria {

absl::StatusOr<std::vector<Hash>> UpperNodeCache::Get(std::span<const NodeId> ids,
                                                      const NodeSource& store) {
  std::vector<Hash> hashes(ids.size());
  std::vector<NodeId> missing;
  std::vector<size_t> missing_at;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].level >= kMinLevel) {
        const auto it = nodes_.find(Key(ids[i]));
        if (it != nodes_.end()) {
          hashes[i] = it->second;
          continue;
        }
      }
      missing.push_back(ids[i]);
      missing_at.push_back(i);
    }
  }
  if (missing.empty()) return hashes;
  absl::StatusOr<std::vector<Hash>> read = store(missing);
  if (!read.ok()) return read.status();
  if (read->size() != missing.size()) {
    return absl::InternalError("node store returned the wrong number of hashes");
  }
  absl::MutexLock lock(&mu_);
  for (size_t k = 0; k < missing.size(); ++k) {
    hashes[missing_at[k]] = (*read)[k];
    if (missing[k].level >= kMinLevel && nodes_.size() < kMaxNodes) {
      nodes_.emplace(Key(missing[k]), (*read)[k]);
    }
  }
  return hashes;
}

size_t UpperNodeCache::size() const {
  absl::MutexLock lock(&mu_);
  return nodes_.size();
}

}  // namespace memoria
