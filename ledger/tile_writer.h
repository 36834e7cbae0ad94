// TileWriter: publishes the Log as C2SP tlog-tiles (ledger/tile_path.h) in a
// directory that any static web server, object store or CDN can serve.
//
//   ASSIGN_OR_RETURN(auto tiles, TileWriter::Open(log, "data/tiles"));
//   RETURN_IF_ERROR(tiles->Publish(log.Head().note));   // or a cosigned note
//
// Publish(note) writes every resource the checkpoint `note` needs that the
// previously published checkpoint did not: the full hash tiles and entry
// bundles completed since, the partial ones of the new size, and then, last,
// `note` itself as `checkpoint`. Hashes are the Log's own (Log::NodeHashes:
// node memory, else one MultiGet), never recomputed from the leaves; entry
// bundles hold the records' bytes exactly as stored (each leaf is checked
// against its level-0 hash). The writer keeps the hashes of the partial tiles
// and the records of the partial bundle of the size it last published, so the
// work of a Publish is proportional to the entries added since (plus the
// partial files it rewrites, at most 255 hashes per level and 255 records).
//
// Durability: each file is written to a temporary file beside it, fsync'ed
// and renamed into place (mode 0644), so no reader and no crash ever sees a
// torn tile; the directories renamed into are fsync'ed before the checkpoint
// is written the same way. Full tiles and bundles are never changed once
// written (a publish interrupted by a crash may write them again, with the
// same bytes). A partial tile of each width stays until its full tile is
// written (a client of an older checkpoint may ask for it); then the partial
// ones are deleted, after the checkpoint.
//
// Open resumes from the checkpoint the directory holds: the log's own (its
// signature verifies under the log key), of a size the log has, with the same
// root; a directory without one is published from the start.
//
// Not thread-safe (one publishing thread); published_size() may be read from
// any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "ledger/log.h"
#include "ledger/tile_path.h"

namespace memoria {

class TileWriter {
 public:
  // Creates `directory` if missing. FAILED_PRECONDITION if its checkpoint is
  // not this log's (another origin or key, or garbled); DATA_LOSS if it is a
  // checkpoint of this log larger than the log or with another root at its
  // size (the log lost published records or forked: publishing would
  // overwrite tiles the world may hold); Log errors.
  static absl::StatusOr<std::unique_ptr<TileWriter>> Open(const Log& log, std::string directory);

  // Publishes the checkpoint `note` (the log's signed note, optionally with
  // cosignatures) and everything it needs. INVALID_ARGUMENT if it does not
  // open under the log key; OUT_OF_RANGE if larger than the log; DATA_LOSS if
  // its root is not the log's at its size; FAILED_PRECONDITION if a record
  // is larger than an entry bundle can hold (65,535 bytes); CANCELLED if
  // `cancelled` returned true between two files; file errors
  // (RESOURCE_EXHAUSTED for a full disk, UNAVAILABLE). A note no larger than
  // the published one is only written (same size: a note with more
  // cosignatures) or ignored (smaller). After an error nothing is lost: the
  // next Publish starts again from the last published checkpoint.
  absl::Status Publish(std::string_view note, const std::function<bool()>& cancelled = {});

  uint64_t published_size() const { return published_.load(std::memory_order_acquire); }
  const std::string& directory() const { return directory_; }

  // Testing: files written since Open (tiles, bundles and checkpoints).
  uint64_t files_written() const { return files_written_; }

 private:
  TileWriter(const Log& log, std::string directory);
  // Loads the partial tiles' hashes and the partial bundle's records of a
  // published tree of `size` from the log.
  absl::Status LoadPartials(uint64_t size);
  absl::Status Extend(uint64_t from, uint64_t to, const std::function<bool()>& cancelled);
  // Writes `content` at `relative` (temporary file, fsync, rename); the
  // directory is remembered for SyncDirectories.
  absl::Status WriteResource(const std::string& relative, std::string_view content);
  absl::Status SyncDirectories();

  const Log& log_;
  const std::string directory_;
  std::atomic<uint64_t> published_{0};
  // Per tile level: the hashes of the partial tile of the published size
  // (fewer than 256; empty when that level's last tile is full or absent).
  std::vector<std::vector<Hash>> partial_hashes_;
  // The partial entry bundle of the published size, and its entry count.
  std::string partial_bundle_;
  uint64_t partial_entries_ = 0;
  std::string published_note_;
  std::set<std::string> dirty_directories_;
  // Partial tiles' directories ("tile/0/x001/067.p") whose full tile is
  // written: deleted after the next checkpoint.
  std::vector<std::string> obsolete_partials_;
  uint64_t files_written_ = 0;
};

}  // namespace memoria
