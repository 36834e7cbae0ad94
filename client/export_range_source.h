// ExportRangeSource: a VerifiedRangeSource (ledger/verify/range_source.h)
// over the server's export stream (verified_export.h): the records [begin,
// end) as the results of an empty filter with that index range, proven
// against the server's signed checkpoint of the requested checkpoint's size,
// whose root must be the requested checkpoint's (a verification failure,
// "fork", otherwise). Records come in a bounded number of calls (one per
// records_per_call), not one proof call per record; trust records of the
// stream are skipped. Records the server leaves out or sends out of order
// are a verification failure naming the index expected.
//
//   ExportRangeSource source(client);
//   RETURN_IF_ERROR(source.ReadRange(checkpoint, 100, 200, visit));
#pragma once

#include "client/ledger_client.h"
#include "ledger/verify/range_source.h"

namespace memoria::client {

class ExportRangeSource final : public VerifiedRangeSource {
 public:
  // `client` (borrowed; must outlive the source) needs the pinned log key.
  explicit ExportRangeSource(LedgerClient& client) : client_(client) {}

  absl::Status ReadRange(
      const Checkpoint& checkpoint, uint64_t begin, uint64_t end,
      const std::function<absl::Status(uint64_t index, std::string_view leaf)>& visit) override;

 private:
  LedgerClient& client_;
};

}  // namespace memoria::client
