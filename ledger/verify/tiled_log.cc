#include "ledger/verify/tiled_log.h"

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/status.h"
#include "ledger/tile_path.h"

namespace memoria {

namespace {

// The width of tile `index` at `level` of a tree of `tree_size` leaves (256
// for a full one); 0 when the tree has no such tile.
uint64_t TileWidth(uint8_t level, uint64_t index, uint64_t tree_size) {
  const uint64_t hashes = tiles::HashesAtLevel(tree_size, level);
  if (index >= (hashes + tiles::kTileWidth - 1) / tiles::kTileWidth) return 0;
  return std::min<uint64_t>(tiles::kTileWidth, hashes - index * tiles::kTileWidth);
}

// The Merkle Tree Hash of `count` (a power of two) consecutive hashes.
Hash PerfectRoot(std::vector<Hash> level, size_t begin, size_t count) {
  std::vector<Hash> nodes(level.begin() + static_cast<std::ptrdiff_t>(begin),
                          level.begin() + static_cast<std::ptrdiff_t>(begin + count));
  while (nodes.size() > 1) {
    for (size_t i = 0; i < nodes.size() / 2; ++i) nodes[i] = NodeHash(nodes[2 * i], nodes[2 * i + 1]);
    nodes.resize(nodes.size() / 2);
  }
  return nodes.front();
}

absl::Status WithContext(const absl::Status& status, std::string_view context) {
  return absl::Status(status.code(), absl::StrCat(std::string(context), std::string(status.message())));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseEntryBundle(std::string_view bytes, uint64_t width) {
  std::vector<std::string> entries;
  entries.reserve(width);
  size_t at = 0;
  while (at < bytes.size()) {
    if (entries.size() == width) {
      return absl::DataLossError(absl::StrCat("bytes after its ", width, " entries"));
    }
    if (bytes.size() - at < 2) return absl::DataLossError("cut short inside a length prefix");
    const size_t length = (static_cast<size_t>(static_cast<uint8_t>(bytes[at])) << 8) |
                          static_cast<uint8_t>(bytes[at + 1]);
    at += 2;
    if (bytes.size() - at < length) {
      return absl::DataLossError(absl::StrCat("entry ", entries.size(), " cut short (", length,
                                              " bytes announced, ", bytes.size() - at, " left)"));
    }
    entries.emplace_back(bytes.substr(at, length));
    at += length;
  }
  if (entries.size() != width) {
    return absl::DataLossError(
        absl::StrCat("holds ", entries.size(), " entries where its width is ", width));
  }
  return entries;
}

struct TiledLog::Bundle {
  uint64_t index = 0;
  std::vector<std::string> leaves;
  std::vector<Hash> hashes;
};

TiledLog::TiledLog(TileSource& source, Verifier log_key, int parallel)
    : source_(source), log_key_(std::move(log_key)), parallel_(std::max(1, parallel)) {}

std::string TiledLog::Name(const std::string& path) const {
  return absl::StrCat(path, " (", source_.Describe(), ")");
}

absl::StatusOr<TrustedCheckpoint> TiledLog::FetchCheckpoint() {
  absl::StatusOr<std::string> note = source_.Fetch(tiles::kCheckpointPath);
  ++resources_;
  if (!note.ok()) return note.status();
  bytes_ += note->size();
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_key_);
  if (!checkpoint.ok()) {
    return WithContext(checkpoint.status(),
                       absl::StrCat("checkpoint of ", source_.Describe(), ": "));
  }
  return TrustedCheckpoint{*std::move(checkpoint), *std::move(note)};
}

absl::StatusOr<std::string> TiledLog::FetchResource(const std::string& full_path,
                                                    const std::string& partial_path,
                                                    bool partial, bool* from_full) {
  absl::StatusOr<std::string> bytes = source_.Fetch(partial ? partial_path : full_path);
  ++resources_;
  *from_full = !partial;
  if (partial && absl::IsNotFound(bytes.status())) {
    *from_full = true;
    // The partial resource may be gone once the full one exists.
    bytes = source_.Fetch(full_path);
    ++resources_;
    if (!bytes.ok()) {
      return absl::NotFoundError(absl::StrCat("neither ", Name(partial_path), " nor ", full_path,
                                              " exists: ", std::string(bytes.status().message())));
    }
  }
  if (!bytes.ok()) return bytes.status();
  bytes_ += bytes->size();
  return bytes;
}

absl::StatusOr<std::vector<Hash>> TiledLog::FetchTile(uint8_t level, uint64_t index,
                                                      uint64_t tree_size) {
  const uint64_t width = TileWidth(level, index, tree_size);
  if (width == 0) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", tree_size, " has no tile ",
                                                   static_cast<int>(level), "/", index));
  }
  const std::string partial_path = tiles::HashTilePath(level, index, width);
  const bool partial = width < tiles::kTileWidth;
  bool from_full = false;
  ASSIGN_OR_RETURN(std::string bytes, FetchResource(tiles::HashTilePath(level, index),
                                                    partial_path, partial, &from_full));
  // A partial tile has exactly its width; its full replacement 256 hashes.
  const uint64_t expected = from_full ? tiles::kFullTileBytes : width * 32;
  if (bytes.size() != expected) {
    return absl::DataLossError(absl::StrCat(
        Name(from_full ? tiles::HashTilePath(level, index) : partial_path), ": ", bytes.size(),
        " bytes where a tile of width ", from_full ? tiles::kTileWidth : width, " has ", expected));
  }
  std::vector<Hash> hashes(width);
  for (uint64_t i = 0; i < width; ++i) {
    std::copy_n(bytes.data() + i * 32, 32, reinterpret_cast<char*>(hashes[i].data()));
  }
  return hashes;
}

