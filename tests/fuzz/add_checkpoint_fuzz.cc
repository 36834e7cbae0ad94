// The tlog-witness add-checkpoint request body
// (ledger/add_checkpoint_request.h). Property:
// parse(format(parse(x))) == parse(x).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.h"
#include "ledger/add_checkpoint_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  absl::StatusOr<AddCheckpointRequest> request =
      ParseAddCheckpointRequest(memoria::fuzz::AsText(data, size));
  if (!request.ok()) return 0;
  FUZZ_CHECK(request->proof.size() <= kMaxConsistencyProofLines, "too many proof lines accepted");
  const std::string text = FormatAddCheckpointRequest(*request);
  absl::StatusOr<AddCheckpointRequest> again = ParseAddCheckpointRequest(text);
  FUZZ_CHECK(again.ok(), "a formatted request does not parse: " + again.status().ToString());
  FUZZ_CHECK(again->old_size == request->old_size && again->proof == request->proof &&
                 again->checkpoint == request->checkpoint,
             "add-checkpoint round trip changed the request");
  FUZZ_CHECK(FormatAddCheckpointRequest(*again) == text, "formatting is not stable");
  return 0;
}
