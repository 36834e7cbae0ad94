#include "server/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/checkpoint.h"
#include "ledger/durable_file.h"
#include "ledger/encoding.h"
#include "ledger/status.h"
#include "ledger/store.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

// fsyncs a file or directory.
absl::Status SyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open " + path + " to sync it");
  const int result = fsync(fd);
  const int error = errno;
  close(fd);
  if (result != 0) return ErrnoStatus(error, "cannot sync " + path);
  return absl::OkStatus();
}

// fsyncs every file and directory under `dir`, and `dir`.
absl::Status SyncTree(const std::string& dir) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    RETURN_IF_ERROR(SyncPath(it->path().string()));
  }
  if (error) return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", error.message()));
  return SyncPath(dir);
}

// Copies `from` to `to` with mode 0600 (`to` must not exist).
absl::Status CopyPrivateFile(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::copy_file(from, to, fs::copy_options::none, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot copy ", from, " to ", to, ": ", error.message()));
  if (chmod(to.c_str(), 0600) != 0) return ErrnoStatus(errno, "cannot chmod " + to);
  return absl::OkStatus();
}

std::string ManifestText(const BackupManifest& manifest) {
  return absl::StrCat(kBackupFormat, "\n", "origin ", manifest.origin, "\n", "log-vkey ",
                      manifest.log_vkey, "\n", "size ", manifest.size, "\n", "root ",
                      manifest.root_base64, "\n", "created ", manifest.created, "\n", "keys ",
                      manifest.keys_included ? "included" : "excluded", "\n");
}

// The latest checkpoint stored in the store copied to `db_dir`.
absl::StatusOr<std::string> LatestStoredCheckpoint(const std::string& db_dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open({.path = db_dir, .create_if_missing = false, .block_cache_bytes = 8 << 20}));
  ASSIGN_OR_RETURN(auto last, store->Last(Column::kCheckpoints));
  if (!last.has_value()) return absl::DataLossError("the copied store holds no checkpoint");
  return std::move(last->second);
}

absl::StatusOr<Backup> WriteBackupInto(const BackupSources& sources, const BackupOptions& options,
                                       const std::string& partial) {
  if (mkdir(partial.c_str(), 0700) != 0) return ErrnoStatus(errno, "cannot create " + partial);
  // The mark and the witnessed checkpoint first: both are at most what the
  // store holds once it is copied after them.
  RETURN_IF_ERROR(CopyPrivateFile(sources.high_water_mark_path, partial + "/high-water-mark"));
  std::error_code error;
  if (!sources.witnessed_checkpoint_path.empty() && fs::exists(sources.witnessed_checkpoint_path, error)) {
    RETURN_IF_ERROR(CopyPrivateFile(sources.witnessed_checkpoint_path, partial + "/witnessed-checkpoint"));
  }
  RETURN_IF_ERROR(sources.log->CopyStore(partial + "/db"));
  RETURN_IF_ERROR(sources.personal_store->CreateCheckpoint(partial + "/personal"));
  if (options.include_keys) {
    RETURN_IF_ERROR(CreatePrivateDirectory(partial + "/keys"));
    for (const std::string& key_file : sources.key_files) {
      RETURN_IF_ERROR(CopyPrivateFile(key_file, partial + "/keys/" + fs::path(key_file).filename().string()));
    }
  }

  Backup backup;
  ASSIGN_OR_RETURN(backup.checkpoint, LatestStoredCheckpoint(partial + "/db"));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(backup.checkpoint, sources.log->verifier()));
  backup.manifest = {
      .origin = checkpoint.origin,
      .log_vkey = sources.log->verifier().ToString(),
      .size = checkpoint.size,
      .root_base64 = Base64Encode(AsBytes(checkpoint.root)),
      .created = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      .keys_included = options.include_keys,
  };
  RETURN_IF_ERROR(WriteFileDurably(partial + "/" + kBackupCheckpointFile, backup.checkpoint));
  RETURN_IF_ERROR(WriteFileDurably(partial + "/" + kBackupManifestFile, ManifestText(backup.manifest)));
  RETURN_IF_ERROR(SyncTree(partial));
  return backup;
}

}  // namespace

absl::StatusOr<Backup> WriteBackup(const BackupSources& sources, const BackupOptions& options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("no backup directory (--backup-dir)");
  if (sources.log == nullptr || sources.personal_store == nullptr || sources.high_water_mark_path.empty()) {
    return absl::InvalidArgumentError("a backup needs the log, the personal-data store and the mark");
  }
  RETURN_IF_ERROR(CreatePrivateDirectory(options.dir));
  const std::string stamp = absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
  std::string name = absl::StrCat("memoria-backup-", stamp);
  std::error_code error;
  for (int n = 2; fs::exists(options.dir + "/" + name, error) ||
                  fs::exists(options.dir + "/" + name + ".partial", error);
       ++n) {
    name = absl::StrCat("memoria-backup-", stamp, "-", n);
  }
  const std::string partial = options.dir + "/" + name + ".partial";
  absl::StatusOr<Backup> backup = WriteBackupInto(sources, options, partial);
  if (!backup.ok()) {
    fs::remove_all(partial, error);
    return backup.status();
  }
  backup->path = options.dir + "/" + name;
  if (rename(partial.c_str(), backup->path.c_str()) != 0) {
    const absl::Status status = ErrnoStatus(errno, "cannot rename " + partial);
    fs::remove_all(partial, error);
    return status;
  }
  RETURN_IF_ERROR(SyncPath(options.dir));
  return backup;
}

absl::StatusOr<Backup> ReadBackupManifest(const std::string& backup_dir) {
  const std::string path = backup_dir + "/" + kBackupManifestFile;
  ASSIGN_OR_RETURN(std::optional<std::string> text, ReadFileIfExists(path));
  if (!text.has_value()) {
    return absl::NotFoundError(absl::StrCat(backup_dir, " is not a complete memoria backup (no ",
                                            kBackupManifestFile, ")"));
  }
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kBackupFormat) {
    return absl::DataLossError(absl::StrCat(path, " is not a ", kBackupFormat, " manifest"));
  }
  std::map<std::string, std::string> fields;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<std::string, std::string> field = absl::StrSplit(lines[i], absl::MaxSplits(' ', 1));
    fields[field.first] = field.second;
  }
  Backup backup;
  backup.path = backup_dir;
  backup.manifest.origin = fields["origin"];
  backup.manifest.log_vkey = fields["log-vkey"];
  backup.manifest.root_base64 = fields["root"];
  backup.manifest.created = fields["created"];
  backup.manifest.keys_included = fields["keys"] == "included";
  if (!absl::SimpleAtoi(fields["size"], &backup.manifest.size) || backup.manifest.log_vkey.empty() ||
      (fields["keys"] != "included" && fields["keys"] != "excluded")) {
    return absl::DataLossError(absl::StrCat(path, " is garbled (size, log-vkey or keys)"));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> note,
                   ReadFileIfExists(backup_dir + "/" + kBackupCheckpointFile));
  if (!note.has_value()) {
    return absl::DataLossError(absl::StrCat(backup_dir, " has no ", kBackupCheckpointFile, " file"));
  }
  backup.checkpoint = *std::move(note);
  return backup;
}

}  // namespace memoria::server