absl::StatusOr<std::vector<std::string>> TiledLog::FetchBundle(uint64_t index, uint64_t tree_size) {
  const uint64_t width = TileWidth(0, index, tree_size);
  if (width == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tree of ", tree_size, " has no entry bundle ", index));
  }
  const std::string partial_path = tiles::EntryBundlePath(index, width);
  const bool partial = width < tiles::kTileWidth;
  const std::string full_path = tiles::EntryBundlePath(index);
  bool from_full = false;
  absl::StatusOr<std::string> bytes = FetchResource(full_path, partial_path, partial, &from_full);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::vector<std::string>> entries =
      ParseEntryBundle(*bytes, from_full ? tiles::kTileWidth : width);
  if (!entries.ok()) {
    return WithContext(entries.status(),
                       absl::StrCat(Name(from_full ? full_path : partial_path), ": "));
  }
  entries->resize(width);
  return entries;
}

absl::StatusOr<TiledLog::Bundle> TiledLog::FetchCheckedBundle(uint64_t index, uint64_t tree_size) {
  ASSIGN_OR_RETURN(std::vector<Hash> tile, FetchTile(0, index, tree_size));
  ASSIGN_OR_RETURN(std::vector<std::string> leaves, FetchBundle(index, tree_size));
  Bundle bundle{.index = index, .leaves = std::move(leaves), .hashes = {}};
  bundle.hashes.reserve(tile.size());
  for (size_t i = 0; i < bundle.leaves.size(); ++i) {
    const Hash hash = LeafHash(bundle.leaves[i]);
    if (hash != tile[i]) {
      return absl::DataLossError(absl::StrCat(
          "entry ", index * tiles::kTileWidth + i, " of ",
          Name(tiles::EntryBundlePath(index, bundle.leaves.size())),
          " does not hash to its hash in the level-0 tile"));
    }
    bundle.hashes.push_back(hash);
  }
  return bundle;
}

NodeSource TiledLog::Nodes(uint64_t tree_size) {
  return [this, tree_size](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
    // The tiles the nodes lie in, fetched at once.
    std::map<std::pair<uint8_t, uint64_t>, std::shared_future<absl::StatusOr<std::vector<Hash>>>> tiles;
    for (const NodeId& id : ids) {
      if (id.level >= 64 || id.index >= (tree_size >> id.level) ) {
        return absl::InvalidArgumentError(absl::StrCat("node ", static_cast<int>(id.level), "/",
                                                       id.index, " is not in a tree of ", tree_size));
      }
      const uint8_t level = id.level / tiles::kTileHeight;
      const uint64_t first = id.index << (id.level % tiles::kTileHeight);
      const auto key = std::make_pair(level, first / tiles::kTileWidth);
      if (tiles.contains(key)) continue;
      tiles.emplace(key, std::async(std::launch::async, [this, key, tree_size]() {
                           return FetchTile(key.first, key.second, tree_size);
                         }).share());
    }
    std::vector<Hash> hashes;
    hashes.reserve(ids.size());
    for (const NodeId& id : ids) {
      const uint8_t level = id.level / tiles::kTileHeight;
      const uint64_t first = id.index << (id.level % tiles::kTileHeight);
      const absl::StatusOr<std::vector<Hash>>& tile =
          tiles.at({level, first / tiles::kTileWidth}).get();
      if (!tile.ok()) return tile.status();
      const size_t offset = first % tiles::kTileWidth;
      const size_t count = size_t{1} << (id.level % tiles::kTileHeight);
      if (offset + count > tile->size()) {
        return absl::DataLossError(absl::StrCat("tile ", static_cast<int>(level), "/",
                                                first / tiles::kTileWidth, " is too short"));
      }
      hashes.push_back(PerfectRoot(*tile, offset, count));
    }
    return hashes;
  };
}

