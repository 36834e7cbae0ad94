// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the paths of a tiled log's
// resources and their shape, shared by the writer (ledger/tile_writer.h) and
// by readers.
//
//   <prefix>/checkpoint                  the signed checkpoint
//   <prefix>/tile/<L>/<N>[.p/<W>]        hash tiles: 256 (or W < 256) hashes
//   <prefix>/tile/entries/<N>[.p/<W>]    entry bundles: 256 (or W) entries,
//                                        each a big-endian uint16 length, then
//                                        the entry's bytes (the leaf)
//
// The hash at position i of the tile at level L, index N is the Merkle Tree
// Hash of the perfect subtree NodeId{8L, N * 256 + i} (ledger/merkle.h): a
// tile of level L holds hashes of subtrees of 256^L leaves. <N> is written in
// groups of three digits, all but the last prefixed with 'x' (1234067:
// x001/x234/067); a partial tile of a tree of size s at level L has width
// floor(s / 256^L) mod 256, and an empty one does not exist.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memoria::tiles {

inline constexpr uint64_t kTileWidth = 256;  // hashes (or entries) in a full tile
inline constexpr uint8_t kTileHeight = 8;    // tree levels one tile spans
inline constexpr size_t kFullTileBytes = kTileWidth * 32;
// The largest entry an entry bundle can hold (its uint16 length prefix).
inline constexpr size_t kMaxBundledEntryBytes = 65535;
// The most tile levels a tree of 2^64 leaves needs.
inline constexpr uint8_t kMaxTileLevel = 7;

inline constexpr char kCheckpointPath[] = "checkpoint";

// "x001/x234/067" for 1234067, "000" for 0.
std::string EncodeTileIndex(uint64_t index);

// "tile/<level>/<N>" for a full tile (width 256), "tile/<level>/<N>.p/<W>" for
// a partial one (1 <= width <= 255). Widths 0 and above 256 are the caller's
// bug (asserted).
std::string HashTilePath(uint8_t level, uint64_t index, uint64_t width = kTileWidth);
// "tile/entries/<N>[.p/<W>]".
std::string EntryBundlePath(uint64_t index, uint64_t width = kTileWidth);

// The number of hashes at tile level `level` that a tree of `tree_size`
// leaves completes: floor(tree_size / 256^level).
inline uint64_t HashesAtLevel(uint64_t tree_size, uint8_t level) {
  return level * kTileHeight >= 64 ? 0 : tree_size >> (level * kTileHeight);
}

// A resource path, parsed back. `entries`: an entry bundle (level unused).
struct TilePath {
  bool entries = false;
  uint8_t level = 0;
  uint64_t index = 0;
  uint64_t width = kTileWidth;  // < 256: a partial tile
  bool partial() const { return width < kTileWidth; }
};
// nullopt unless `path` ("tile/...", no leading slash) is exactly a tile or
// bundle path of the spec: levels 0-63 and widths 1-255 without leading
// zeros, every index group three digits, all but the last with 'x', and no
// leading zero group (one spelling per resource).
std::optional<TilePath> ParseTilePath(std::string_view path);

}  // namespace memoria::tiles
