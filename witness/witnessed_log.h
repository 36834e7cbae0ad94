// The logs a witness cosigns: each by its origin (the checkpoint's first line)
// and the verifier keys it trusts for that origin. Configured on the command
// line (`--log "ORIGIN VKEY"`, repeatable) or in a file of such lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/keys.h"

namespace memoria::witness {

struct WitnessedLog {
  std::string origin;
  std::vector<Verifier> keys;  // plain Ed25519 note keys (type 0x01)
};

// Parses "ORIGIN VKEY" (one space between; the vkey of type 0x01).
// INVALID_ARGUMENT with the reason if malformed.
absl::StatusOr<std::pair<std::string, Verifier>> ParseLogLine(std::string_view line);

// Parses a logs file: one "ORIGIN VKEY" per line; blank lines and lines
// starting with '#' are skipped. INVALID_ARGUMENT naming the line number.
absl::StatusOr<std::vector<std::pair<std::string, Verifier>>> ParseLogsFile(std::string_view text);

// Groups (origin, key) pairs by origin, in first-seen order. INVALID_ARGUMENT
// if a key is given twice for the same origin or no pair is given.
absl::StatusOr<std::vector<WitnessedLog>> GroupLogs(
    const std::vector<std::pair<std::string, Verifier>>& pairs);

}  // namespace memoria::witness
