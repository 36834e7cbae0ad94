// The client's receipt checks: ledger/verify/receipt.h (the one receipt
// module: JSON and tlog-proof forms, parsing, verification) applied to the
// memoria.v1.Receipt a server sends, with every failure marked as a
// verification failure (client/errors.h) so that callers tell it from a
// server error.
//
// A receipt proves something about the entry a client sent only if its
// record holds that entry: VerifyReceiptFor. A genuine receipt of another
// record (from a dishonest server or a proxy) verifies under VerifyReceipt
// alone.
#pragma once

#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "ledger/verify/receipt.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria::client {

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

}  // namespace memoria::client
