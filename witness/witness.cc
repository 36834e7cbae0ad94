#include "witness/witness.h"

#include <algorithm>
#include <utility>

#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify/cosignature.h"
#include "ledger/add_checkpoint_request.h"

namespace memoria::witness {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 and a space

WitnessResponse Answer(int status, std::string body) {
  WitnessResponse response;
  response.status = status;
  response.body = std::move(body);
  if (!response.body.empty() && response.body.back() != '\n') response.body.push_back('\n');
  return response;
}

std::string SignatureLine(const NoteSignature& signature) {
  return std::string(kSignaturePrefix) + signature.name + " " +
         Base64Encode(EncodeBigEndian32(signature.key_id) + signature.signature) + "\n";
}

// The size and root of a stored note (what the witness last cosigned).
absl::StatusOr<Checkpoint> ParseStored(std::string_view note, std::string_view origin) {
  absl::StatusOr<OpenedNote> parsed = ParseNote(note);
  if (!parsed.ok()) return absl::DataLossError("stored checkpoint: " + std::string(parsed.status().message()));
  absl::StatusOr<Checkpoint> checkpoint = ParseCheckpointBody(parsed->text);
  if (!checkpoint.ok()) {
    return absl::DataLossError("stored checkpoint: " + std::string(checkpoint.status().message()));
  }
  if (checkpoint->origin != origin) {
    return absl::DataLossError("stored checkpoint of " + std::string(origin) + " has origin " +
                               checkpoint->origin);
  }
  return checkpoint;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(Signer key, std::vector<WitnessedLog> logs,
                                                       std::string data_dir, const Clock& clock) {
  if (key.type() != SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError("the witness key must be a cosignature/v1 key (type 0x04)");
  }
  absl::StatusOr<WitnessStore> store = WitnessStore::Open(std::move(data_dir));
  if (!store.ok()) return store.status();
  std::unique_ptr<Witness> witness(new Witness(std::move(key), *std::move(store), clock));
  for (WitnessedLog& config : logs) {
    if (config.keys.empty()) return absl::InvalidArgumentError("log " + config.origin + " has no key");
    auto state = std::make_unique<LogState>();
    absl::StatusOr<std::optional<std::string>> stored = witness->store_.LoadCheckpoint(config.origin);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      absl::StatusOr<Checkpoint> checkpoint = ParseStored(**stored, config.origin);
      if (!checkpoint.ok()) return checkpoint.status();
      absl::MutexLock lock(&state->mu);
      state->size = checkpoint->size;
      state->root = checkpoint->root;
      state->note = **std::move(stored);
    }
    const std::string origin = config.origin;
    state->config = std::move(config);
    witness->by_origin_hash_[OriginHash(origin)] = state.get();
    if (!witness->logs_.emplace(origin, std::move(state)).second) {
      return absl::InvalidArgumentError("log " + origin + " configured twice");
    }
  }
  return witness;
}

WitnessResponse Witness::AddCheckpoint(std::string_view request_body) {
  absl::StatusOr<AddCheckpointRequest> request = ParseAddCheckpointRequest(request_body);
  if (!request.ok()) return Answer(kStatusBadRequest, std::string(request.status().message()));
  return AddCheckpoint(request->old_size, request->proof, request->checkpoint);
}

WitnessResponse Witness::AddCheckpoint(uint64_t old_size, std::span<const Hash> proof,
                                       std::string_view signed_checkpoint) {
  if (proof.size() > kMaxConsistencyProofLines) {
    return Answer(kStatusBadRequest, "more than 63 consistency proof lines");
  }
  absl::StatusOr<OpenedNote> parsed = ParseNote(signed_checkpoint);
  if (!parsed.ok()) return Answer(kStatusBadRequest, std::string(parsed.status().message()));
  const std::string origin = parsed->text.substr(0, parsed->text.find('\n'));
  const auto found = logs_.find(origin);
  if (found == logs_.end()) return Answer(kStatusNotFound, "unknown log origin");
  LogState& log = *found->second;

  absl::StatusOr<OpenedNote> opened = OpenNote(signed_checkpoint, log.config.keys);
  if (!opened.ok()) return Answer(kStatusForbidden, std::string(opened.status().message()));
  absl::StatusOr<Checkpoint> checkpoint = ParseCheckpointBody(opened->text);
  if (!checkpoint.ok()) return Answer(kStatusBadRequest, std::string(checkpoint.status().message()));
  if (old_size > checkpoint->size) {
    return Answer(kStatusBadRequest, "old size " + std::to_string(old_size) +
                                         " exceeds the checkpoint size " +
                                         std::to_string(checkpoint->size));
  }

  absl::MutexLock lock(&log.mu);
  if (old_size != log.size) {
    WitnessResponse conflict = Answer(kStatusConflict, FormatTlogSize(log.size));
    conflict.content_type = std::string(kTlogSizeContentType);
    return conflict;
  }
  std::string inconsistency;
  if (checkpoint->size == 0 && checkpoint->root != EmptyRoot()) {
    inconsistency = "a checkpoint of size 0 must have the empty tree's root";
  } else if (old_size == 0 && !proof.empty()) {
    return Answer(kStatusUnprocessable, "a consistency proof from size 0 must be empty");
  } else if (old_size == checkpoint->size) {
    if (checkpoint->root != log.root && old_size != 0) {
      inconsistency = "same size as the cosigned checkpoint but another root hash";
    } else if (!proof.empty()) {
      return Answer(kStatusUnprocessable, "a consistency proof between equal sizes must be empty");
    }
  } else if (old_size != 0) {
    if (absl::Status s = VerifyConsistency(old_size, checkpoint->size, log.root, checkpoint->root, proof);
        !s.ok()) {
      inconsistency = "the consistency proof does not verify: " + std::string(s.message());
    }
  }
  if (!inconsistency.empty()) {
    KeepEvidence(log, log.note, old_size, proof, signed_checkpoint, inconsistency);
    return Answer(kStatusUnprocessable, inconsistency);
  }

  const uint64_t now = static_cast<uint64_t>(std::max<int64_t>(clock_.NowMicros() / 1000000, 1));
  absl::StatusOr<std::string> cosignature = CosignCheckpoint(opened->text, now, key_);
  if (!cosignature.ok()) return Answer(kStatusInternalError, std::string(cosignature.status().message()));
  std::string note = opened->text + "\n";
  for (const NoteSignature& signature : opened->verified) note += SignatureLine(signature);
  note += *cosignature;
  if (absl::Status saved = store_.SaveCheckpoint(origin, note); !saved.ok()) {
    return Answer(kStatusInternalError, "cannot persist the checkpoint: " + std::string(saved.message()));
  }
  log.size = checkpoint->size;
  log.root = checkpoint->root;
  log.note = std::move(note);
  return Answer(kStatusOk, *std::move(cosignature));
}

void Witness::KeepEvidence(const LogState& log, std::string_view stored_note, uint64_t old_size,
                           std::span<const Hash> proof, std::string_view submitted,
                           std::string_view reason) {
  AddCheckpointRequest request;
  request.old_size = old_size;
  request.proof.assign(proof.begin(), proof.end());
  request.checkpoint = std::string(submitted);
  std::string text = "memoria-witness evidence\norigin " + log.config.origin + "\nreason " +
                     std::string(reason) + "\n\n-- cosigned checkpoint held by the witness\n" +
                     std::string(stored_note) + "\n-- add-checkpoint request refused\n" +
                     FormatAddCheckpointRequest(request);
  // Keeping evidence is best effort: the answer (422) does not depend on it.
  (void)store_.SaveEvidence(log.config.origin, text, clock_.NowMicros());
}

std::optional<std::string> Witness::LatestCheckpoint(std::string_view origin_hash) const {
  const auto found = by_origin_hash_.find(origin_hash);
  if (found == by_origin_hash_.end()) return std::nullopt;
  absl::MutexLock lock(&found->second->mu);
  if (found->second->note.empty()) return std::nullopt;
  return found->second->note;
}

absl::StatusOr<uint64_t> Witness::CosignedSize(std::string_view origin) const {
  const auto found = logs_.find(origin);
  if (found == logs_.end()) return absl::NotFoundError("unknown log origin " + std::string(origin));
  absl::MutexLock lock(&found->second->mu);
  return found->second->size;
}

}  // namespace memoria::witness
