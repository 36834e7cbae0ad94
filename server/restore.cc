#include "server/restore.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/checkpoint.h"
#include "ledger/durable_file.h"
#include "ledger/encoding.h"
#include "ledger/high_water_mark.h"
#include "ledger/keys.h"
#include "ledger/personal_store.h"
#include "ledger/status.h"
#include "ledger/store.h"
#include "ledger/store_check.h"
#include "ledger/verify/log_auditor.h"
#include "server/backup.h"
#include "server/data_dir.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

// A signed checkpoint of the log known to exist, and where it came from.
struct Known {
  std::string source;
  Checkpoint checkpoint;
};

// The key the backup is verified under: the configured key file, else the
// backup's copy of it.
absl::StatusOr<Verifier> TrustedLogKey(const RestoreOptions& options, const Backup& backup) {
  std::error_code error;
  std::string path = options.log_key_file;
  if (path.empty() || !fs::exists(path, error)) {
    const std::string copy =
        backup.path + "/keys/" + fs::path(path.empty() ? "log.key" : path).filename().string();
    if (!fs::exists(copy, error)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no log key to verify the backup with: neither ", options.log_key_file,
          " (--log-key-file) nor the backup's keys/ holds it (the backup was taken without "
          "--backup-keys): put the log's key file in place first"));
    }
    path = copy;
  }
  ASSIGN_OR_RETURN(Signer key, ReadSignerKeyFile(path));
  if (key.verifier().ToString() != backup.manifest.log_vkey) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup is of the log ", backup.manifest.log_vkey, ", not of this log's key ",
        key.verifier().ToString(), " (", path, ")"));
  }
  return key.verifier();
}

// Verifies the backup's store as memoria-audit verify --data does.
// `copy` is the staged copy of the backup (RocksDB writes its bookkeeping
// files into a store it opens: the backup itself is never opened).
absl::Status VerifyBackupStore(const Backup& backup, const std::string& copy, const Verifier& log_key,
                               Checkpoint& latest) {
  LogAuditor auditor(log_key);
  absl::StatusOr<StoreCheck> check = CheckStore(copy, auditor);
  AuditReport report = auditor.Finish();
  if (!check.ok()) {
    return absl::DataLossError(absl::StrCat("the backup ", backup.path, " does not open as a store: ",
                                            check.status().ToString()));
  }
  if (!report.ok()) {
    std::string first;
    for (size_t i = 0; i < report.findings.size() && i < 5; ++i) {
      absl::StrAppend(&first, "\n  ", FindingText(report.findings[i]));
    }
    return absl::DataLossError(absl::StrCat(
        "the backup ", backup.path, " does not verify (", report.findings.size() + report.findings_omitted,
        " problems; memoria-audit verify --data says the same):", first));
  }
  if (!check->checkpoint.has_value()) {
    return absl::DataLossError(absl::StrCat("the backup ", backup.path, " holds no valid checkpoint"));
  }
  ASSIGN_OR_RETURN(Checkpoint manifest_checkpoint, OpenCheckpoint(backup.checkpoint, log_key));
  if (check->checkpoint->size != backup.manifest.size || manifest_checkpoint.size != backup.manifest.size ||
      check->checkpoint->root != manifest_checkpoint.root || report.records != backup.manifest.size) {
    return absl::DataLossError(absl::StrCat(
        "the backup ", backup.path, " holds ", report.records, " records and a checkpoint of size ",
        check->checkpoint->size, ", but its manifest says ", backup.manifest.size));
  }
  latest = *check->checkpoint;
  return absl::OkStatus();
}

// Reads a known checkpoint from a file: nullopt if the file does not exist.
absl::StatusOr<std::optional<Known>> ReadKnownFile(const std::string& path, const std::string& source,
                                                   const Verifier& log_key) {
  ASSIGN_OR_RETURN(std::optional<std::string> note, ReadFileIfExists(path));
  if (!note.has_value()) return std::nullopt;
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_key);
  if (!checkpoint.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, " (", path, ") is not a checkpoint of this log: ",
                                                   checkpoint.status().message()));
  }
  return Known{source, *std::move(checkpoint)};
}

