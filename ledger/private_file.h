// Files that hold secrets (private keys, bearer tokens, the TLS private key):
// refused when group or others may access them, each with the same check.
//
//   RETURN_IF_ERROR(CheckPrivateFileMode(path, "TLS key file"));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace memoria {

// OK if only its owner may access the file at `path`. NOT_FOUND if it does
// not exist; PERMISSION_DENIED if group or others may read, write or execute
// it ("<what> <path> is accessible by group or others; chmod 600 it");
// UNAVAILABLE if it cannot be examined.
absl::Status CheckPrivateFileMode(const std::string& path, std::string_view what);

}  // namespace memoria
