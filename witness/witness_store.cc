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

#include "ledger/durable_file.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria::witness {
namespace {

namespace fs = std::filesystem;

bool IsEvidenceName(std::string_view name) {
  return !name.empty() && name.size() < 100 && name.ends_with(".txt") &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-' || c == '.' ||
                  c == 't' || c == 'x';
         });
}

}  // namespace

std::string OriginHash(std::string_view origin) { return HexEncode(AsBytes(Sha256(origin))); }

absl::StatusOr<WitnessStore> WitnessStore::Open(std::string dir) {
  for (const char* sub : {"logs", "evidence"}) {
    std::error_code error;
    fs::create_directories(fs::path(dir) / sub, error);
    if (error) {
      return absl::UnavailableError("cannot create " + (fs::path(dir) / sub).string() + ": " +
                                    error.message());
    }
  }
  if (absl::Status s = SyncDirectoryOf((fs::path(dir) / "logs").string()); !s.ok()) return s;
  return WitnessStore(std::move(dir));
}

absl::StatusOr<std::optional<std::string>> WitnessStore::LoadCheckpoint(
    std::string_view origin) const {
  return ReadFileIfExists((fs::path(dir_) / "logs" / (OriginHash(origin) + ".checkpoint")).string());
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
      ReadFileIfExists((fs::path(dir_) / "evidence" / std::string(name)).string());
  if (!text.ok()) return text.status();
  if (!text->has_value()) return absl::NotFoundError("no evidence named " + std::string(name));
  return **text;
}

}  // namespace memoria::witness
