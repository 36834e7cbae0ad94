#include "client/bundle_source.h"

#include "ledger/status.h"

namespace memoria::client {

absl::StatusOr<std::string> LedgerBundleSource::LatestCheckpoint() {
  ASSIGN_OR_RETURN(v1::CheckpointResponse checkpoint, client_.FetchCheckpoint(0));
  return checkpoint.note();
}

absl::StatusOr<std::string> LedgerBundleSource::AdminVkey() {
  ASSIGN_OR_RETURN(v1::Info info, client_.GetInfo());
  return info.admin_vkey();
}

absl::StatusOr<std::vector<v1::WriterInfo>> LedgerBundleSource::Writers() {
  ASSIGN_OR_RETURN(v1::Info info, client_.GetInfo());
  return std::vector<v1::WriterInfo>(info.writers().begin(), info.writers().end());
}

absl::Status LedgerBundleSource::ScanRecords(
    uint64_t begin, uint64_t end, const std::function<absl::Status(uint64_t, std::string)>& visit) {
  return client_.ScanLeaves(begin, end, visit);
}

absl::StatusOr<std::vector<Hash>> LedgerBundleSource::InclusionProof(uint64_t index,
                                                                     uint64_t tree_size) {
  ASSIGN_OR_RETURN(v1::InclusionProof proof, client_.FetchInclusionProof(index, tree_size));
  return ProofHashes(proof.hashes());
}

}  // namespace memoria::client
