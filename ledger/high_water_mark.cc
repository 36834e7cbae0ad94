#include "ledger/high_water_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "ledger/durable_file.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria {
namespace {

constexpr std::string_view kMagic = "memoria-mark-v1\n";
constexpr size_t kLengthBytes = 4;
constexpr size_t kMaxNoteBytes =
    HighWaterMark::kSlotBytes - kMagic.size() - kLengthBytes - kHashSize;

absl::StatusOr<std::string> EncodeSlot(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return absl::InvalidArgumentError("a checkpoint note of " + std::to_string(note.size()) +
                                      " bytes does not fit in a high-water mark slot (at most " +
                                      std::to_string(kMaxNoteBytes) + ")");
  }
  std::string slot(kMagic);
  const std::string length = EncodeBigEndian64(note.size()).substr(8 - kLengthBytes);
  slot += length;
  slot += note;
  slot += AsBytes(Sha256(slot));
  slot.resize(HighWaterMark::kSlotBytes, '\0');
  return slot;
}

// The note in `slot`, or nullopt if the slot is empty or torn.
std::optional<std::string_view> DecodeSlot(std::string_view slot) {
  if (slot.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const std::string_view length_bytes = slot.substr(kMagic.size(), kLengthBytes);
  uint64_t length = 0;
  for (char c : length_bytes) length = (length << 8) | static_cast<uint8_t>(c);
  if (length > kMaxNoteBytes) return std::nullopt;
  const size_t signed_bytes = kMagic.size() + kLengthBytes + length;
  if (AsBytes(Sha256(slot.substr(0, signed_bytes))) != slot.substr(signed_bytes, kHashSize)) {
    return std::nullopt;
  }
  return slot.substr(kMagic.size() + kLengthBytes, length);
}

absl::Status WriteAll(int fd, std::string_view bytes, off_t offset, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = pwrite(fd, bytes.data(), bytes.size(), offset);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "writing the high-water mark " + path);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
    offset += written;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<MarkedCheckpoint>> ReadHighWaterMark(const std::string& path,
                                                                  const Verifier& log_key) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoStatus(errno, "opening the high-water mark " + path);
  }
  std::string bytes(2 * HighWaterMark::kSlotBytes + 1, '\0');
  size_t read_bytes = 0;
  while (read_bytes < bytes.size()) {
    const ssize_t n = read(fd, bytes.data() + read_bytes, bytes.size() - read_bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return ErrnoStatus(error, "reading the high-water mark " + path);
    }
    if (n == 0) break;
    read_bytes += static_cast<size_t>(n);
  }
  close(fd);
  if (read_bytes != 2 * HighWaterMark::kSlotBytes) {
    return absl::DataLossError("the high-water mark " + path + " is " +
                               std::to_string(read_bytes) + " bytes long, not " +
                               std::to_string(2 * HighWaterMark::kSlotBytes) +
                               ": it is not a memoria-mark-v1 file");
  }
  std::optional<MarkedCheckpoint> latest;
  for (int slot = 0; slot < 2; ++slot) {
    const std::optional<std::string_view> note = DecodeSlot(
        std::string_view(bytes).substr(slot * HighWaterMark::kSlotBytes, HighWaterMark::kSlotBytes));
    if (!note.has_value()) continue;
    absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_key);
    if (!checkpoint.ok()) {
      return absl::DataLossError("the checkpoint in slot " + std::to_string(slot) +
                                 " of the high-water mark " + path +
                                 " does not verify under the log key: " +
                                 std::string(checkpoint.status().message()));
    }
    if (!latest.has_value() || checkpoint->size > latest->checkpoint.size) {
      latest = MarkedCheckpoint{*std::move(checkpoint), std::string(*note), slot};
    }
  }
  if (!latest.has_value()) {
    return absl::DataLossError("neither slot of the high-water mark " + path +
                               " holds an intact checkpoint (both are damaged)");
  }
  return latest;
}

absl::StatusOr<std::unique_ptr<HighWaterMark>> HighWaterMark::Create(const std::string& path,
                                                                     std::string_view note) {
  std::string bytes;
  {
    absl::StatusOr<std::string> slot = EncodeSlot(note);
    if (!slot.ok()) return slot.status();
    bytes = *std::move(slot);
  }
  bytes.resize(2 * kSlotBytes, '\0');
  if (absl::Status written = WriteFileDurably(path, bytes); !written.ok()) return written;
  return OpenForWriting(path, /*latest_slot=*/0);
}

absl::StatusOr<std::unique_ptr<HighWaterMark>> HighWaterMark::OpenForWriting(
    const std::string& path, int latest_slot) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening the high-water mark " + path);
  return std::unique_ptr<HighWaterMark>(new HighWaterMark(path, fd, 1 - latest_slot));
}

HighWaterMark::~HighWaterMark() { close(fd_); }

absl::Status HighWaterMark::Write(std::string_view note) {
  absl::StatusOr<std::string> slot = EncodeSlot(note);
  if (!slot.ok()) return slot.status();
  if (absl::Status written = WriteAll(fd_, *slot, static_cast<off_t>(next_slot_ * kSlotBytes), path_);
      !written.ok()) {
    return written;
  }
  if (fdatasync(fd_) != 0) return ErrnoStatus(errno, "syncing the high-water mark " + path_);
  next_slot_ = 1 - next_slot_;
  return absl::OkStatus();
}

}  // namespace memoria
