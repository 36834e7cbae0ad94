// The body of a C2SP tlog-witness add-checkpoint request
// (https://c2sp.org/tlog-witness):
//
//   old <size>\n            decimal, no leading zeros ("0" for zero)
//   <base64 hash>\n         zero to 63 consistency proof lines
//   \n
//   <signed checkpoint note>
//
// and of its 409 Conflict answer, the size of the latest checkpoint the
// witness cosigned for the log (Content-Type text/x.tlog.size):
//
//   <size>\n
//
// The witness (witness/) parses requests and formats sizes; a log asking for
// cosignatures (server/witnessing.h) does the reverse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/hash.h"

namespace memoria {

inline constexpr size_t kMaxConsistencyProofLines = 63;
inline constexpr std::string_view kTlogSizeContentType = "text/x.tlog.size";

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note, as sent
};

// INVALID_ARGUMENT with the reason if `body` is not such a request (the
// checkpoint note itself is checked later, by the witness).
absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body);

// The request text for `request` (what a log sends).
std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request);

// The body of a 409 answer: the size in decimal and a newline.
std::string FormatTlogSize(uint64_t size);
// Parses a 409 answer's body (a trailing newline optional). INVALID_ARGUMENT
// if it is not a decimal size without leading zeros.
absl::StatusOr<uint64_t> ParseTlogSize(std::string_view body);

}  // namespace memoria
