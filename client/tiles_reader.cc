#include "client/tiles_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/checkpoint_tracker.h"

namespace memoria::client {
namespace {

// The kind of an error of the tiles reader: the host's answers (and silences)
// are server errors; what disagrees with a signature or a root is a
// verification failure.
absl::Status Classify(const absl::Status& status) {
  if (status.ok()) return status;
  switch (status.code()) {
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kPermissionDenied:
      return VerificationFailure(status.code(), std::string(status.message()));
    case absl::StatusCode::kInvalidArgument:
      // A checkpoint that does not parse as one.
      return VerificationFailure(status.code(), std::string(status.message()));
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return MarkServerError(status);
    default:
      return status;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TilesReader>> TilesReader::Open(const std::string& location,
                                                               const Verifier& log_key,
                                                               const std::string& state_file,
                                                               const TileHttpOptions& http) {
  ASSIGN_OR_RETURN(std::unique_ptr<TileSource> source, OpenTileSource(location, http));
  ASSIGN_OR_RETURN(TrustedState state, TrustedState::Load(state_file, log_key));
  return std::make_unique<TilesReader>(std::move(source), log_key, std::move(state));
}

TilesReader::TilesReader(std::unique_ptr<TileSource> source, Verifier log_key, TrustedState state)
    : source_(std::move(source)),
      log_key_(std::move(log_key)),
      state_(std::move(state)),
      tiles_(*source_, log_key_) {}

absl::StatusOr<TrustedCheckpoint> TilesReader::Update() {
  absl::StatusOr<TrustedCheckpoint> latest = tiles_.FetchCheckpoint();
  if (!latest.ok()) return Classify(latest.status());
  CheckpointTracker tracker(log_key_, state_.current());
  absl::Status proof_error;
  absl::StatusOr<CheckpointJudgement> judged =
      tracker.Judge(*latest, [&](uint64_t first, uint64_t second) -> absl::StatusOr<std::vector<Hash>> {
        absl::StatusOr<std::vector<Hash>> proof = tiles_.ConsistencyProof(first, second);
        if (!proof.ok()) proof_error = proof.status();
        return proof;
      });
  if (!proof_error.ok()) {
    return Classify(absl::Status(proof_error.code(),
                                 absl::StrCat("consistency proof from the tiles: ",
                                              std::string(proof_error.message()))));
  }
  if (!judged.ok()) return Classify(judged.status());
  if (judged->evidence.has_value()) {
    const CheckpointEvidence& evidence = *judged->evidence;
    const uint64_t trusted = evidence.trusted.checkpoint.size;
    const uint64_t presented = evidence.presented.checkpoint.size;
    if (evidence.kind == CheckpointEvidence::Kind::kRollback) {
      return VerificationFailure(absl::StatusCode::kFailedPrecondition,
                                 absl::StrCat("rollback: the tiles' checkpoint signs ", presented,
                                              " records, fewer than the trusted ", trusted));
    }
    return VerificationFailure(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("fork: the tiles' checkpoint of ", presented,
                     " records is not consistent with the trusted checkpoint of ", trusted,
                     evidence.proof_failure.ok()
                         ? std::string()
                         : absl::StrCat(": ", std::string(evidence.proof_failure.message()))));
  }
  if (latest->checkpoint.size > state_.size() || !state_.current().has_value()) {
    RETURN_IF_ERROR(state_.Advance(*latest));
  }
  return *state_.current();
}

absl::StatusOr<VerifiedRecord> TilesReader::GetRecord(uint64_t index) {
  ASSIGN_OR_RETURN(TrustedCheckpoint trusted, Update());
  absl::StatusOr<ProvenLeaf> leaf = tiles_.ReadLeaf(index, trusted.checkpoint);
  if (absl::IsOutOfRange(leaf.status())) return leaf.status();
  if (!leaf.ok()) return Classify(leaf.status());
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf->leaf);
  if (!record.ok()) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("record ", index, " does not parse: ",
                                            std::string(record.status().message())));
  }
  return VerifiedRecord{.index = index,
                        .leaf = std::move(leaf->leaf),
                        .leaf_hash = leaf->leaf_hash,
                        .record = *std::move(record),
                        .tree_size = trusted.checkpoint.size};
}

absl::StatusOr<VerifiedRecord> TilesReader::VerifyReceipt(const Receipt& receipt) {
  if (!receipt.leaf.has_value()) {
    return VerificationFailure(absl::StatusCode::kInvalidArgument,
                               absl::StrCat("receipt of record ", receipt.index,
                                            " carries no leaf"));
  }
  absl::StatusOr<Checkpoint> checked = memoria::VerifyReceipt(receipt, log_key_);
  if (!checked.ok()) return VerificationFailure("receipt", checked.status());
  const Checkpoint& signed_by_receipt = *checked;
  ASSIGN_OR_RETURN(TrustedCheckpoint latest, Update());
  const Checkpoint& now = latest.checkpoint;
  if (now.size < signed_by_receipt.size) {
    return VerificationFailure(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("rollback: the tiles' checkpoint signs ", now.size,
                     " records, fewer than the receipt's ", signed_by_receipt.size));
  }
  absl::Status consistent;
  if (now.size == signed_by_receipt.size) {
    if (now.root != signed_by_receipt.root) {
      consistent = absl::DataLossError("another root at the same size");
    }
  } else {
    absl::StatusOr<std::vector<Hash>> proof =
        tiles_.ConsistencyProof(signed_by_receipt.size, now.size);
    if (!proof.ok()) return Classify(proof.status());
    consistent = VerifyConsistency(signed_by_receipt.size, now.size, signed_by_receipt.root,
                                   now.root, *proof);
  }
  if (!consistent.ok()) {
    return VerificationFailure(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("fork: the receipt's checkpoint of ", signed_by_receipt.size,
                     " records is not consistent with the tiles' of ", now.size, ": ",
                     std::string(consistent.message())));
  }
  ASSIGN_OR_RETURN(VerifiedRecord record, GetRecord(receipt.index));
  if (record.leaf != *receipt.leaf) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("record ", receipt.index,
                                            " in the tiles is not the receipt's leaf"));
  }
  return record;
}

}  // namespace memoria::client
