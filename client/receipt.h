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
// memoria puts the exact leaf (record) bytes in `extra` (the server sends them
// in every receipt, Receipt.leaf), so a verifier recomputes the leaf hash
// itself, SHA-256(0x00 || leaf), and sees which entry the record holds.
//
// A receipt proves something about the entry a client sent only if its
// record holds that entry: VerifyReceiptFor. A genuine receipt of another
// record (from a dishonest server or a proxy) verifies under VerifyReceipt
// alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/audit.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::client {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

// Checks a receipt offline: the checkpoint opens under `log_key`, its size is
// the receipt's tree_size, the leaf (if present) hashes to leaf_hash, and the
// inclusion proof takes leaf_hash at index to the checkpoint's root. Returns
// the checkpoint. Failures are verification failures (client/errors.h)
// naming what failed. Says nothing about which entry the record holds.
absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key);

// Checks that `receipt` is the receipt of `sent`, the entry this client sent:
// the receipt carries its leaf, SHA-256(0x00 || leaf) is its leaf_hash, the
// leaf parses as a Record whose index is the receipt's and whose entry bytes,
// writer signature and writer key ID are exactly those of `sent`; then
// VerifyReceipt. Returns the checkpoint. Failures are verification failures:
// INVALID_ARGUMENT "receipt of record N carries no leaf ..." without the
// leaf; DATA_LOSS "receipt is for another entry: record N holds ..." naming
// both entries and what differs; VerifyReceipt's otherwise.
absl::StatusOr<Checkpoint> VerifyReceiptFor(const v1::Receipt& receipt,
                                            const v1::SignedEntry& sent, const Verifier& log_key);

// The record a receipt carries (the ledger's offline form, ledger/audit.h):
// its leaf present, hashing to leaf_hash, parsing as a Record at the
// receipt's index. Verification failures otherwise (INVALID_ARGUMENT without
// a leaf or for bytes that are not a record, DATA_LOSS for a wrong hash or
// index). The checkpoint and proof are not checked here (memoria::VerifyReceipt).
absl::StatusOr<v1::Record> ReceiptRecord(const memoria::Receipt& receipt);

// The verification failure (DATA_LOSS) for a receipt whose record `index` is
// not the entry expected: "receipt is for another entry: record <index>
// <difference>". The one wording of this failure (client and memoria-audit).
absl::Status ReceiptForAnotherEntry(uint64_t index, std::string_view difference);

// Who wrote an entry and which request it is, for messages:
// `writer svc-posts (key 1a2b3c4d), request id "r-17"`.
std::string EntryLabel(uint32_t writer_key_id, std::string_view entry_bytes);

struct TlogProof {
  std::optional<std::string> extra;  // decoded bytes
  uint64_t index = 0;
  std::vector<Hash> hashes;
  std::string checkpoint;  // signed note text
};

// The tlog-proof text of a proof; a receipt's, with its leaf as `extra` when
// it carries one.
std::string FormatTlogProof(const TlogProof& proof);
TlogProof TlogProofFromReceipt(const v1::Receipt& receipt);

// Parses tlog-proof text; INVALID_ARGUMENT naming the line that is wrong.
// The checkpoint is not opened here.
absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text);

}  // namespace memoria::client
