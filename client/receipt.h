// Receipts: proof that an entry is in the log, checkable offline with the
// log's vkey alone, and their C2SP tlog-proof text form
// (c2sp.org/tlog-proof@v1):
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of the record's leaf bytes>      (optional)
//   index <N>
//   <base64 inclusion proof hash>                   (zero or more, leaf side first)
//   <blank line>
//   <the signed checkpoint note, verbatim>
//
// memoria puts the exact leaf (record) bytes in `extra` when it has them, so
// a verifier recomputes the leaf hash itself: SHA-256(0x00 || leaf).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria::client {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

// Checks a receipt offline: the checkpoint opens under `log_key`, its size is
// the receipt's tree_size, and the inclusion proof takes leaf_hash at index to
// the checkpoint's root. Returns the checkpoint. Failures are verification
// failures (client/errors.h) naming what failed.
absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key);

struct TlogProof {
  std::optional<std::string> extra;  // decoded bytes
  uint64_t index = 0;
  std::vector<Hash> hashes;
  std::string checkpoint;  // signed note text
};

// The tlog-proof text of a receipt (no extra) or of a proof with leaf bytes.
std::string FormatTlogProof(const TlogProof& proof);
TlogProof TlogProofFromReceipt(const v1::Receipt& receipt);

// Parses tlog-proof text; INVALID_ARGUMENT naming the line that is wrong.
// The checkpoint is not opened here.
absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text);

}  // namespace memoria::client
