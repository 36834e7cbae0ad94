#include "ledger/tile_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/durable_file.h"
#include "ledger/status.h"

namespace memoria {
namespace {

using tiles::kTileHeight;
using tiles::kTileWidth;

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

void AppendHashes(std::string& out, const std::vector<Hash>& hashes) {
  for (const Hash& hash : hashes) out.append(AsBytes(hash));
}

std::string TileBytes(const std::vector<Hash>& hashes) {
  std::string out;
  out.reserve(hashes.size() * kHashSize);
  AppendHashes(out, hashes);
  return out;
}

// The directory of the partial versions of a tile: its path + ".p".
std::string PartialsDirectory(const std::string& full_path) { return full_path + ".p"; }

absl::Status CheckBundleable(uint64_t index, size_t bytes) {
  if (bytes > tiles::kMaxBundledEntryBytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "record ", index, " is ", bytes, " bytes: larger than an entry bundle can hold (",
        tiles::kMaxBundledEntryBytes, "); the log cannot be published as tlog-tiles past it"));
  }
  return absl::OkStatus();
}

void AppendBundleEntry(std::string& bundle, std::string_view record) {
  bundle.push_back(static_cast<char>((record.size() >> 8) & 0xff));
  bundle.push_back(static_cast<char>(record.size() & 0xff));
  bundle.append(record);
}

}  // namespace

TileWriter::TileWriter(const Log& log, std::string directory)
    : log_(log), directory_(std::move(directory)), partial_hashes_(tiles::kMaxTileLevel + 1) {}

absl::StatusOr<std::unique_ptr<TileWriter>> TileWriter::Open(const Log& log,
                                                              std::string directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the tiles directory ", directory, ": ", error.message()));
  }
  std::unique_ptr<TileWriter> writer(new TileWriter(log, directory));
  const std::string path = absl::StrCat(directory, "/", tiles::kCheckpointPath);
  ASSIGN_OR_RETURN(std::optional<std::string> note, ReadFileIfExists(path));
  if (!note.has_value()) {
    RETURN_IF_ERROR(writer->LoadPartials(0));
    return writer;
  }
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log.verifier());
  if (!checkpoint.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the tiles directory ", directory, " holds a checkpoint that is not this log's (",
        log.origin(), "): ", checkpoint.status().message(),
        "; give another directory, or remove it if it is not published anywhere"));
  }
  if (checkpoint->size > log.Size()) {
    return absl::DataLossError(absl::StrCat(
        "the tiles directory ", directory, " publishes a checkpoint of size ", checkpoint->size,
        ", larger than the log (", log.Size(),
        "): the log lost published records; restore its data directory from a backup or copy "
        "it from a mirror"));
  }
  ASSIGN_OR_RETURN(Hash root, log.RootAt(checkpoint->size));
  if (root != checkpoint->root) {
    return absl::DataLossError(absl::StrCat(
        "the tiles directory ", directory, " publishes a checkpoint of size ", checkpoint->size,
        " whose root is not the log's at that size: the log forked from what was published"));
  }
  RETURN_IF_ERROR(writer->LoadPartials(checkpoint->size));
  writer->published_note_ = *std::move(note);
  writer->published_.store(checkpoint->size, std::memory_order_release);
  return writer;
}

absl::Status TileWriter::LoadPartials(uint64_t size) {
  for (uint8_t level = 0; level <= tiles::kMaxTileLevel; ++level) {
    std::vector<Hash>& partial = partial_hashes_[level];
    partial.clear();
    const uint64_t count = tiles::HashesAtLevel(size, level);
    const uint64_t width = count % kTileWidth;
    if (width == 0) continue;
    std::vector<NodeId> ids;
    for (uint64_t i = count - width; i < count; ++i) {
      ids.push_back({static_cast<uint8_t>(level * kTileHeight), i});
    }
    ASSIGN_OR_RETURN(partial, log_.NodeHashes(ids));
  }
  partial_bundle_.clear();
  partial_entries_ = size % kTileWidth;
  absl::Status status = absl::OkStatus();
  RETURN_IF_ERROR(log_.ScanRecords(size - partial_entries_, size,
                                   [&](uint64_t index, std::string_view record) {
                                     status = CheckBundleable(index, record.size());
                                     if (!status.ok()) return false;
                                     AppendBundleEntry(partial_bundle_, record);
                                     return true;
                                   }));
  return status;
}

