#include "ledger/tile_path.h"

#include <cassert>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"

namespace memoria::tiles {
namespace {

std::string WidthSuffix(uint64_t width) {
  assert(width >= 1 && width <= kTileWidth);
  return width == kTileWidth ? std::string() : absl::StrCat(".p/", width);
}

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal number in [min, max] without leading zeros.
std::optional<uint64_t> ParseSmall(std::string_view text, uint64_t min, uint64_t max) {
  if (!IsDigits(text) || (text.size() > 1 && text[0] == '0') || text.size() > 3) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
  if (value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::string EncodeTileIndex(uint64_t index) {
  std::vector<uint64_t> groups;  // least significant first
  do {
    groups.push_back(index % 1000);
    index /= 1000;
  } while (index > 0);
  std::string out;
  char group[8];
  for (size_t i = groups.size(); i-- > 0;) {
    std::snprintf(group, sizeof(group), i == 0 ? "%03u" : "x%03u/",
                  static_cast<unsigned>(groups[i]));
    out += group;
  }
  return out;
}

std::string HashTilePath(uint8_t level, uint64_t index, uint64_t width) {
  return absl::StrCat("tile/", level, "/", EncodeTileIndex(index), WidthSuffix(width));
}

std::string EntryBundlePath(uint64_t index, uint64_t width) {
  return absl::StrCat("tile/entries/", EncodeTileIndex(index), WidthSuffix(width));
}

std::optional<TilePath> ParseTilePath(std::string_view path) {
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const size_t slash = path.find('/', at);
    parts.push_back(path.substr(at, slash == std::string_view::npos ? slash : slash - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  if (parts.size() < 3 || parts[0] != "tile") return std::nullopt;
  TilePath tile;
  if (parts[1] == "entries") {
    tile.entries = true;
  } else {
    std::optional<uint64_t> level = ParseSmall(parts[1], 0, 63);
    if (!level) return std::nullopt;
    tile.level = static_cast<uint8_t>(*level);
  }
  // The index groups, then optionally "<last>.p" and "<W>".
  size_t end = parts.size();
  std::string_view last = parts[end - 1];
  if (end >= 4 && parts[end - 2].size() == 5 && parts[end - 2].substr(3) == ".p") {
    std::optional<uint64_t> width = ParseSmall(last, 1, kTileWidth - 1);
    if (!width) return std::nullopt;
    tile.width = *width;
    parts[end - 2] = parts[end - 2].substr(0, 3);
    --end;
  }
  uint64_t index = 0;
  for (size_t i = 2; i < end; ++i) {
    std::string_view group = parts[i];
    const bool more = i + 1 < end;
    if (more) {
      if (group.size() != 4 || group[0] != 'x') return std::nullopt;
      // One spelling per index: no leading zero group ("x000/x234/067" is
      // "x234/067").
      if (i == 2 && group == "x000") return std::nullopt;
      group.remove_prefix(1);
    }
    if (group.size() != 3 || !IsDigits(group)) return std::nullopt;
    if (index > (UINT64_MAX - 999) / 1000) return std::nullopt;
    index = index * 1000 + static_cast<uint64_t>((group[0] - '0') * 100 + (group[1] - '0') * 10 +
                                                 (group[2] - '0'));
  }
  tile.index = index;
  return tile;
}

}  // namespace memoria::tiles
