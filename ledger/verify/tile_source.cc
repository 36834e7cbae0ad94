#include "ledger/verify/tile_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace memoria {
namespace {

class DirectorySource final : public TileSource {
 public:
  explicit DirectorySource(std::string directory) : directory_(std::move(directory)) {
    while (directory_.size() > 1 && directory_.back() == '/') directory_.pop_back();
  }

  absl::StatusOr<std::string> Fetch(const std::string& path) override {
    if (path.empty() || path.front() == '/' || absl::StrContains(path, "..")) {
      return absl::InvalidArgumentError(absl::StrCat("not a tile resource path: ", path));
    }
    const std::string file = absl::StrCat(directory_, "/", path);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      const int error = errno;
      if (error == ENOENT || error == ENOTDIR) {
        return absl::NotFoundError(absl::StrCat(file, ": no such file"));
      }
      return absl::UnavailableError(absl::StrCat(file, ": ", std::strerror(error)));
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) return absl::UnavailableError(absl::StrCat(file, ": read error"));
    return std::move(bytes).str();
  }

  std::string Describe() const override { return absl::StrCat("directory ", directory_); }

 private:
  std::string directory_;
};

}  // namespace

std::unique_ptr<TileSource> DirectoryTileSource(std::string directory) {
  return std::make_unique<DirectorySource>(std::move(directory));
}

}  // namespace memoria
