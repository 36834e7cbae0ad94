// The body of a C2SP tlog-witness add-checkpoint request
// (https://c2sp.org/tlog-witness):
//
//   old <size>\n            decimal, no leading zeros ("0" for zero)
//   <base64 hash>\n         zero to 63 consistency proof lines
//   \n
//   <signed checkpoint note>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/hash.h"

namespace memoria::witness {

inline constexpr size_t kMaxConsistencyProofLines = 63;

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

}  // namespace memoria::witness
