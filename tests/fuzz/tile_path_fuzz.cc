// Tile and entry-bundle paths (ledger/tile_path.h), which the HTTP listener
// parses from every request's URL. Properties: a path that parses is exactly
// the path the formatters write for what it parsed to (one spelling per
// resource: no leading zeros, no other index grouping), and what they write
// parses back.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ledger/tile_path.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria::tiles;
  const std::string path(memoria::fuzz::AsText(data, size));
  const std::optional<TilePath> parsed = ParseTilePath(path);
  if (!parsed) return 0;
  FUZZ_CHECK(parsed->width >= 1 && parsed->width <= kTileWidth, "a width outside 1-256 parsed");
  const std::string formatted = parsed->entries ? EntryBundlePath(parsed->index, parsed->width)
                                                : HashTilePath(parsed->level, parsed->index,
                                                               parsed->width);
  FUZZ_CHECK(formatted == path, "a path parsed that is not the formatter's spelling");
  const std::optional<TilePath> again = ParseTilePath(formatted);
  FUZZ_CHECK(again && again->entries == parsed->entries && again->level == parsed->level &&
                 again->index == parsed->index && again->width == parsed->width,
             "a formatted path does not parse back");
  return 0;
}
