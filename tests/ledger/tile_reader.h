// A small C2SP tlog-tiles reader for the tests, written apart from the
// writer (ledger/tile_writer.h; it formats its own paths): it fetches the
// checkpoint, every hash tile and entry bundle the checkpoint needs, and
// checks that every entry's leaf hash is in its level-0 tile, that every
// hash of a tile above level 0 is the Merkle Tree Hash of the full tile below
// it, that the root computed from the tiles' hashes (and, independently, from
// all the leaf hashes) is the signed checkpoint's, and that each resource has
// exactly its width. What it fetches comes from a directory or from an HTTP
// server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"

namespace memoria::testing {

// The bytes at a resource path ("checkpoint", "tile/0/000.p/3"); nullopt if
// the resource does not exist (HTTP 404).
using TileFetch =
    std::function<absl::StatusOr<std::optional<std::string>>(const std::string& path)>;

// Reads files under `directory`.
TileFetch DirectoryFetch(std::string directory);
// GETs http://host:port/<prefix>/<path>; every response's status, headers and
// body are also kept in `responses` if given (by path).
struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string cache_control;
  std::string body;
};
TileFetch HttpFetch(std::string host, int port, std::string prefix = "",
                    std::function<void(const std::string&, const HttpResponse&)> observe = {});

struct TiledLog {
  Checkpoint checkpoint;
  std::string note;
  std::vector<std::string> entries;  // every leaf, in order
  std::vector<std::string> paths;    // every resource fetched, checkpoint first
};

// Fetches and verifies the whole tiled log under `log_key` (see above).
// INVALID_ARGUMENT / PERMISSION_DENIED for a checkpoint that does not open,
// NOT_FOUND for a missing resource, DATA_LOSS for anything that disagrees.
absl::StatusOr<TiledLog> ReadTiledLog(const TileFetch& fetch, const Verifier& log_key);

}  // namespace memoria::testing
