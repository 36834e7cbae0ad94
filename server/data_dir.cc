#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/high_water_mark.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

// The names in `dir` other than the lock file, at most `limit` of them.
std::vector<std::string> EntriesBesidesLock(const fs::path& dir, size_t limit,
                                            std::error_code& error) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name == kDataDirLockFile) continue;
    names.push_back(name);
    if (names.size() >= limit) break;
  }
  return names;
}

// Opens and flocks <dir>/LOCK.
absl::StatusOr<int> Lock(const fs::path& dir) {
  const std::string lock_path = (dir / kDataDirLockFile).string();
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open the lock file ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the data directory ", dir.string(), " is in use: another memoria-server holds its lock ",
          lock_path, "; stop it, or give this one another --data-dir"));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("cannot lock ", lock_path, ": ", std::strerror(error)));
  }
  return fd;
}

// With --init: nothing but the lock file may be there.
absl::Status CheckEmptyForInit(const fs::path& dir) {
  std::error_code error;
  const std::vector<std::string> names = EntriesBesidesLock(dir, 5, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot list the data directory ", dir.string(), ": ", error.message()));
  }
  if (names.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "--init refused: the data directory ", dir.string(), " is not empty (it holds ",
      absl::StrJoin(names, ", "),
      "); --init creates a new log only in an absent or empty directory. To serve the log "
      "already there, start without --init"));
}

// Without --init: the log store must be there.
absl::Status CheckHoldsLogStore(const fs::path& dir) {
  const fs::path store = dir / "db";
  std::error_code error;
  if (!fs::is_directory(store, error)) {
    return NoLogStoreError(dir.string(), absl::StrCat("its log store ", store.string(), " is missing"));
  }
  if (fs::is_empty(store, error) || error) {
    return NoLogStoreError(
        dir.string(), absl::StrCat("its log store ", store.string(),
                                   error ? absl::StrCat(" cannot be read (", error.message(), ")")
                                         : " is empty"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status NoLogStoreError(const std::string& path, std::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "no log in the data directory ", path, ": ", std::string(what),
      ". To create a new log, start once with --init on an absent or empty data directory; if a "
      "log existed here, restore its data directory from a backup or a mirror instead (a new "
      "log would be a different log under the same key)"));
}

absl::StatusOr<DataDir> DataDir::Open(const std::string& path, bool init) {
  const fs::path dir(path);
  std::error_code error;
  const bool exists = fs::is_directory(dir, error);
  if (!exists && !init) return NoLogStoreError(path, "it does not exist");
  if (!exists) {
    fs::create_directories(dir, error);
    if (error) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create the data directory ", path, ": ", error.message()));
    }
    fs::permissions(dir, fs::perms::owner_all, error);
  }
  absl::StatusOr<int> lock_fd = Lock(dir);
  if (!lock_fd.ok()) return lock_fd.status();
  DataDir data_dir(path, *lock_fd);
  if (init) {
    if (absl::Status empty = CheckEmptyForInit(dir); !empty.ok()) return empty;
  } else {
    if (absl::Status held = CheckHoldsLogStore(dir); !held.ok()) return held;
  }
  return data_dir;
}

DataDir::DataDir(DataDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

DataDir& DataDir::operator=(DataDir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the last descriptor releases the flock
}

std::string DataDir::LogStorePath() const { return (fs::path(path_) / "db").string(); }

std::string DataDir::HighWaterMarkPath() const {
  return (fs::path(path_) / kHighWaterMarkFile).string();
}

std::string DataDir::PersonalStorePath() const {
  return (fs::path(path_) / "personal").string();
}

std::string DataDir::WitnessedCheckpointPath() const {
  return (fs::path(path_) / "witnessed-checkpoint").string();
}

}  // namespace memoria::server
