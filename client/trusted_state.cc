#include "client/trusted_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

absl::Status ErrnoError(int error, std::string_view what) {
  std::string message = absl::StrCat(std::string(what), ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// Writes all of `data` to `fd`.
absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, absl::StrCat("cannot write ", path));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError(errno, absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", path));
  return text.str();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode) {
  const std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string pattern = (dir / (target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return ErrnoError(errno, absl::StrCat("cannot create a temporary file beside ", path));
  const std::string temp(name.data());
  absl::Status status = WriteAll(fd, contents, temp);
  if (status.ok() && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    status = ErrnoError(errno, absl::StrCat("cannot chmod ", temp));
  }
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError(errno, absl::StrCat("cannot fsync ", temp));
  if (::close(fd) != 0 && status.ok()) status = ErrnoError(errno, absl::StrCat("cannot close ", temp));
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoError(errno, absl::StrCat("cannot rename ", temp, " to ", path));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd < 0) return ErrnoError(errno, absl::StrCat("cannot open directory ", dir.string()));
  const int synced = ::fsync(dir_fd);
  const int error = errno;
  ::close(dir_fd);
  if (synced != 0) return ErrnoError(error, absl::StrCat("cannot fsync directory ", dir.string()));
  return absl::OkStatus();
}

absl::StatusOr<TrustedState> TrustedState::Load(std::string path, const Verifier& log_key) {
  TrustedState state;
  state.path_ = std::move(path);
  if (state.path_.empty()) return state;
  absl::StatusOr<std::string> note = ReadFile(state.path_);
  if (absl::IsNotFound(note.status())) return state;
  RETURN_IF_ERROR(note.status());
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_key);
  if (!checkpoint.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state file ", state.path_, " does not hold a checkpoint signed by ",
                     log_key.ToString(), ": ", checkpoint.status().message()));
  }
  state.current_ = TrustedCheckpoint{*std::move(checkpoint), *std::move(note)};
  return state;
}

absl::Status TrustedState::Advance(TrustedCheckpoint next) {
  if (!path_.empty()) RETURN_IF_ERROR(WriteFileAtomically(path_, next.note));
  current_ = std::move(next);
  return absl::OkStatus();
}

}  // namespace memoria::client