// Every checkpoint of the log known to exist, from the places a restore can see.
absl::StatusOr<std::vector<Known>> KnownCheckpoints(const RestoreOptions& options, const Verifier& log_key) {
  std::vector<Known> known;
  ASSIGN_OR_RETURN(std::optional<MarkedCheckpoint> mark,
                   ReadHighWaterMark(options.data_dir + "/" + std::string(kHighWaterMarkFile), log_key));
  if (mark.has_value()) {
    known.push_back({"the high-water mark of the data directory being replaced", mark->checkpoint});
  }
  ASSIGN_OR_RETURN(std::optional<Known> witnessed,
                   ReadKnownFile(options.data_dir + "/witnessed-checkpoint",
                                 "the witnessed checkpoint of the data directory being replaced", log_key));
  if (witnessed.has_value()) known.push_back(*std::move(witnessed));
  if (!options.tiles_dir.empty()) {
    ASSIGN_OR_RETURN(std::optional<Known> tiles,
                     ReadKnownFile(options.tiles_dir + "/checkpoint", "the published tiles' checkpoint", log_key));
    if (tiles.has_value()) known.push_back(*std::move(tiles));
  }
  for (const std::string& file : options.known_checkpoint_files) {
    ASSIGN_OR_RETURN(std::optional<Known> given, ReadKnownFile(file, "--restore-known-checkpoint", log_key));
    if (!given.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("--restore-known-checkpoint ", file, " does not exist"));
    }
    known.push_back(*std::move(given));
  }
  return known;
}

// Rollback and fork against the known checkpoints; the backup's stored
// checkpoints (its store at `db_dir`) answer for smaller sizes.
absl::Status CheckAgainstKnown(const std::vector<Known>& known, const Checkpoint& latest,
                               const std::string& db_dir, const Verifier& log_key, Restored& restored) {
  for (const Known& k : known) {
    if (k.checkpoint.size > latest.size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "ROLLBACK: the backup holds ", latest.size, " records, but ", k.source,
          " is a signed checkpoint of ", k.checkpoint.size,
          ": serving this backup would show clients, witnesses and mirrors a log that lost ",
          k.checkpoint.size - latest.size,
          " signed records (and new appends would fork it). Restore a newer backup or a copy of "
          "a mirror's data directory that reaches size ",
          k.checkpoint.size, " (server/README.md, Backup and restore)"));
    }
    if (k.checkpoint.size == latest.size) {
      if (k.checkpoint.root != latest.root) {
        return absl::FailedPreconditionError(absl::StrCat(
            "FORK: ", k.source, " signs size ", k.checkpoint.size, " with root ",
            Base64Encode(AsBytes(k.checkpoint.root)), ", the backup with root ",
            Base64Encode(AsBytes(latest.root))));
      }
      restored.checked.push_back(k.source);
    }
  }
  std::vector<const Known*> smaller;
  for (const Known& k : known) {
    if (k.checkpoint.size < latest.size) smaller.push_back(&k);
  }
  if (smaller.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open({.path = db_dir, .create_if_missing = false, .block_cache_bytes = 8 << 20}));
  for (const Known* k : smaller) {
    absl::StatusOr<std::string> note = store->Get(Column::kCheckpoints, CheckpointKey(k->checkpoint.size));
    if (absl::IsNotFound(note.status())) {
      restored.unchecked.push_back(absl::StrCat(k->source, " (size ", k->checkpoint.size,
                                                ": the backup stored no checkpoint of that size)"));
      continue;
    }
    RETURN_IF_ERROR(note.status());
    ASSIGN_OR_RETURN(Checkpoint stored, OpenCheckpoint(*note, log_key));
    if (stored.root != k->checkpoint.root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "FORK: ", k->source, " signs size ", k->checkpoint.size,
          " with another root than the backup's history at that size"));
    }
    restored.checked.push_back(k->source);
  }
  return absl::OkStatus();
}

bool EmptyOrAbsent(const std::string& dir) {
  std::error_code error;
  if (!fs::exists(dir, error)) return true;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().filename() != kDataDirLockFile) return false;
  }
  return !error;
}

absl::Status CopyTree(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::copy(from, to, fs::copy_options::recursive, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot copy ", from, " to ", to, ": ", error.message()));
  return absl::OkStatus();
}

absl::Status SyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open " + path + " to sync it");
  const int result = fsync(fd);
  const int error = errno;
  close(fd);
  return result == 0 ? absl::OkStatus() : ErrnoStatus(error, "cannot sync " + path);
}

absl::Status SyncTree(const std::string& dir) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    RETURN_IF_ERROR(SyncPath(it->path().string()));
  }
  if (error) return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", error.message()));
  return SyncPath(dir);
}

