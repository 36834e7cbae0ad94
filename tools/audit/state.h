// The auditor's trusted state: the last checkpoint it verified, kept in a file
// between runs so that the next run can demand consistency with it (rollback,
// truncation and forks show up as inconsistency).
//
// File format (JSON, one object):
//   {"origin":"<origin>","tree_size":N,"root":"<base64>","checkpoint":"<signed note>"}
// Only the signed note counts: Load re-opens it under the pinned log key and
// checks that the other fields agree with it.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"

namespace memoria::audit {

struct TrustedCheckpoint {
  Checkpoint checkpoint;
  std::string note;
};

// nullopt if `path` does not exist (a first run). INVALID_ARGUMENT if the file
// is malformed, PERMISSION_DENIED / INVALID_ARGUMENT if its note does not open
// under `log_key`, the I/O error otherwise.
absl::StatusOr<std::optional<TrustedCheckpoint>> LoadTrustedState(const std::string& path,
                                                                  const Verifier& log_key);

// Replaces the file atomically: writes a temporary file beside it, fsyncs it,
// renames it over `path`, and fsyncs the directory.
absl::Status SaveTrustedState(const std::string& path, const TrustedCheckpoint& trusted);

}  // namespace memoria::audit
