#include "witness/witnessed_log.h"

#include <map>

#include "ledger/encoding.h"

namespace memoria::witness {

absl::StatusOr<std::pair<std::string, Verifier>> ParseLogLine(std::string_view line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) {
    return absl::InvalidArgumentError("log must be \"ORIGIN VKEY\"");
  }
  const std::string_view origin = line.substr(0, space);
  if (!ForEachCodePoint(origin, [](uint32_t cp) { return cp >= 0x20 && cp != 0x7F; })) {
    return absl::InvalidArgumentError("log origin must be UTF-8 without control characters");
  }
  absl::StatusOr<Verifier> key = Verifier::Parse(line.substr(space + 1));
  if (!key.ok()) return key.status();
  if (key->type() != SignatureType::kEd25519) {
    return absl::InvalidArgumentError("log key of " + std::string(origin) +
                                      " must be a note signing key (type 0x01)");
  }
  return std::make_pair(std::string(origin), *std::move(key));
}

absl::StatusOr<std::vector<std::pair<std::string, Verifier>>> ParseLogsFile(std::string_view text) {
  std::vector<std::pair<std::string, Verifier>> pairs;
  size_t number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    absl::StatusOr<std::pair<std::string, Verifier>> pair = ParseLogLine(line);
    if (!pair.ok()) {
      return absl::InvalidArgumentError("line " + std::to_string(number) + ": " +
                                        std::string(pair.status().message()));
    }
    pairs.push_back(*std::move(pair));
  }
  return pairs;
}

absl::StatusOr<std::vector<WitnessedLog>> GroupLogs(
    const std::vector<std::pair<std::string, Verifier>>& pairs) {
  if (pairs.empty()) return absl::InvalidArgumentError("no log configured");
  std::vector<WitnessedLog> logs;
  std::map<std::string, size_t> index;
  for (const auto& [origin, key] : pairs) {
    auto [it, added] = index.try_emplace(origin, logs.size());
    if (added) logs.push_back(WitnessedLog{origin, {}});
    WitnessedLog& log = logs[it->second];
    for (const Verifier& known : log.keys) {
      if (known.ToString() == key.ToString()) {
        return absl::InvalidArgumentError("key " + key.ToString() + " given twice for " + origin);
      }
    }
    log.keys.push_back(key);
  }
  return logs;
}

}  // namespace memoria::witness