// Builds the restored directory at `staging` from the backup (and the
// replaced directory's keys when the backup has none).
absl::Status Stage(const Backup& backup, const RestoreOptions& options, const std::string& staging) {
  RETURN_IF_ERROR(CreatePrivateDirectory(staging));
  for (const char* name : {"db", "personal", "keys"}) {
    std::error_code error;
    if (fs::exists(backup.path + "/" + name, error)) {
      RETURN_IF_ERROR(CopyTree(backup.path + "/" + name, staging + "/" + name));
    }
  }
  std::error_code error;
  if (!fs::exists(staging + "/keys", error) && fs::exists(options.data_dir + "/keys", error)) {
    RETURN_IF_ERROR(CopyTree(options.data_dir + "/keys", staging + "/keys"));
  }
  for (const char* name : {kHighWaterMarkFile.data(), "witnessed-checkpoint"}) {
    if (fs::exists(backup.path + "/" + name, error)) {
      fs::copy_file(backup.path + "/" + name, staging + "/" + name, error);
      if (error) return absl::UnavailableError(absl::StrCat("cannot copy ", name, ": ", error.message()));
    }
  }
  // RocksDB's own checks of the personal-data store's files.
  if (fs::exists(staging + "/personal", error)) {
    absl::StatusOr<std::unique_ptr<PersonalStore>> personal = PersonalStore::Open(staging + "/personal");
    if (!personal.ok()) {
      return absl::DataLossError(absl::StrCat("the backup's personal-data store does not open: ",
                                              personal.status().ToString()));
    }
  }
  return SyncTree(staging);
}

}  // namespace

absl::StatusOr<Restored> RestoreBackup(const RestoreOptions& options) {
  if (options.backup_dir.empty() || options.data_dir.empty()) {
    return absl::InvalidArgumentError("a restore needs a backup and a data directory");
  }
  ASSIGN_OR_RETURN(Backup backup, ReadBackupManifest(options.backup_dir));
  ASSIGN_OR_RETURN(Verifier log_key, TrustedLogKey(options, backup));

  // The data directory: empty, or replaced on request while no server holds it.
  const bool replacing = !EmptyOrAbsent(options.data_dir);
  if (replacing && !options.overwrite) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data directory ", options.data_dir,
        " is not empty: restore into an absent or empty one, or pass --restore-overwrite to move it "
        "aside (to ", options.data_dir, ".before-restore-<time>)"));
  }
  int lock_fd = -1;
  std::error_code error;
  if (fs::exists(options.data_dir + "/" + kDataDirLockFile, error)) {
    lock_fd = open((options.data_dir + "/" + kDataDirLockFile).c_str(), O_RDWR | O_CLOEXEC);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (lock_fd >= 0) close(lock_fd);
      return absl::FailedPreconditionError(absl::StrCat(
          "the data directory ", options.data_dir, " is in use by a running memoria-server: stop it first"));
    }
  }
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) close(fd);
    }
  } unlock{lock_fd};

  ASSIGN_OR_RETURN(std::vector<Known> known, KnownCheckpoints(options, log_key));

  // Everything is checked on a copy, beside the data directory, that
  // becomes it only once it passed.
  std::string data_dir = options.data_dir;
  while (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();
  const std::string staging = data_dir + ".restoring";
  fs::remove_all(staging, error);  // a restore interrupted before
  Restored restored;
  Checkpoint latest;
  absl::Status checked = Stage(backup, options, staging);
  if (checked.ok()) checked = VerifyBackupStore(backup, staging, log_key, latest);
  if (checked.ok()) checked = CheckAgainstKnown(known, latest, staging + "/db", log_key, restored);
  if (!checked.ok()) {
    fs::remove_all(staging, error);
    return checked;
  }
  restored.size = latest.size;
  restored.checkpoint = backup.checkpoint;
  if (fs::exists(data_dir, error)) {
    const std::string aside = absl::StrCat(
        data_dir, ".before-restore-", absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()));
    if (rename(data_dir.c_str(), aside.c_str()) != 0) {
      const absl::Status status = ErrnoStatus(errno, "cannot move " + data_dir + " aside");
      fs::remove_all(staging, error);
      return status;
    }
    if (replacing) {
      restored.moved_aside = aside;
    } else {
      fs::remove_all(aside, error);  // it held nothing but a LOCK file
    }
  }
  if (rename(staging.c_str(), data_dir.c_str()) != 0) {
    return ErrnoStatus(errno, "cannot rename " + staging + " to " + data_dir +
                                  (restored.moved_aside.empty() ? "" : " (the old one is " + restored.moved_aside + ")"));
  }
  RETURN_IF_ERROR(SyncDirectoryOf(data_dir));
  return restored;
}

}  // namespace memoria::server
