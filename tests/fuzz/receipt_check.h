// What the receipt targets check of any receipt that parses: verification
// under the fixed log key, the record it carries, and that a record holds
// the entry it holds (the functions must agree with each other).
#pragma once

#include "ledger/record.h"
#include "ledger/verify/receipt.h"
#include "tests/fuzz/fuzz_support.h"

namespace memoria::fuzz {

inline void CheckParsedReceipt(const Receipt& receipt) {
  const Verifier& log = LogKey().verifier();
  absl::StatusOr<Checkpoint> checkpoint = VerifyReceipt(receipt, log);
  if (checkpoint.ok()) {
    FUZZ_CHECK(checkpoint->size == receipt.tree_size, "verified a receipt of another tree size");
    FUZZ_CHECK(receipt.index < receipt.tree_size, "verified a receipt beyond its tree");
  }
  absl::StatusOr<v1::Record> record = ReceiptRecord(receipt);
  if (!record.ok()) return;
  FUZZ_CHECK(receipt.leaf.has_value() && LeafHash(*receipt.leaf) == receipt.leaf_hash,
             "ReceiptRecord accepted a leaf that does not hash to leaf_hash");
  v1::SignedEntry sent;
  sent.set_entry(record->entry());
  sent.set_signature(record->writer_signature());
  sent.set_key_id(record->writer_key_id());
  FUZZ_CHECK(CheckReceiptHolds(receipt.index, *record, sent).ok(),
             "a record does not hold its own entry");
  sent.set_key_id(record->writer_key_id() ^ 1);
  FUZZ_CHECK(!CheckReceiptHolds(receipt.index, *record, sent).ok(),
             "a record holds an entry of another key ID");
  (void)CheckExpectedEntry(receipt.index, *record, WriterKey().verifier(), "r-1");
  (void)EntryLabel(record->writer_key_id(), record->entry());
}

}  // namespace memoria::fuzz
