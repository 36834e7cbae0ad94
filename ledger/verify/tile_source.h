// Where a reader of a C2SP tlog-tiles log (ledger/verify/tiled_log.h) gets
// its resources: the bytes at a resource path ("checkpoint",
// "tile/0/x001/067", "tile/entries/000.p/12"), from a local copy of a tiles
// directory here, over HTTP in client/tile_http_source.h.
//
// A source only transports: it checks nothing; the reader verifies every
// byte it uses against the signed checkpoint.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace memoria {

class TileSource {
 public:
  virtual ~TileSource() = default;

  // The bytes of the resource at `path` (relative, no leading slash).
  // NOT_FOUND when the resource does not exist (a missing file, HTTP 404 or
  // 410); other errors (UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED,
  // ...) for a transport that failed. Messages name the file or the URL.
  // Thread-safe: the reader fetches several resources at once.
  virtual absl::StatusOr<std::string> Fetch(const std::string& path) = 0;

  // "directory /srv/tiles", "https://example.org/log": for messages.
  virtual std::string Describe() const = 0;
};

// Files under `directory` (a tiles directory memoria-server wrote with
// --tiles-dir, or a copy of one). Paths with ".." are refused
// (INVALID_ARGUMENT).
std::unique_ptr<TileSource> DirectoryTileSource(std::string directory);

}  // namespace memoria
