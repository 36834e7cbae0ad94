// The store checker: what `memoria-audit verify --data` does, as a library.
// A stopped server's RocksDB directory is opened read-only and checked:
//
//   - RocksDB's own checksums of the write-ahead log and the table files as
//     they are read (damage is a kDamaged finding, not an error);
//   - the high-water mark beside the store (ledger/high_water_mark.h): the
//     store must reach its size, with its root there (kRollback, kFork);
//   - every stored checkpoint opens under the log key and signs the size it
//     is stored under, and its root is the one recomputed from the records;
//   - every stored tree hash against the recomputed tree (kTree);
//   - every record, fed in index order to the caller's LogAuditor
//     (ledger/verify/log_auditor.h: chain, trust chain, signatures).
//
//   LogAuditor auditor(log_key);
//   ASSIGN_OR_RETURN(StoreCheck check, CheckStore(data_dir, auditor));
//   AuditReport report = auditor.Finish();
//
// It needs RocksDB, so it lives in memoria_ledger, not in ledger/verify/.
// Thread-safety: one call at a time per auditor; the store must not be open
// by a running server.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/verify/checkpoint_tracker.h"
#include "ledger/verify/log_auditor.h"

namespace memoria {

// Callbacks into a store check, all optional.
struct StoreCheckHooks {
  // After the stored checkpoints are read, before any record: the latest
  // stored checkpoint (valid), with its note.
  std::function<void(LogAuditor&, const TrustedCheckpoint&)> before_records;
  // After each record is fed to the auditor.
  std::function<void(LogAuditor&)> after_record;
  // Now and then: (records read, records the stored checkpoints promise).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct StoreCheck {
  std::string path;  // the RocksDB directory checked
  // The latest stored checkpoint, when it is valid (and the store undamaged).
  std::optional<Checkpoint> checkpoint;
  std::string checkpoint_note;
};

// Checks the store in `data_dir` (the server's data directory or its db/
// directory), feeding its records to `auditor` and reporting every problem
// as a finding of `auditor`. Errors: NOT_FOUND if there is no RocksDB store
// there; the store's I/O errors (a store that does not open, a bad format
// marker); the high-water mark's read errors other than damage.
absl::StatusOr<StoreCheck> CheckStore(const std::string& data_dir, LogAuditor& auditor,
                                      const StoreCheckHooks& hooks = {});

}  // namespace memoria