absl::StatusOr<std::vector<Hash>> TiledLog::ConsistencyProof(uint64_t size1, uint64_t size2) {
  return ComputeConsistencyProof(size1, size2, Nodes(size2));
}

absl::StatusOr<ProvenLeaf> TiledLog::ReadLeaf(uint64_t index, const Checkpoint& checkpoint) {
  if (index >= checkpoint.size) {
    return absl::OutOfRangeError(absl::StrCat("entry ", index, " is not in the log of ",
                                              checkpoint.size, " entries"));
  }
  // The bundle and the proof's tiles at once.
  auto bundle = std::async(std::launch::async, [this, index, &checkpoint]() {
    return FetchBundle(index / tiles::kTileWidth, checkpoint.size);
  });
  absl::StatusOr<std::vector<Hash>> proof =
      ComputeInclusionProof(index, checkpoint.size, Nodes(checkpoint.size));
  absl::StatusOr<std::vector<std::string>> leaves = bundle.get();
  if (!leaves.ok()) return leaves.status();
  if (!proof.ok()) return proof.status();
  ProvenLeaf proven{.index = index,
                    .leaf = std::move((*leaves)[index % tiles::kTileWidth]),
                    .leaf_hash = {},
                    .proof = *std::move(proof)};
  proven.leaf_hash = LeafHash(proven.leaf);
  if (absl::Status included =
          VerifyInclusion(index, checkpoint.size, proven.leaf_hash, proven.proof, checkpoint.root);
      !included.ok()) {
    return absl::DataLossError(absl::StrCat("entry ", index, " read from ", source_.Describe(),
                                            " is not included in the signed checkpoint of ",
                                            checkpoint.size, ": ", std::string(included.message())));
  }
  return proven;
}

absl::Status TiledLog::ReadEntries(const Checkpoint& checkpoint, uint64_t from,
                                   const EntryCallback& on_entry) {
  if (from > checkpoint.size) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry ", from, " is beyond the checkpoint's ", checkpoint.size));
  }
  CompactRange before;
  if (from > 0) {
    const std::vector<NodeId> ids = CompactRange::NodesFor(from);
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, Nodes(checkpoint.size)(ids));
    ASSIGN_OR_RETURN(before, CompactRange::FromNodes(from, std::move(hashes)));
  }
  return ReadEntries(checkpoint, std::move(before), on_entry);
}

absl::Status TiledLog::ReadEntries(const Checkpoint& checkpoint, CompactRange before,
                                   const EntryCallback& on_entry) {
  const uint64_t from = before.size();
  const uint64_t size = checkpoint.size;
  if (from > size) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry ", from, " is beyond the checkpoint's ", size));
  }
  const uint64_t end = (size + tiles::kTileWidth - 1) / tiles::kTileWidth;
  // Nothing to fetch when nothing is new (a tree read up to the checkpoint).
  uint64_t next = from == size ? end : from / tiles::kTileWidth;
  std::deque<std::future<absl::StatusOr<Bundle>>> window;
  auto launch = [&]() {
    const uint64_t index = next++;
    window.push_back(std::async(std::launch::async, [this, index, size]() {
      return FetchCheckedBundle(index, size);
    }));
  };
  while (next < end && window.size() < static_cast<size_t>(parallel_)) launch();
  CompactRange range = std::move(before);
  const auto no_nodes = [](const NodeId&, const Hash&) {};
  while (!window.empty()) {
    absl::StatusOr<Bundle> bundle = window.front().get();
    window.pop_front();
    if (!bundle.ok()) return bundle.status();  // the window's destructors wait for the rest
    if (next < end) launch();
    const uint64_t start = bundle->index * tiles::kTileWidth;
    for (size_t i = 0; i < bundle->leaves.size(); ++i) {
      if (start + i < from) continue;
      range.Append(bundle->hashes[i], no_nodes);
      RETURN_IF_ERROR(on_entry(start + i, std::move(bundle->leaves[i])));
    }
  }
  if (range.Root() != checkpoint.root) {
    return absl::DataLossError(absl::StrCat(
        "the root of the ", size, " entries read from ", source_.Describe(),
        from > 0 ? absl::StrCat(" (from entry ", from, ", after the trusted tree before it)") : "",
        " is not the signed checkpoint's root: ", Base64Encode(AsBytes(range.Root())), " != ",
        Base64Encode(AsBytes(checkpoint.root))));
  }
  return absl::OkStatus();
}

}  // namespace memoria
