#include "witness/witness_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria::witness {
namespace {

namespace fs = std::filesystem;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(what + ": " + std::strerror(errno));
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("opening directory " + dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("syncing directory " + dir);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ReadIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (!fs::exists(path, error) && !error) return std::nullopt;
    return absl::UnavailableError("cannot read " + path);
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::UnavailableError("cannot read " + path);
  return content.str();
}

bool IsEvidenceName(std::string_view name) {
  return !name.empty() && name.size() < 100 && name.ends_with(".txt") &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-' || c == '.' ||
                  c == 't' || c == 'x';
         });
}

}  // namespace

std::string OriginHash(std::string_view origin) { return HexEncode(AsBytes(Sha256(origin))); }

absl::Status WriteFileDurably(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("creating " + temporary);
  absl::Status status = absl::OkStatus();
  size_t written = 0;
  while (status.ok() && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = Errno("writing " + temporary);
    else written += static_cast<size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) status = Errno("syncing " + temporary);
  ::close(fd);
  if (status.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    status = Errno("renaming " + temporary);
  }
  if (!status.ok()) {
    ::unlink(temporary.c_str());
    return status;
  }
  return SyncDirectory(fs::path(path).parent_path().string());
}

absl::StatusOr<WitnessStore> WitnessStore::Open(std::string dir) {
  for (const char* sub : {"logs", "evidence"}) {
    std::error_code error;
    fs::create_directories(fs::path(dir) / sub, error);
    if (error) {
      return absl::UnavailableError("cannot create " + (fs::path(dir) / sub).string() + ": " +
                                    error.message());
    }
  }
  if (absl::Status s = SyncDirectory(dir); !s.ok()) return s;
  return WitnessStore(std::move(dir));
}

absl::StatusOr<std::optional<std::string>> WitnessStore::LoadCheckpoint(
    std::string_view origin) const {
  return ReadIfExists((fs::path(dir_) / "logs" / (OriginHash(origin) + ".checkpoint")).string());
}

absl::Status WitnessStore::SaveCheckpoint(std::string_view origin, std::string_view note) const {
  return WriteFileDurably((fs::path(dir_) / "logs" / (OriginHash(origin) + ".checkpoint")).string(),
                          note);
}

absl::StatusOr<std::string> WitnessStore::SaveEvidence(std::string_view origin,
                                                       std::string_view text, int64_t now_micros) {
  // Fixed-width numbers, so that names sort oldest first.
  char prefix[48];
  std::snprintf(prefix, sizeof(prefix), "%020lld-%s-%06llu", static_cast<long long>(now_micros),
                OriginHash(origin).substr(0, 8).c_str(),
                static_cast<unsigned long long>(evidence_counter_.fetch_add(1) % 1000000));
  const std::string name = std::string(prefix) + ".txt";
  if (absl::Status s = WriteFileDurably((fs::path(dir_) / "evidence" / name).string(), text);
      !s.ok()) {
    return s;
  }
  return name;
}

absl::StatusOr<std::vector<std::string>> WitnessStore::ListEvidence() const {
  std::vector<std::string> names;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(fs::path(dir_) / "evidence", error)) {
    const std::string name = entry.path().filename().string();
    if (IsEvidenceName(name)) names.push_back(name);
  }
  if (error) return absl::UnavailableError("cannot list evidence: " + error.message());
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::string> WitnessStore::ReadEvidence(std::string_view name) const {
  if (!IsEvidenceName(name)) return absl::NotFoundError("no evidence named " + std::string(name));
  absl::StatusOr<std::optional<std::string>> text =
      ReadIfExists((fs::path(dir_) / "evidence" / std::string(name)).string());
  if (!text.ok()) return text.status();
  if (!text->has_value()) return absl::NotFoundError("no evidence named " + std::string(name));
  return **text;
}

}  // namespace memoria::witness