absl::Status TileWriter::Publish(std::string_view note,
                                 const std::function<bool()>& cancelled) {
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(note, log_.verifier());
  if (!checkpoint.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a checkpoint of this log: ", checkpoint.status().message()));
  }
  const uint64_t size = checkpoint->size;
  ASSIGN_OR_RETURN(Hash root, log_.RootAt(size));  // OUT_OF_RANGE beyond the log
  if (root != checkpoint->root) {
    return absl::DataLossError(
        absl::StrCat("the checkpoint of size ", size, " has another root than the log's"));
  }
  const uint64_t from = published_size();
  if (size < from) return absl::OkStatus();
  if (size == from && note == published_note_) return absl::OkStatus();

  absl::Status status = Extend(from, size, cancelled);
  if (status.ok()) status = SyncDirectories();
  if (status.ok()) status = WriteResource(std::string(tiles::kCheckpointPath), note);
  if (status.ok()) status = SyncDirectories();
  if (!status.ok()) {
    dirty_directories_.clear();
    obsolete_partials_.clear();
    // Back to what the published checkpoint needs; the next Publish redoes the rest.
    absl::Status reset = LoadPartials(from);
    if (!reset.ok()) {
      return absl::Status(status.code(), absl::StrCat(status.message(), "; then ",
                                                      reset.message()));
    }
    return status;
  }
  published_note_ = std::string(note);
  published_.store(size, std::memory_order_release);
  for (const std::string& partials : obsolete_partials_) {
    std::error_code ignored;  // a leftover only costs disk space
    std::filesystem::remove_all(absl::StrCat(directory_, "/", partials), ignored);
  }
  obsolete_partials_.clear();
  return absl::OkStatus();
}

