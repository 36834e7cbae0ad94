#include "tools/audit/state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/bundle.h"
#include "ledger/encoding.h"
#include "ledger/status.h"

namespace memoria::audit {

namespace {

absl::Status ErrnoError(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write " + path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<TrustedCheckpoint>> LoadTrustedState(const std::string& path,
                                                                  const Verifier& log_key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<TrustedCheckpoint>();
    return absl::UnavailableError(absl::StrCat("cannot read state file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<JsonObject> object = JsonObject::Parse(text.str());
  if (!object.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state file ", path, ": ", std::string(object.status().message())));
  }
  absl::StatusOr<std::string> note = object->String("checkpoint");
  if (!note.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state file ", path, ": ", std::string(note.status().message())));
  }
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_key);
  if (!checkpoint.ok()) {
    return absl::Status(checkpoint.status().code(),
                        absl::StrCat("state file ", path, ": its checkpoint does not open under the log key: ",
                                     std::string(checkpoint.status().message())));
  }
  absl::StatusOr<uint64_t> size = object->Uint("tree_size");
  absl::StatusOr<std::string> root = object->String("root");
  if (!size.ok() || !root.ok() || *size != checkpoint->size ||
      *root != Base64Encode(AsBytes(checkpoint->root))) {
    return absl::InvalidArgumentError(
        absl::StrCat("state file ", path, ": tree_size/root disagree with its checkpoint"));
  }
  return std::optional<TrustedCheckpoint>(TrustedCheckpoint{*checkpoint, *note});
}

absl::Status SaveTrustedState(const std::string& path, const TrustedCheckpoint& trusted) {
  const std::string json = absl::StrCat(
      "{\"origin\":", JsonQuote(trusted.checkpoint.origin),
      ",\"tree_size\":", trusted.checkpoint.size,
      ",\"root\":", JsonQuote(Base64Encode(AsBytes(trusted.checkpoint.root))),
      ",\"checkpoint\":", JsonQuote(trusted.note), "}\n");
  const std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create " + temp);
  absl::Status status = WriteAll(fd, json, temp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("fsync " + temp);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("close " + temp);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoError("rename " + temp);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoError("open " + dir.string());
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return ErrnoError("fsync " + dir.string());
  return absl::OkStatus();
}

}  // namespace memoria::audit
