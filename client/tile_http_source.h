// A TileSource (ledger/verify/tile_source.h) over HTTP(S) with libcurl: the
// resources of a C2SP tlog-tiles log at <prefix>/<path>, for the readers
// (memoria-audit verify/monitor --tiles, memoria get --tiles).
//
//   ASSIGN_OR_RETURN(auto source, OpenTileSource("https://example.org/log", {}));
//   TiledLog log(*source, log_key);
//
// Each Fetch is one GET on an easy handle taken from a pool (created on
// demand, kept for reuse so that connections stay open; as many handles as
// fetches at once). Responses may be compressed: gzip and deflate are asked
// for (Accept-Encoding) and decoded. Redirects are followed (at most 5).
// A body larger than a full entry bundle can be (256 entries of 65,535
// bytes, with their prefixes) is refused.
//
// Errors name the URL: NOT_FOUND for HTTP 404 and 410; UNAVAILABLE for any
// other HTTP status than 200 ("HTTP 503") and for transport failures
// (libcurl's message); DEADLINE_EXCEEDED for a timeout; RESOURCE_EXHAUSTED
// for a body over the limit.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/verify/tile_source.h"

namespace memoria::client {

struct TileHttpOptions {
  long connect_timeout_ms = 10'000;
  long request_timeout_ms = 60'000;  // a whole GET, body included
  std::string ca_file;               // PEM CA bundle for https (default: the system's)
};

// `location` is an http:// or https:// URL prefix (a trailing slash or none),
// a file:// URL, or a directory path (DirectoryTileSource).
// INVALID_ARGUMENT for another scheme or an empty location.
absl::StatusOr<std::unique_ptr<TileSource>> OpenTileSource(const std::string& location,
                                                           const TileHttpOptions& options = {});

}  // namespace memoria::client
