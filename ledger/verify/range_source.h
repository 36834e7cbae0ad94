// VerifiedRangeSource: "give me the records [begin, end) of the log, each
// proven included in this checkpoint". What a completeness check
// (memoria-audit verify --bundle ... --server) reads the searched range of a
// request from, without trusting whoever serves it. Implementations: the gRPC
// server's export stream (client/export_range_source.h); a tlog-tiles reader
// (entry bundles checked against the tiles' hashes under the checkpoint) can
// be one too (`--tiles URL`).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/checkpoint.h"

namespace memoria {

class VerifiedRangeSource {
 public:
  virtual ~VerifiedRangeSource() = default;

  // Calls `visit(index, leaf bytes)` for each record begin, begin + 1, ...,
  // end - 1, in that order, each one's leaf hash first proven included in
  // `checkpoint` (already opened under the pinned log key by the caller), or
  // in a newer checkpoint proven consistent with it. Stops at the first error
  // `visit` returns and returns it. A record that cannot be proven, or a
  // source that disagrees with `checkpoint`, is a verification failure
  // naming what failed; an unreachable source is its transport's error.
  // Callers still check that the indexes come in order, with no gap.
  virtual absl::Status ReadRange(
      const Checkpoint& checkpoint, uint64_t begin, uint64_t end,
      const std::function<absl::Status(uint64_t index, std::string_view leaf)>& visit) = 0;
};

}  // namespace memoria
