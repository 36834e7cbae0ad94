// Files that hold personal data (disclosed values and salts of citizens'
// commitments): created readable and writable by their owner only (0600),
// whatever the umask, and whatever mode a file of that name had before.
#pragma once

#include <fstream>
#include <string>

#include "absl/status/statusor.h"

namespace memoria::client {

// Creates (or truncates) `path` with mode 0600 and returns a binary stream
// open on it. PERMISSION_DENIED (or the errno's code) naming the path if it
// cannot be created or its mode set.
absl::StatusOr<std::ofstream> CreatePrivateFile(const std::string& path);

}  // namespace memoria::client
