// A memoria::BundleSource (ledger/verify/bundle.h) over a LedgerClient: a live
// server as memoria-audit (which recomputes everything) reads it. The data is
// passed through unchecked: the auditor verifies every record. (`memoria
// export` writes its bundle from the Export stream instead: range_export.h.) What an auditor needs beyond
// this concept (consistency proofs, the Watch stream) is on LedgerClient
// (FetchConsistencyProof, WatchLeaves).
//
// Errors: LedgerClient's (the gRPC status with its code, marked kServer);
// INVALID_ARGUMENT if a proof hash is not 32 bytes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "client/ledger_client.h"
#include "ledger/verify/bundle.h"

namespace memoria::client {

class LedgerBundleSource final : public BundleSource {
 public:
  // `client` is borrowed and must outlive this source.
  explicit LedgerBundleSource(LedgerClient& client) : client_(client) {}

  absl::StatusOr<std::string> LatestCheckpoint() override;
  absl::StatusOr<std::string> AdminVkey() override;
  absl::StatusOr<std::vector<v1::WriterInfo>> Writers() override;
  absl::Status ScanRecords(uint64_t begin, uint64_t end,
                           const std::function<absl::Status(uint64_t, std::string)>& visit) override;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) override;

 private:
  LedgerClient& client_;
};

}  // namespace memoria::client
