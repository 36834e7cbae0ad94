#include "ledger/verify/auditor_resume.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/encoding.h"

namespace memoria {
namespace {

constexpr char kHeader[] = "memoria-auditor-resume-v1";

absl::StatusOr<Hash> DecodeHash(std::string_view text) {
  absl::StatusOr<std::string> bytes = Base64Decode(text);
  if (!bytes.ok() || bytes->size() != 32) return absl::InvalidArgumentError("not a base64 hash");
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(hash.data()));
  return hash;
}

}  // namespace

std::string EncodeAuditorResume(const AuditorResume& resume) {
  std::string text = absl::StrCat(kHeader, "\nsize ", resume.size, "\nlast-leaf-hash ",
                                  Base64Encode(AsBytes(resume.last_leaf_hash)), "\nlast-time ",
                                  resume.last_time, "\n");
  if (!resume.admin_vkey.empty()) absl::StrAppend(&text, "admin ", resume.admin_vkey, "\n");
  for (const AuditedWriter& writer : resume.writers) {
    absl::StrAppend(&text, "writer ", writer.registered_at, " ",
                    writer.revoked_at.has_value() ? absl::StrCat(*writer.revoked_at) : "-", " ",
                    writer.vkey, "\n");
  }
  for (const Hash& hash : resume.range) absl::StrAppend(&text, "range ", Base64Encode(AsBytes(hash)), "\n");
  return text;
}

absl::StatusOr<AuditorResume> DecodeAuditorResume(std::string_view text) {
  if (text.empty() || text.back() != '\n') return absl::InvalidArgumentError("cut short");
  text.remove_suffix(1);
  const std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(text.data(), text.size()), '\n');
  if (lines.empty() || lines[0] != kHeader) {
    return absl::InvalidArgumentError(absl::StrCat("does not start with ", kHeader));
  }
  AuditorResume resume;
  bool size = false, tip = false, time = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<absl::string_view> words = absl::StrSplit(lines[i], ' ');
    auto bad = [&]() {
      return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, " is malformed: ", std::string(lines[i])));
    };
    if (words.size() == 2 && words[0] == "size" && !size) {
      if (!absl::SimpleAtoi(words[1], &resume.size)) return bad();
      size = true;
    } else if (words.size() == 2 && words[0] == "last-leaf-hash" && !tip) {
      absl::StatusOr<Hash> hash = DecodeHash(std::string_view(words[1].data(), words[1].size()));
      if (!hash.ok()) return bad();
      resume.last_leaf_hash = *hash;
      tip = true;
    } else if (words.size() == 2 && words[0] == "last-time" && !time) {
      if (!absl::SimpleAtoi(words[1], &resume.last_time)) return bad();
      time = true;
    } else if (words.size() == 2 && words[0] == "admin" && resume.admin_vkey.empty()) {
      resume.admin_vkey = std::string(words[1]);
    } else if (words.size() == 4 && words[0] == "writer") {
      AuditedWriter writer{.vkey = std::string(words[3])};
      if (!absl::SimpleAtoi(words[1], &writer.registered_at)) return bad();
      if (words[2] != "-") {
        uint64_t revoked = 0;
        if (!absl::SimpleAtoi(words[2], &revoked)) return bad();
        writer.revoked_at = revoked;
      }
      resume.writers.push_back(std::move(writer));
    } else if (words.size() == 2 && words[0] == "range") {
      absl::StatusOr<Hash> hash = DecodeHash(std::string_view(words[1].data(), words[1].size()));
      if (!hash.ok()) return bad();
      resume.range.push_back(*hash);
    } else {
      return bad();
    }
  }
  if (!size || !tip || !time) return absl::InvalidArgumentError("size, last-leaf-hash or last-time missing");
  return resume;
}

}  // namespace memoria
