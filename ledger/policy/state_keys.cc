#include "ledger/policy/state_keys.h"

#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/encoding.h"

namespace memoria::policy {

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AccountKey(const v1::AccountRef& account) {
  std::string_view handle = account.handle();
  if (!handle.empty() && handle.front() == '@') handle.remove_prefix(1);
  return absl::StrFormat("%02d:%s", static_cast<int>(account.platform()), LowerAscii(handle));
}

std::string NormalizeName(std::string_view name) {
  static constexpr std::pair<std::string_view, char> kAccents[] = {
      {"á", 'a'}, {"é", 'e'}, {"í", 'i'}, {"ó", 'o'}, {"ú", 'u'}, {"ü", 'u'}, {"ñ", 'n'},
      {"Á", 'a'}, {"É", 'e'}, {"Í", 'i'}, {"Ó", 'o'}, {"Ú", 'u'}, {"Ü", 'u'}, {"Ñ", 'n'}};
  std::string out;
  bool space = false;
  for (size_t i = 0; i < name.size();) {
    bool replaced = false;
    for (const auto& [accent, plain] : kAccents) {
      if (name.substr(i, accent.size()) == accent) {
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(plain);
        i += accent.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    const char c = name[i++];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool IsComunicacionSocial(std::string_view dependency) {
  return NormalizeName(dependency).find("comunicacion social") != std::string::npos;
}

std::string AccountCountKey(std::string_view account_key) {
  return std::string(kAccountCountPrefix).append(account_key);
}

std::string AccountVersionKey(std::string_view account_key, uint64_t version) {
  std::string key = std::string(kAccountVersionPrefix).append(account_key);
  key.push_back('\0');
  key.append(EncodeBigEndian64(version));
  return key;
}

std::string ActivityCountKey(std::string_view account_key) {
  return std::string(kActivityCountPrefix).append(account_key);
}

std::string ActivityKey(std::string_view account_key, uint64_t n) {
  std::string key = std::string(kActivityPrefix).append(account_key);
  key.push_back('\0');
  key.append(EncodeBigEndian64(n));
  return key;
}

std::string IndexedKey(std::string_view prefix, uint64_t index) {
  return std::string(prefix).append(EncodeBigEndian64(index));
}

std::string EmploymentEndedKey(std::string_view email, uint64_t index) {
  std::string key = std::string(kEmploymentEndedPrefix).append(email);
  key.push_back('\0');
  key.append(EncodeBigEndian64(index));
  return key;
}

std::string ActorKey(std::string_view email) {
  return std::string(kActorPrefix).append(LowerAscii(email));
}

std::string PlatformApprovalKey(v1::Platform platform) {
  return absl::StrFormat("%s%02d", kPlatformApprovalPrefix, static_cast<int>(platform));
}

std::string RecordFindingKey(uint64_t index, std::string_view rule) {
  return std::string(kRecordFindingPrefix).append(EncodeBigEndian64(index)).append("/").append(rule);
}

std::string RecordFindingByRulePrefix(std::string_view rule) {
  std::string prefix = std::string(kRecordFindingByRulePrefix).append(rule);
  prefix.push_back('\0');
  return prefix;
}

uint64_t TrailingIndex(std::string_view key) {
  assert(key.size() >= 8);
  return DecodeBigEndian64(key.substr(key.size() - 8));
}

uint64_t RecordFindingIndex(std::string_view key) {
  assert(key.size() >= kRecordFindingPrefix.size() + 8);
  return DecodeBigEndian64(key.substr(kRecordFindingPrefix.size(), 8));
}

}  // namespace memoria::policy
