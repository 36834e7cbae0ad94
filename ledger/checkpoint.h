// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the body
//
//   <origin>\n<tree size, decimal, no leading zeros>\n<base64 root hash>\n
//
// optionally followed by extension lines, carried as a signed note. memoria's
// log signs with a key whose name equals the origin.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "ledger/keys.h"

namespace memoria {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extra body lines, without '\n'

  std::string Body() const;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// Parses a checkpoint body (the note text). INVALID_ARGUMENT if malformed.
absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view body);

// Signs the body as a note with the log key.
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const Signer& log_key);

// Opens a signed checkpoint under `log_key` (OpenNote's errors) and parses its
// body; INVALID_ARGUMENT if the origin differs from the key's name.
absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const Verifier& log_key);

}  // namespace memoria
