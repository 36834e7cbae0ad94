// Online backups of a serving log: a consistent copy of the data directory,
// taken while appends go on, that names the signed checkpoint it holds.
//
//   ASSIGN_OR_RETURN(Backup backup, WriteBackup(sources, {.dir = "/var/lib/memoria/backups"}));
//   // backup.path: /var/lib/memoria/backups/memoria-backup-20261203T193300Z-000000001234
//
// memoria-server takes one on SIGUSR1 (`systemctl kill -s USR1 memoria-server`)
// into --backup-dir; server/restore.h puts one back. Why in the server and
// not a command on the data directory: RocksDB lets one process open a store,
// and only the process holding it can stop it from deleting table files while
// they are copied (RocksDB's Checkpoint); the copy costs a memtable flush and
// a hard link per table file when the backup directory is on the store's file
// system (then copy it elsewhere: a disk lost takes both).
//
// A backup directory holds (written under <name>.partial, synced, then renamed
// to <name>: a backup directory without the suffix is complete):
//   BACKUP                 the manifest, text: "memoria-backup-v1", then
//                          "origin", "log-vkey", "size", "root" (base64),
//                          "created" (RFC 3339), "keys" (included|excluded)
//                          lines, each "<name> <value>"
//   checkpoint             the signed checkpoint the store holds (its latest):
//                          the backup is consistent with it, record for record
//   db/                    the log's RocksDB store (Log::CopyStore)
//   high-water-mark        the mark, copied before the store, so never larger
//   witnessed-checkpoint   if the server has one, copied before the store
//   personal/              the personal-data store, copied after the log's
//                          store, so that every record's openings are in it
//                          (they are written before their record)
//   keys/                  only with include_keys: the log and administrator
//                          key files the server read (mode 0600)
//
// Thread-safety: WriteBackup may run while the log appends; two backups at
// once into one directory get different names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/log.h"
#include "ledger/personal_store.h"

namespace memoria::server {

inline constexpr char kBackupManifestFile[] = "BACKUP";
inline constexpr char kBackupCheckpointFile[] = "checkpoint";
inline constexpr char kBackupFormat[] = "memoria-backup-v1";

// What a backup copies from.
struct BackupSources {
  const Log* log = nullptr;
  const PersonalStore* personal_store = nullptr;
  std::string high_water_mark_path;
  std::string witnessed_checkpoint_path;  // copied if the file exists
  // The private key files the server read (log key; administrator key when it
  // is a file): copied only with BackupOptions::include_keys.
  std::vector<std::string> key_files;
};

struct BackupOptions {
  // Where the backup directory is made (created mode 0700 if missing).
  std::string dir;
  // Copy the private keys into the backup. Off by default: a backup without
  // them is only the log, which is public anyway but for the personal data;
  // the keys must then be kept safe apart (losing the log key ends the log:
  // a new key is a new log).
  bool include_keys = false;
};

// A backup's manifest.
struct BackupManifest {
  std::string origin;
  std::string log_vkey;
  uint64_t size = 0;         // records; the checkpoint's size
  std::string root_base64;   // the checkpoint's root
  std::string created;       // RFC 3339, UTC
  bool keys_included = false;
};

struct Backup {
  std::string path;           // the complete backup directory
  BackupManifest manifest;
  std::string checkpoint;     // the signed note it is consistent with
};

// Takes a backup (see above). Errors: INVALID_ARGUMENT for an empty
// options.dir or missing sources; the copies' errors (UNAVAILABLE,
// RESOURCE_EXHAUSTED for a full disk), after which the partial directory is
// removed.
absl::StatusOr<Backup> WriteBackup(const BackupSources& sources, const BackupOptions& options);

// Reads and parses `<backup>/BACKUP` and `<backup>/checkpoint`.
// NOT_FOUND if `backup` holds no manifest (not a backup, or an incomplete
// one); DATA_LOSS if the manifest is garbled or names another format.
absl::StatusOr<Backup> ReadBackupManifest(const std::string& backup);

}  // namespace memoria::server
