#include "client/verified_export.h"

#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "ledger/merkle.h"
#include "ledger/status.h"

namespace memoria::client {

absl::Status RunVerifiedExport(LedgerClient& client, const v1::ExportRequest& request,
                               std::string_view reader_token,
                               const VerifiedExportHandlers& handlers) {
  if (!client.options().log_key.has_value()) {
    return absl::FailedPreconditionError("an export needs the pinned log key (--log-key)");
  }
  const Verifier& log_key = *client.options().log_key;
  bool has_header = false;
  std::optional<Checkpoint> checkpoint;
  std::optional<InclusionVerifier> proofs;
  const auto on_item = [&](v1::ExportItem& item) -> absl::Status {
    if (item.has_header()) {
      if (has_header) return absl::DataLossError("the server sent a second export header");
      has_header = true;
      const v1::ExportHeader& header = item.header();
      absl::StatusOr<Checkpoint> opened = OpenCheckpoint(header.checkpoint(), log_key);
      if (!opened.ok()) {
        return VerificationFailure("the export's checkpoint does not verify under the pinned log key",
                                   opened.status());
      }
      if (opened->size != header.tree_size()) {
        return VerificationFailure(absl::StatusCode::kDataLoss,
                                   "the export's checkpoint is not of the size it claims");
      }
      // Consistent with what this client trusted before (fork, rollback).
      ASSIGN_OR_RETURN(TrustedCheckpoint trusted, client.CheckpointAt(opened->size));
      if (trusted.checkpoint.root != opened->root) {
        return VerificationFailure(absl::StatusCode::kDataLoss,
                                   "the export's checkpoint differs from the log's signed "
                                   "checkpoint of the same size: fork");
      }
      checkpoint = *std::move(opened);
      proofs.emplace(checkpoint->size, checkpoint->root);
      if (handlers.on_header) RETURN_IF_ERROR(handlers.on_header(header, *checkpoint));
    }
    if (!checkpoint.has_value()) return absl::DataLossError("the export stream has no header");
    for (v1::ExportedRecord& record : *item.mutable_records()) {
      VerifiedExportRecord verified;
      verified.trust = record.trust();
      verified.index = record.index();
      ASSIGN_OR_RETURN(verified.proof, ProofHashes(record.inclusion_proof()));
      verified.leaf_hash = LeafHash(record.leaf());
      if (absl::Status included = proofs->Verify(verified.index, verified.leaf_hash, verified.proof);
          !included.ok()) {
        return VerificationFailure(absl::StrCat("record ", verified.index,
                                                " is not included in checkpoint ", checkpoint->size),
                                   included);
      }
      verified.personal_data.assign(std::make_move_iterator(record.mutable_personal_data()->begin()),
                                    std::make_move_iterator(record.mutable_personal_data()->end()));
      verified.leaf = std::move(*record.mutable_leaf());
      if (handlers.on_record) RETURN_IF_ERROR(handlers.on_record(std::move(verified)));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(client.Export(request, reader_token, on_item));
  if (!has_header) return absl::DataLossError("the export stream was empty");
  return absl::OkStatus();
}

}  // namespace memoria::client
