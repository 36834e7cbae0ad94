#include "ledger/private_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace memoria {

absl::Status CheckPrivateFileMode(const std::string& path, std::string_view what_view) {
  const std::string what(what_view);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(what, " ", path, " does not exist"));
    return absl::UnavailableError(
        absl::StrCat("cannot examine ", what, " ", path, ": ", std::strerror(errno)));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(what, " ", path, " is accessible by group or others; chmod 600 it"));
  }
  return absl::OkStatus();
}

}  // namespace memoria
