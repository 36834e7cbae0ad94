// The batches that crash_test's child appends, shared with the test.
#pragma once

#include <string>
#include <vector>

#include "ledger/keys.h"
#include "ledger/log.h"

namespace memoria::testing {

inline constexpr uint64_t kCrashBatchSize = 50;

inline Signer CrashLogKey() {
  return *Signer::Parse(
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
}

// Records [first, first + kCrashBatchSize), each with dedup key "w\n<index>".
inline std::vector<PendingEntry> CrashBatch(uint64_t first) {
  std::vector<PendingEntry> batch;
  for (uint64_t i = first; i < first + kCrashBatchSize; ++i) {
    PendingEntry e;
    e.writer_key_id = 7;
    e.entry = "entry " + std::to_string(i) + std::string(200, 'p');
    e.writer_signature = std::string(64, 's');
    e.dedup_key = "w\n" + std::to_string(i);
    batch.push_back(std::move(e));
  }
  return batch;
}

}  // namespace memoria::testing
