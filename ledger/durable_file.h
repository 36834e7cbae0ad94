// Files written so that a crash leaves either the old content or the new one:
// a temporary file beside the target, written and fsync'ed, renamed over the
// target, then the directory fsync'ed. Used for the state that lives beside a
// store (the high-water mark's creation, the witnessed checkpoint, a
// witness's state).
//
//   RETURN_IF_ERROR(WriteFileDurably(path, note));
//
// Errors name the path and the system's reason: RESOURCE_EXHAUSTED when the
// disk is full (ENOSPC, EDQUOT), UNAVAILABLE otherwise. Safe from any thread;
// concurrent writes of one path must be serialized by the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memoria {

// The status for a failed system call: `what` and strerror(error); ENOSPC and
// EDQUOT are RESOURCE_EXHAUSTED (saying the disk is full), the rest UNAVAILABLE.
absl::Status ErrnoStatus(int error, const std::string& what);

// Writes `content` to `path` durably (the temporary file is `path` + ".tmp",
// mode 0600, removed on failure).
absl::Status WriteFileDurably(const std::string& path, std::string_view content);

// fsyncs the directory that holds `path` (after a rename or a create there).
absl::Status SyncDirectoryOf(const std::string& path);

// The whole content of `path`, or nullopt if it does not exist; UNAVAILABLE if
// it cannot be read.
absl::StatusOr<std::optional<std::string>> ReadFileIfExists(const std::string& path);

}  // namespace memoria
