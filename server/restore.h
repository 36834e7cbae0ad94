// Restoring a backup (server/backup.h) as a data directory, with the checks
// that keep a restore from becoming a silent rollback or a fork.
//
//   ASSIGN_OR_RETURN(Restored restored, RestoreBackup({.backup_dir = ..., .data_dir = ...}));
//
// memoria-server --restore-from DIR runs it (the server stopped) and exits. In order:
//   1. The backup is read: its manifest, and the log key it is checked under:
//      the key file at log_key_file if it exists, else the backup's own copy
//      (keys/); the manifest must name that key (another log's backup is
//      refused).
//   2. It is copied to <data_dir>.restoring (the backup itself is only
//      read), its personal-data store opened once (RocksDB's checks), and the
//      copy is verified as `memoria-audit verify --data` would (the store
//      checker, ledger/store_check.h: RocksDB's checksums, every checkpoint's
//      signature, the tree, every record, the trust chain, the high-water
//      mark beside it); its latest checkpoint must be the manifest's.
//   3. Rollback and fork: every signed checkpoint of this log known to exist
//      (the data directory's own high-water mark and witnessed checkpoint when
//      it is replaced, the published tiles' checkpoint, the files given as
//      known checkpoints) must verify under the log key and be no larger than
//      the backup; one of the backup's size must have its root, and a smaller
//      one the root the backup stored for that size. A backup older than what
//      was signed since is a ROLLBACK that clients, witnesses and mirrors
//      detect (their checkpoints are not consistent with what it would sign
//      next): it is refused, naming the checkpoint and where it came from. The
//      log is caught up by restoring a newer backup or a copy of a mirror's
//      data directory instead (server/README.md, "Backup and restore").
//   4. Before any copying: the data directory must be absent or empty; with `overwrite` a
//      non-empty one (its LOCK not held: the server is stopped) is moved
//      aside to <data_dir>.before-restore-<time>, never deleted, and its keys/
//      are carried over when the backup holds none.
//   5. The copy, synced, is renamed into place: a crash leaves the old
//      directory or the restored one (and a stale .restoring, removed by the
//      next restore).
// The data directory is not changed unless every check passed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace memoria::server {

struct RestoreOptions {
  std::string backup_dir;
  std::string data_dir;
  // Move a non-empty data_dir aside instead of refusing.
  bool overwrite = false;
  // The log's private key file (ServerConfig::LogKeyPath()): its public half
  // is the key the backup is verified under, when the file exists.
  std::string log_key_file;
  // The server's --tiles-dir (empty: none): its checkpoint is a known one.
  std::string tiles_dir;
  // Files each holding a signed checkpoint of this log known to exist.
  std::vector<std::string> known_checkpoint_files;
};

struct Restored {
  uint64_t size = 0;             // records restored
  std::string checkpoint;        // the signed checkpoint the restored log holds
  std::string moved_aside;       // where the previous data directory went, if any
  // Known checkpoints checked (their sources), and ones that could not be
  // compared (a smaller size the backup stored no checkpoint of).
  std::vector<std::string> checked;
  std::vector<std::string> unchecked;
};

// Restores as above. Errors (nothing changed unless said):
//   NOT_FOUND            backup_dir holds no complete backup;
//   DATA_LOSS            the backup is damaged or does not verify (the
//                        message has the first findings);
//   FAILED_PRECONDITION  the backup is a rollback or a fork of a known
//                        checkpoint; the data directory is not empty (without
//                        overwrite) or held by a running server; no log key
//                        to verify with; the backup is of another log;
//   INVALID_ARGUMENT     a known checkpoint file does not verify under the
//                        log key;
//   UNAVAILABLE / RESOURCE_EXHAUSTED  copying failed (the staging directory
//                        is removed; the data directory is unchanged, or,
//                        if the final rename failed, moved aside as reported).
absl::StatusOr<Restored> RestoreBackup(const RestoreOptions& options);

}  // namespace memoria::server
