#include "tests/ledger/tile_reader.h"

#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/hash.h"
#include "ledger/status.h"

namespace memoria::testing {
namespace {

// The spec's index encoding, written again here: 1234067 -> x001/x234/067.
std::string IndexPath(uint64_t n) {
  std::string out;
  char group[8];
  std::snprintf(group, sizeof(group), "%03u", static_cast<unsigned>(n % 1000));
  out = group;
  for (n /= 1000; n > 0; n /= 1000) {
    std::snprintf(group, sizeof(group), "x%03u/", static_cast<unsigned>(n % 1000));
    out = group + out;
  }
  return out;
}

std::string ResourcePath(const std::string& kind, uint64_t n, uint64_t width) {
  std::string path = "tile/" + kind + "/" + IndexPath(n);
  if (width < 256) path += ".p/" + std::to_string(width);
  return path;
}

// RFC 6962 MTH of hashes[begin, end), straight from the definition.
Hash Mth(const std::vector<Hash>& hashes, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return hashes[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(Mth(hashes, begin, begin + k), Mth(hashes, begin + k, end));
}

Hash HashAt(const std::string& bytes, size_t i) {
  Hash hash;
  std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(i * 32),
            bytes.begin() + static_cast<std::ptrdiff_t>(i * 32 + 32), hash.begin());
  return hash;
}

}  // namespace

TileFetch DirectoryFetch(std::string directory) {
  return [directory](const std::string& path) -> absl::StatusOr<std::optional<std::string>> {
    std::ifstream in(directory + "/" + path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  };
}

TileFetch HttpFetch(std::string host, int port, std::string prefix,
                    std::function<void(const std::string&, const HttpResponse&)> observe) {
  return [host, port, prefix, observe](
             const std::string& path) -> absl::StatusOr<std::optional<std::string>> {
    httplib::Client client(host, port);
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    httplib::Result result = client.Get(prefix + "/" + path);
    if (!result) {
      return absl::UnavailableError(
          absl::StrCat("GET ", path, ": ", httplib::to_string(result.error())));
    }
    HttpResponse response;
    response.status = result->status;
    response.content_type = result->get_header_value("Content-Type");
    response.cache_control = result->get_header_value("Cache-Control");
    response.body = result->body;
    if (observe) observe(path, response);
    if (result->status == 404) return std::nullopt;
    if (result->status != 200) {
      return absl::UnavailableError(absl::StrCat("GET ", path, ": HTTP ", result->status));
    }
    return result->body;
  };
}

absl::StatusOr<TiledLog> ReadTiledLog(const TileFetch& fetch, const Verifier& log_key) {
  TiledLog log;
  auto get = [&](const std::string& path) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, fetch(path));
    if (!bytes.has_value()) return absl::NotFoundError(path + " is missing");
    log.paths.push_back(path);
    return *std::move(bytes);
  };
  ASSIGN_OR_RETURN(log.note, get("checkpoint"));
  ASSIGN_OR_RETURN(log.checkpoint, OpenCheckpoint(log.note, log_key));
  const uint64_t size = log.checkpoint.size;

  // Every level's hashes: levels[l][i] = MTH of leaves [i * 256^l, (i + 1) * 256^l).
  std::vector<std::vector<Hash>> levels;
  for (int level = 0; level < 8 && (size >> (8 * level)) > 0; ++level) {
    const uint64_t count = size >> (8 * level);
    std::vector<Hash>& hashes = levels.emplace_back();
    for (uint64_t n = 0; n * 256 < count; ++n) {
      const uint64_t width = std::min<uint64_t>(256, count - n * 256);
      const std::string path = ResourcePath(std::to_string(level), n, width);
      ASSIGN_OR_RETURN(std::string tile, get(path));
      if (tile.size() != width * 32) {
        return absl::DataLossError(absl::StrCat(path, " is ", tile.size(), " bytes, not ",
                                                width * 32));
      }
      for (uint64_t i = 0; i < width; ++i) hashes.push_back(HashAt(tile, i));
    }
    if (level > 0) {
      const std::vector<Hash>& below = levels[level - 1];
      for (uint64_t i = 0; i < count; ++i) {
        if (hashes[i] != Mth(below, i * 256, i * 256 + 256)) {
          return absl::DataLossError(absl::StrCat("hash ", i, " of level ", level,
                                                  " is not the hash of the tile below"));
        }
      }
    }
  }
  // The entries, each against its leaf hash.
  for (uint64_t n = 0; n * 256 < size; ++n) {
    const uint64_t width = std::min<uint64_t>(256, size - n * 256);
    const std::string path = ResourcePath("entries", n, width);
    ASSIGN_OR_RETURN(std::string bundle, get(path));
    size_t at = 0;
    for (uint64_t i = 0; i < width; ++i) {
      if (bundle.size() - at < 2) return absl::DataLossError(path + " is short");
      const size_t length = (static_cast<uint8_t>(bundle[at]) << 8) | static_cast<uint8_t>(bundle[at + 1]);
      at += 2;
      if (bundle.size() - at < length) return absl::DataLossError(path + " is short");
      std::string entry = bundle.substr(at, length);
      at += length;
      const uint64_t index = n * 256 + i;
      if (LeafHash(entry) != levels[0][index]) {
        return absl::DataLossError(absl::StrCat("entry ", index, " is not the leaf of its tile"));
      }
      log.entries.push_back(std::move(entry));
    }
    if (at != bundle.size()) return absl::DataLossError(path + " has bytes after its entries");
  }
  // The root from the tiles: one perfect subtree per set bit of the size,
  // each the MTH of 2^j consecutive hashes of level l (k = 8l + j).
  std::vector<Hash> subtrees;
  uint64_t start = 0;
  for (int k = 63; k >= 0; --k) {
    if (((size >> k) & 1) == 0) continue;
    const int level = k / 8;
    const uint64_t first = start >> (8 * level);
    subtrees.push_back(Mth(levels[level], first, first + (uint64_t{1} << (k % 8))));
    start += uint64_t{1} << k;
  }
  Hash root = EmptyRoot();
  if (!subtrees.empty()) {
    root = subtrees.back();
    for (size_t i = subtrees.size() - 1; i-- > 0;) root = NodeHash(subtrees[i], root);
  }
  if (root != log.checkpoint.root) {
    return absl::DataLossError("the root computed from the tiles is not the checkpoint's");
  }
  if (size > 0 && Mth(levels[0], 0, size) != log.checkpoint.root) {
    return absl::DataLossError("the root of the leaf hashes is not the checkpoint's");
  }
  return log;
}

}  // namespace memoria::testing
