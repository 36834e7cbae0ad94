// The witness's durable state in its data directory:
//
//   <dir>/logs/<hex SHA-256 of the origin>.checkpoint   the latest cosigned checkpoint
//   <dir>/evidence/<micros, 20 digits>-<hex8 of the origin hash>-<n>.txt   evidence
//
// Each write is durable when it returns: a temporary file written and
// fsync'ed, renamed over the old one, and the directory fsync'ed, so a crash
// leaves either the old file or the new one, never a mix.
//
// Thread-safety: the methods may be called from any thread; writes of one
// origin's checkpoint must be serialized by the caller (the Witness holds the
// log's mutex across check and write).
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace memoria::witness {

// The lowercase hex SHA-256 of an origin (tlog-witness's "origin hash").
std::string OriginHash(std::string_view origin);

class WitnessStore {
 public:
  // Creates the directories if needed. UNAVAILABLE if it cannot.
  static absl::StatusOr<WitnessStore> Open(std::string dir);

  // The stored note of `origin`, or nullopt if it never cosigned one.
  // UNAVAILABLE on a read error.
  absl::StatusOr<std::optional<std::string>> LoadCheckpoint(std::string_view origin) const;
  // Replaces the stored note of `origin`, synced. UNAVAILABLE on error.
  absl::Status SaveCheckpoint(std::string_view origin, std::string_view note) const;

  // Keeps one piece of evidence (synced); returns its name.
  absl::StatusOr<std::string> SaveEvidence(std::string_view origin, std::string_view text,
                                           int64_t now_micros);
  // The names of the evidence kept, oldest first.
  absl::StatusOr<std::vector<std::string>> ListEvidence() const;
  // One piece by name; NOT_FOUND if there is none (or the name is not one).
  absl::StatusOr<std::string> ReadEvidence(std::string_view name) const;

  WitnessStore(WitnessStore&& other) noexcept
      : dir_(std::move(other.dir_)), evidence_counter_(other.evidence_counter_.load()) {}

 private:
  explicit WitnessStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  std::atomic<uint64_t> evidence_counter_{0};
};

}  // namespace memoria::witness
