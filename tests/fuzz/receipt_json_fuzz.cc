// Receipt JSON (ledger/verify/receipt.h): ParseReceiptJson, then
// VerifyReceipt / ReceiptRecord under the fixed log key. Property: a parsed
// receipt, formatted again by FormatReceiptJson, parses to the same receipt
// (an empty "leaf" is written as absent).
#include <cstddef>
#include <cstdint>

#include "ledger/hash.h"
#include "ledger/verify/receipt.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/receipt_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);

  absl::StatusOr<Receipt> receipt = ParseReceiptJson(input);
  if (!receipt.ok()) return 0;
  v1::Receipt proto;
  proto.set_index(receipt->index);
  proto.set_leaf_hash(std::string(AsBytes(receipt->leaf_hash)));
  proto.set_tree_size(receipt->tree_size);
  for (const Hash& hash : receipt->hashes) proto.add_inclusion_proof(std::string(AsBytes(hash)));
  proto.set_checkpoint(receipt->checkpoint);
  if (receipt->leaf.has_value()) proto.set_leaf(*receipt->leaf);
  const std::string json = FormatReceiptJson(proto);
  absl::StatusOr<Receipt> again = ParseReceiptJson(json);
  FUZZ_CHECK(again.ok(), "FormatReceiptJson of a parsed receipt does not parse: " +
                             again.status().ToString() + "\n" + json);
  FUZZ_CHECK(again->index == receipt->index && again->leaf_hash == receipt->leaf_hash &&
                 again->tree_size == receipt->tree_size && again->hashes == receipt->hashes &&
                 again->checkpoint == receipt->checkpoint &&
                 again->leaf.value_or("") == receipt->leaf.value_or(""),
             "receipt JSON round trip changed the receipt");
  absl::StatusOr<Receipt> from_proto = ReceiptFromProto(proto);
  FUZZ_CHECK(from_proto.ok() && from_proto->hashes == receipt->hashes,
             "ReceiptFromProto disagrees with the JSON");
  fuzz::CheckParsedReceipt(*receipt);
  return 0;
}
