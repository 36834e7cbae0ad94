// C2SP tlog-proof text (ledger/verify/receipt.h): ParseTlogProof and
// ParseSavedReceipt, then VerifyReceipt / ReceiptRecord under the fixed log
// key. Property: parse(format(parse(x))) == parse(x).
#include <cstddef>
#include <cstdint>

#include "ledger/verify/receipt.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/receipt_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);

  absl::StatusOr<TlogProof> proof = ParseTlogProof(input);
  if (proof.ok()) {
    absl::StatusOr<TlogProof> again = ParseTlogProof(FormatTlogProof(*proof));
    FUZZ_CHECK(again.ok(), "FormatTlogProof of a parsed proof does not parse: " +
                               again.status().ToString());
    FUZZ_CHECK(again->extra == proof->extra && again->index == proof->index &&
                   again->hashes == proof->hashes && again->checkpoint == proof->checkpoint,
               "tlog-proof round trip changed the proof");
  }

  absl::StatusOr<Receipt> receipt = ParseSavedReceipt(input, fuzz::LogKey().verifier());
  if (receipt.ok()) fuzz::CheckParsedReceipt(*receipt);
  return 0;
}
