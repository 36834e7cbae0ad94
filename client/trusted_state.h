// The last checkpoint a client trusted, kept in a state file so that the next
// run demands consistency with it (rollbacks, truncations and forks show up as
// a failed check, never as a silent pass). Whether a checkpoint may replace it
// is decided by the CheckpointTracker (ledger/verify/checkpoint_tracker.h);
// this is its persistence.
//
// The file holds exactly the signed note text of the trusted checkpoint. It is
// replaced atomically: written to a temporary file in the same directory,
// fsync'ed, renamed over the old one, and the directory fsync'ed; a crash
// leaves either the old or the new note, never a torn one.
//
//   ASSIGN_OR_RETURN(TrustedState state, TrustedState::Load("memoria.state", log_key));
//   ... verify `next` against state.current() ...
//   RETURN_IF_ERROR(state.Advance(next));
//
// Not thread-safe: LedgerClient serializes its use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "ledger/verify/checkpoint_tracker.h"

namespace memoria::client {

// A checkpoint whose signature was verified, with its signed note (what
// ledger/verify/checkpoint_tracker.h keeps and judges; this file persists it).
using TrustedCheckpoint = memoria::TrustedCheckpoint;

class TrustedState {
 public:
  // Reads the state file at `path` (empty: memory only, nothing trusted).
  // A missing file means nothing is trusted yet. The note must open under
  // `log_key`: a state file signed by another key or garbled is an error
  // (FAILED_PRECONDITION naming the file), not a fresh start.
  static absl::StatusOr<TrustedState> Load(std::string path, const Verifier& log_key);
  // Nothing trusted, nothing persisted.
  TrustedState() = default;

  const std::string& path() const { return path_; }
  const std::optional<TrustedCheckpoint>& current() const { return current_; }
  // 0 when nothing is trusted.
  uint64_t size() const { return current_ ? current_->checkpoint.size : 0; }

  // Persists `next.note` (if backed by a file) and then makes it current. The
  // caller has checked its signature and consistency. On error nothing
  // changes (INTERNAL / PERMISSION_DENIED naming the file and the reason).
  absl::Status Advance(TrustedCheckpoint next);

 private:
  std::string path_;
  std::optional<TrustedCheckpoint> current_;
};

// Replaces `path` with `contents` atomically and durably (temp, fsync,
// rename, fsync of the directory). The new file has mode `mode`.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                 int mode = 0644);

// The whole file; NOT_FOUND if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace memoria::client
