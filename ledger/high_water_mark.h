// HighWaterMark: the latest signed checkpoint a log acknowledged, kept in a
// small file apart from its RocksDB store, so that a store that comes back
// shorter than what was acknowledged (a damaged or lost write-ahead log, an
// older copy of the store put back) is detected when the log is opened.
//
//   ASSIGN_OR_RETURN(std::optional<MarkedCheckpoint> mark, ReadHighWaterMark(path, log_vkey));
//   ASSIGN_OR_RETURN(auto mark, HighWaterMark::Create(path, note));  // a new mark
//   RETURN_IF_ERROR(mark->Write(next_note));  // durable when it returns
//
// File format (`memoria-mark-v1`): two slots of kSlotBytes, each
//   magic "memoria-mark-v1\n" (16) || note length (4, big-endian) || note ||
//   SHA-256 of the preceding bytes (32) || zero padding,
// overwritten alternately in place with fdatasync: a write torn by a crash
// damages only the slot being written, and the other still holds the mark
// before it. The file never changes size after it is created, so writing the
// mark needs no free space (it keeps working on a full disk). The mark is the
// valid slot whose checkpoint is larger. One fdatasync of a 4 KiB block costs
// less than a new file renamed into place (measured here: 2.7-3.5 ms against
// 7.1-12.6 ms per write, which also fsyncs the directory).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"

namespace memoria {

// The mark's file name in memoria-server's data directory, beside the store
// (db/); memoria-audit verify --data looks for it there.
inline constexpr std::string_view kHighWaterMarkFile = "high-water-mark";

// A checkpoint read from the mark, with its signed note and the slot (0 or
// 1) that holds it.
struct MarkedCheckpoint {
  Checkpoint checkpoint;
  std::string note;
  int slot = 0;
};

// Reads the mark at `path`: nullopt if there is no file. DATA_LOSS if the
// file is not a mark, if no slot holds an intact note, or if an intact note
// does not verify under `log_key` (the message says which); UNAVAILABLE if
// the file cannot be read.
absl::StatusOr<std::optional<MarkedCheckpoint>> ReadHighWaterMark(const std::string& path,
                                                                  const Verifier& log_key);

class HighWaterMark {
 public:
  static constexpr size_t kSlotBytes = 4096;

  // Creates the mark at `path` holding `note` (a temporary file, synced, then
  // renamed into place and the directory synced), replacing any file there.
  // INVALID_ARGUMENT if the note does not fit in a slot; UNAVAILABLE, or
  // RESOURCE_EXHAUSTED when the disk is full, if it cannot be written.
  static absl::StatusOr<std::unique_ptr<HighWaterMark>> Create(const std::string& path,
                                                               std::string_view note);
  // Opens the existing mark at `path` for writing; `latest_slot` is the slot
  // that holds the mark now (MarkedCheckpoint::slot), so that the next write
  // overwrites the other one. UNAVAILABLE if it cannot be opened.
  static absl::StatusOr<std::unique_ptr<HighWaterMark>> OpenForWriting(const std::string& path,
                                                                       int latest_slot);
  ~HighWaterMark();
  HighWaterMark(const HighWaterMark&) = delete;
  HighWaterMark& operator=(const HighWaterMark&) = delete;

  // Writes `note` into the slot not holding the current mark and syncs it:
  // when this returns OK, `note` is the mark. INVALID_ARGUMENT if it does not
  // fit in a slot; UNAVAILABLE (RESOURCE_EXHAUSTED for ENOSPC) if the write
  // or the sync fails, after which the mark is the previous note. Not
  // thread-safe.
  absl::Status Write(std::string_view note);

  const std::string& path() const { return path_; }

 private:
  HighWaterMark(std::string path, int fd, int next_slot)
      : path_(std::move(path)), fd_(fd), next_slot_(next_slot) {}

  const std::string path_;
  const int fd_;
  int next_slot_;
};

}  // namespace memoria
