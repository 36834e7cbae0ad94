// A scratch directory for one test: created fresh under $TMPDIR (or /tmp),
// removed with its contents when the object is destroyed.
#pragma once

#include <string>
#include <string_view>

namespace memoria::testing {

class TempDir {
 public:
  // Aborts the test binary if the directory cannot be made.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace memoria::testing