absl::Status TileWriter::Extend(uint64_t from, uint64_t to,
                                const std::function<bool()>& cancelled) {
  if (to == from) return absl::OkStatus();
  // Level 0 and the entry bundles, one tile at a time.
  for (uint64_t begin = from; begin < to;) {
    if (cancelled && cancelled()) return absl::CancelledError("publishing the tiles was cancelled");
    const uint64_t tile = begin / kTileWidth;
    const uint64_t end = std::min(to, (tile + 1) * kTileWidth);
    std::vector<NodeId> ids;
    ids.reserve(end - begin);
    for (uint64_t i = begin; i < end; ++i) ids.push_back({0, i});
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, log_.NodeHashes(ids));
    absl::Status status = absl::OkStatus();
    RETURN_IF_ERROR(log_.ScanRecords(begin, end, [&](uint64_t index, std::string_view record) {
      status = CheckBundleable(index, record.size());
      if (status.ok() && LeafHash(record) != hashes[index - begin]) {
        status = absl::DataLossError(absl::StrCat(
            "record ", index, " does not hash to the log's leaf hash at its index"));
      }
      if (!status.ok()) return false;
      AppendBundleEntry(partial_bundle_, record);
      ++partial_entries_;
      return true;
    }));
    RETURN_IF_ERROR(status);
    if (partial_entries_ != end - tile * kTileWidth) {
      return absl::DataLossError(absl::StrCat("records ", begin, " to ", end - 1,
                                              " are not all in the store"));
    }
    std::vector<Hash>& partial = partial_hashes_[0];
    partial.insert(partial.end(), hashes.begin(), hashes.end());
    if (partial.size() == kTileWidth) {
      const std::string tile_path = tiles::HashTilePath(0, tile);
      const std::string bundle_path = tiles::EntryBundlePath(tile);
      RETURN_IF_ERROR(WriteResource(tile_path, TileBytes(partial)));
      RETURN_IF_ERROR(WriteResource(bundle_path, partial_bundle_));
      obsolete_partials_.push_back(PartialsDirectory(tile_path));
      obsolete_partials_.push_back(PartialsDirectory(bundle_path));
      partial.clear();
      partial_bundle_.clear();
      partial_entries_ = 0;
    }
    begin = end;
  }
  // The levels above, from the log's hashes of subtrees of 256^level leaves.
  for (uint8_t level = 1; level <= tiles::kMaxTileLevel; ++level) {
    const uint64_t first = tiles::HashesAtLevel(from, level);
    const uint64_t last = tiles::HashesAtLevel(to, level);
    std::vector<Hash>& partial = partial_hashes_[level];
    for (uint64_t begin = first; begin < last;) {
      if (cancelled && cancelled()) {
        return absl::CancelledError("publishing the tiles was cancelled");
      }
      const uint64_t tile = begin / kTileWidth;
      const uint64_t end = std::min(last, (tile + 1) * kTileWidth);
      std::vector<NodeId> ids;
      ids.reserve(end - begin);
      for (uint64_t i = begin; i < end; ++i) {
        ids.push_back({static_cast<uint8_t>(level * kTileHeight), i});
      }
      ASSIGN_OR_RETURN(std::vector<Hash> hashes, log_.NodeHashes(ids));
      partial.insert(partial.end(), hashes.begin(), hashes.end());
      if (partial.size() == kTileWidth) {
        const std::string tile_path = tiles::HashTilePath(level, tile);
        RETURN_IF_ERROR(WriteResource(tile_path, TileBytes(partial)));
        obsolete_partials_.push_back(PartialsDirectory(tile_path));
        partial.clear();
      }
      begin = end;
    }
  }
  // The partial tiles of the new size, where a level grew.
  for (uint8_t level = 0; level <= tiles::kMaxTileLevel; ++level) {
    const uint64_t count = tiles::HashesAtLevel(to, level);
    if (count == tiles::HashesAtLevel(from, level) || count % kTileWidth == 0) continue;
    RETURN_IF_ERROR(WriteResource(
        tiles::HashTilePath(level, count / kTileWidth, count % kTileWidth),
        TileBytes(partial_hashes_[level])));
  }
  if (to % kTileWidth != 0) {
    RETURN_IF_ERROR(WriteResource(tiles::EntryBundlePath(to / kTileWidth, to % kTileWidth),
                                  partial_bundle_));
  }
  return absl::OkStatus();
}

absl::Status TileWriter::WriteResource(const std::string& relative, std::string_view content) {
  const std::string path = absl::StrCat(directory_, "/", relative);
  // Create the missing directories, remembering where each new one was
  // entered (that directory must be synced too).
  std::vector<std::string> missing;
  for (std::string dir = ParentOf(path); dir.size() > directory_.size(); dir = ParentOf(dir)) {
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) break;
    missing.push_back(dir);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "creating the directory " + *it);
    }
    dirty_directories_.insert(ParentOf(*it));
  }
  const std::string temporary = path + ".tmp";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "creating " + temporary);
  absl::Status status = absl::OkStatus();
  while (status.ok() && !content.empty()) {
    const ssize_t written = write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      status = ErrnoStatus(errno, "writing " + temporary);
    } else {
      content.remove_prefix(static_cast<size_t>(written));
    }
  }
  if (status.ok() && fdatasync(fd) != 0) status = ErrnoStatus(errno, "syncing " + temporary);
  close(fd);
  if (status.ok() && rename(temporary.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus(errno, "renaming " + temporary + " to " + path);
  }
  if (!status.ok()) {
    unlink(temporary.c_str());
    return status;
  }
  dirty_directories_.insert(ParentOf(path));
  ++files_written_;
  return absl::OkStatus();
}

absl::Status TileWriter::SyncDirectories() {
  for (const std::string& dir : dirty_directories_) {
    RETURN_IF_ERROR(SyncDirectoryOf(dir + "/."));
  }
  dirty_directories_.clear();
  return absl::OkStatus();
}

}  // namespace memoria
