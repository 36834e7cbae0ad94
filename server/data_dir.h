// DataDir: memoria-server's exclusive hold on its data directory, and the
// rule that a log is created only on purpose.
//
//   ASSIGN_OR_RETURN(DataDir data_dir, DataDir::Open(config.data_dir, config.init));
//   ... Log::Open({.path = data_dir.LogStorePath()}, ...) ...
//
// Open first locks <data_dir>/LOCK (flock, exclusive, never waiting; the file
// is created if missing and never deleted) and holds the lock while the
// DataDir lives: two servers, in two processes or in one, never open the same
// data directory. Then it checks what the directory holds:
//   - init (memoria-server --init): the directory must be absent or empty (a
//     LOCK file aside); it is created (mode 0700) and the caller creates a
//     new log in it.
//   - otherwise: it must hold a log store (db/, not empty). A log key with no
//     store is what a deleted db/ or an unmounted data volume looks like, and
//     a new genesis there would be a second log under the same key.
//
// Not thread-safe (movable; one owner).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace memoria::server {

// The lock file's name inside the data directory.
inline constexpr char kDataDirLockFile[] = "LOCK";

class DataDir {
 public:
  // Locks and checks `path` as above. Errors, each naming the directory:
  //   FAILED_PRECONDITION  another memoria-server holds the lock; with `init`,
  //                        the directory is not empty; without it, the
  //                        directory or its log store (db/) is missing or
  //                        empty (the message says that --init creates a new
  //                        log, and that a lost log is restored from a backup
  //                        or a mirror, not re-created);
  //   PERMISSION_DENIED    the directory or its LOCK file cannot be created or
  //                        opened.
  static absl::StatusOr<DataDir> Open(const std::string& path, bool init);

  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&& other) noexcept;
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  // Releases the lock.
  ~DataDir();

  const std::string& path() const { return path_; }
  // <path>/db: the RocksDB log.
  std::string LogStorePath() const;
  // <path>/high-water-mark: the latest acknowledged checkpoint
  // (ledger/high_water_mark.h).
  std::string HighWaterMarkPath() const;
  // <path>/personal: the erasable personal-data store.
  std::string PersonalStorePath() const;
  // <path>/witnessed-checkpoint: the latest checkpoint cosigned by the
  // witnesses' quorum (server/witnessing.h).
  std::string WitnessedCheckpointPath() const;

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}

  std::string path_;
  int lock_fd_ = -1;  // holds the flock; -1 once moved from
};

// FAILED_PRECONDITION: the data directory `path` holds no log (`what` says
// how), with what to do: --init creates a new log on an absent or empty
// directory; a lost log is restored from a backup or a mirror, not re-created.
absl::Status NoLogStoreError(const std::string& path, std::string_view what);

}  // namespace memoria::server
