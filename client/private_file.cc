#include "client/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace memoria::client {

absl::StatusOr<std::ofstream> CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  // The umask may have removed bits of 0600; an existing file kept its mode.
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  const int error = errno;
  ::close(fd);
  if (!private_mode) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot make ", path, " private (mode 0600): ", std::strerror(error)));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot open ", path));
  return out;
}

}  // namespace memoria::client
