#include "client/ledger_client.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <utility>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/grpc_status.h"
#include "client/receipt.h"
#include "client/witness_check.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/checkpoint_tracker.h"

namespace memoria::client {
namespace {

// Records Watch verifies together when reads are not split into calls
// (records_per_call 0): bounds what it holds before handing them on.
constexpr uint64_t kRecordsPerRun = 8192;

// How often WitnessReceipt asks for the witnessed checkpoint.
constexpr absl::Duration kWitnessPoll = absl::Milliseconds(100);

absl::StatusOr<std::vector<Hash>> ParseHashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes, std::string_view what) {
  absl::StatusOr<std::vector<Hash>> parsed = ProofHashes(hashes);
  if (!parsed.ok()) return VerificationFailure(what, parsed.status());
  return parsed;
}

std::string B64(const Hash& hash) { return Base64Encode(AsBytes(hash)); }

// The record in `leaf`, which must say it is record `index`.
absl::StatusOr<v1::Record> DecodeRecordAt(uint64_t index, std::string_view leaf) {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  if (!record.ok()) {
    return VerificationFailure(absl::StrCat("record ", index, " is malformed"), record.status());
  }
  if (record->index() != index) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("record ", index, " says it is record ",
                                            record->index()));
  }
  return record;
}

// Checks each record's chain link to the record before it: to the zero hash
// for record 0; the first record of a range that starts later has its
// predecessor outside the range.
class ChainFollower {
 public:
  absl::Status Follow(const VerifiedRecord& record) {
    if (previous_.has_value() || record.index == 0) {
      absl::Status linked = CheckChainLink(
          record.record, record.index, previous_ ? previous_->leaf_hash : Hash{},
          previous_ ? previous_->time_micros : std::numeric_limits<int64_t>::min());
      if (!linked.ok()) return VerificationFailure("chain", linked);
    }
    previous_ = Link{record.leaf_hash, record.record.integration_time_micros()};
    return absl::OkStatus();
  }

 private:
  struct Link {
    Hash leaf_hash;
    int64_t time_micros;
  };
  std::optional<Link> previous_;
};

}  // namespace

absl::StatusOr<std::vector<Hash>> ProofHashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  std::vector<Hash> parsed;
  parsed.reserve(static_cast<size_t>(hashes.size()));
  for (const std::string& hash : hashes) {
    ASSIGN_OR_RETURN(parsed.emplace_back(), HashFromBytes(hash));
  }
  return parsed;
}

absl::StatusOr<std::unique_ptr<LedgerClient>> LedgerClient::Create(ClientOptions options) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, OpenChannel(options.connection));
  return Create(std::move(options), std::move(channel));
}

absl::StatusOr<std::unique_ptr<LedgerClient>> LedgerClient::Create(
    ClientOptions options, std::shared_ptr<grpc::Channel> channel) {
  ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport,
                   Transport::Create(options, std::move(channel)));
  TrustedState state;
  if (!options.state_file.empty()) {
    if (!options.log_key.has_value()) {
      return absl::InvalidArgumentError("a state file needs a pinned log key (--log-key)");
    }
    ASSIGN_OR_RETURN(state, TrustedState::Load(options.state_file, *options.log_key));
  }
  return std::unique_ptr<LedgerClient>(
      new LedgerClient(std::move(options), std::move(transport), std::move(state)));
}

LedgerClient::LedgerClient(ClientOptions options, std::unique_ptr<Transport> transport,
                           TrustedState state)
    : options_(std::move(options)), transport_(std::move(transport)), state_(std::move(state)) {}

const WitnessPolicy* LedgerClient::Policy() const {
  if (!options_.witness_policy.has_value() || !options_.log_key.has_value()) return nullptr;
  return &*options_.witness_policy;
}

absl::StatusOr<const Verifier*> LedgerClient::LogKey() const {
  if (!options_.log_key.has_value()) {
    return absl::FailedPreconditionError(
        "verification needs the log's key: pin it with --log-key (see `memoria info`)");
  }
  return &*options_.log_key;
}

// ---- Writing ----------------------------------------------------------------------

absl::StatusOr<v1::Receipt> LedgerClient::Append(const v1::SignedEntry& entry) {
  v1::AppendRequest request;
  *request.mutable_entry() = entry;
  ASSIGN_OR_RETURN(v1::Receipt receipt, transport_->Append(request));
  // The log's signature is all an append's receipt carries (witnessing comes
  // later: WitnessReceipt), so no quorum is asked of it here.
  if (options_.log_key.has_value()) {
    RETURN_IF_ERROR(client::VerifyReceiptFor(receipt, entry, *options_.log_key).status());
  }
  return receipt;
}

absl::StatusOr<std::vector<v1::Receipt>> LedgerClient::AppendBatch(
    std::span<const v1::SignedEntry> entries) {
  v1::AppendBatchRequest request;
  for (const v1::SignedEntry& entry : entries) *request.add_entries() = entry;
  ASSIGN_OR_RETURN(v1::AppendBatchResponse response, transport_->AppendBatch(request));
  if (static_cast<size_t>(response.receipts_size()) != entries.size()) {
    // With a pinned key, entries without a receipt are entries not proven.
    const std::string message = absl::StrCat("AppendBatch: the server sent ",
                                             response.receipts_size(), " receipts for ",
                                             entries.size(), " entries");
    return options_.log_key.has_value()
               ? VerificationFailure(absl::StatusCode::kDataLoss, message)
               : MarkServerError(absl::InternalError(message));
  }
  std::vector<v1::Receipt> receipts(response.receipts().begin(), response.receipts().end());
  if (options_.log_key.has_value()) {
    for (size_t i = 0; i < receipts.size(); ++i) {
      absl::Status verified =
          client::VerifyReceiptFor(receipts[i], entries[i], *options_.log_key).status();
      if (!verified.ok()) return Annotate(verified, absl::StrCat("AppendBatch entry ", i));
    }
  }
  return receipts;
}

namespace {

// With a policy, the receipt's checkpoint must meet its quorum.
absl::Status CheckReceiptQuorum(const v1::Receipt& receipt, const WitnessPolicy* policy) {
  if (policy == nullptr) return absl::OkStatus();
  return Annotate(CheckWitnessQuorum(receipt.checkpoint(), *policy).status(),
                  absl::StrCat("receipt of record ", receipt.index()));
}

}  // namespace

absl::StatusOr<Checkpoint> LedgerClient::VerifyReceipt(const v1::Receipt& receipt) const {
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  ASSIGN_OR_RETURN(Checkpoint checkpoint, client::VerifyReceipt(receipt, *log_key));
  RETURN_IF_ERROR(CheckReceiptQuorum(receipt, Policy()));
  return checkpoint;
}

absl::StatusOr<Checkpoint> LedgerClient::VerifyReceiptFor(const v1::Receipt& receipt,
                                                          const v1::SignedEntry& sent) const {
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  ASSIGN_OR_RETURN(Checkpoint checkpoint, client::VerifyReceiptFor(receipt, sent, *log_key));
  RETURN_IF_ERROR(CheckReceiptQuorum(receipt, Policy()));
  return checkpoint;
}

absl::StatusOr<v1::Receipt> LedgerClient::WitnessReceipt(const v1::Receipt& receipt,
                                                         absl::Duration timeout) {
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  ASSIGN_OR_RETURN(const Checkpoint signed_by_log, client::VerifyReceipt(receipt, *log_key));
  const uint64_t index = receipt.index();
  // Poll until a witnessed checkpoint covers the record.
  const absl::Time deadline = absl::Now() + timeout;
  std::string last_seen = "the server has no witnessed checkpoint yet";
  std::optional<TrustedCheckpoint> cosigned;
  while (!cosigned.has_value()) {
    absl::StatusOr<v1::CheckpointResponse> response = FetchWitnessedCheckpoint();
    if (response.ok()) {
      absl::StatusOr<Checkpoint> opened = OpenCheckpoint(response->note(), *log_key);
      if (!opened.ok()) {
        return VerificationFailure(
            absl::StrCat("the server's witnessed checkpoint signature does not verify under the "
                         "pinned log key ",
                         log_key->ToString()),
            opened.status());
      }
      if (opened->size > index) {
        cosigned = TrustedCheckpoint{*std::move(opened), response->note()};
        break;
      }
      last_seen = absl::StrCat("the latest witnessed checkpoint has ", opened->size, " records");
    } else if (!absl::IsNotFound(response.status())) {
      return response.status();  // FAILED_PRECONDITION: the server has no witnesses
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return MarkServerError(absl::DeadlineExceededError(
          absl::StrCat("record ", index, " was not witnessed within ",
                       absl::FormatDuration(timeout), ": ", last_seen)));
    }
    absl::SleepFor(std::min(kWitnessPoll, deadline - now));
  }
  const Checkpoint& witnessed = cosigned->checkpoint;
  if (const WitnessPolicy* policy = Policy()) {
    RETURN_IF_ERROR(CheckWitnessQuorum(cosigned->note, *policy).status());
  }
  // The same history as the receipt's checkpoint: a consistency proof from
  // the smaller of the two to the larger.
  const std::string what =
      absl::StrCat("witnessed checkpoint ", witnessed.size,
                   " is not consistent with the receipt's checkpoint ", signed_by_log.size);
  const Checkpoint& smaller = witnessed.size < signed_by_log.size ? witnessed : signed_by_log;
  const Checkpoint& larger = witnessed.size < signed_by_log.size ? signed_by_log : witnessed;
  if (smaller.size == larger.size) {
    if (smaller.root != larger.root) {
      return VerificationFailure(absl::StatusCode::kDataLoss,
                                 absl::StrCat(what, ": same size, different root: a fork"));
    }
  } else {
    ASSIGN_OR_RETURN(v1::ConsistencyProof proof, FetchConsistencyProof(smaller.size, larger.size));
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
    absl::Status consistent =
        VerifyConsistency(smaller.size, larger.size, smaller.root, larger.root, hashes);
    if (!consistent.ok()) return VerificationFailure(what, consistent);
  }
  ASSIGN_OR_RETURN(v1::InclusionProof proof, FetchInclusionProof(index, witnessed.size));
  v1::Receipt upgraded;
  upgraded.set_index(index);
  upgraded.set_leaf_hash(receipt.leaf_hash());
  upgraded.set_tree_size(witnessed.size);
  *upgraded.mutable_inclusion_proof() = proof.hashes();
  upgraded.set_checkpoint(cosigned->note);
  upgraded.set_duplicate(receipt.duplicate());
  upgraded.set_leaf(receipt.leaf());
  RETURN_IF_ERROR(VerifyReceipt(upgraded).status());
  return upgraded;
}

// ---- The trusted checkpoint -------------------------------------------------------

std::optional<TrustedCheckpoint> LedgerClient::Trusted() const {
  absl::MutexLock lock(&state_mu_);
  return state_.current();
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::Update() {
  absl::MutexLock lock(&update_mu_);
  return UpdateLocked();
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::UpdateLocked() {
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  // With a witness policy, only checkpoints its quorum cosigned.
  const WitnessPolicy* policy = Policy();
  ASSIGN_OR_RETURN(v1::CheckpointResponse latest,
                   policy != nullptr ? FetchWitnessedCheckpoint() : FetchCheckpoint(0));
  // The decision is the tracker's (ledger/verify/checkpoint_tracker.h); the
  // trusted state file persists what it accepts.
  const CheckpointTracker tracker(*log_key, Trusted());
  absl::StatusOr<TrustedCheckpoint> opened = tracker.Open(latest.note());
  if (!opened.ok()) {
    return VerificationFailure(absl::StrCat("the server's ", policy != nullptr ? "witnessed " : "",
                                            "checkpoint signature does not verify "
                                            "under the pinned log key ",
                                            log_key->ToString()),
                               opened.status());
  }
  auto what = [](uint64_t now, uint64_t old) {
    return absl::StrCat("checkpoint ", now, " is not consistent with trusted checkpoint ", old);
  };
  auto proofs = [&](uint64_t first, uint64_t second) -> absl::StatusOr<std::vector<Hash>> {
    ASSIGN_OR_RETURN(v1::ConsistencyProof proof, FetchConsistencyProof(first, second));
    return ParseHashes(proof.hashes(), what(second, first));
  };
  if (policy != nullptr && tracker.trusted().has_value() &&
      opened->checkpoint.size < tracker.size()) {
    // A smaller witnessed checkpoint is a rollback when the trusted one was
    // witnessed too (the witnessed checkpoints of a log only grow); a trusted
    // checkpoint kept without the policy may just be ahead of the witnesses.
    const TrustedCheckpoint& trusted = *tracker.trusted();
    absl::StatusOr<QuorumEvaluation> trusted_quorum = EvaluateQuorum(trusted.note, *policy);
    if (!trusted_quorum.ok() || !trusted_quorum->quorum_met) {
      const Checkpoint& behind = opened->checkpoint;
      if (behind.size > 0) {
        ASSIGN_OR_RETURN(std::vector<Hash> hashes, proofs(behind.size, trusted.checkpoint.size));
        absl::Status consistent = VerifyConsistency(behind.size, trusted.checkpoint.size,
                                                    behind.root, trusted.checkpoint.root, hashes);
        if (!consistent.ok()) {
          return VerificationFailure(
              absl::StrCat("witnessed checkpoint ", behind.size,
                           " is not a prefix of trusted checkpoint ", trusted.checkpoint.size),
              consistent);
        }
      }
      RETURN_IF_ERROR(CheckWitnessQuorum(opened->note, *policy).status());
      return *std::move(opened);  // the trusted state stays ahead
    }
  }
  ASSIGN_OR_RETURN(CheckpointJudgement judged, tracker.Judge(*std::move(opened), proofs));
  if (judged.evidence.has_value()) {
    const CheckpointEvidence& evidence = *judged.evidence;
    const Checkpoint& now = evidence.presented.checkpoint;
    const Checkpoint& old = evidence.trusted.checkpoint;
    if (evidence.kind == CheckpointEvidence::Kind::kRollback) {
      return VerificationFailure(
          absl::StatusCode::kDataLoss,
          absl::StrCat("checkpoint ", now.size, " is smaller than trusted checkpoint ", old.size,
                       ": the log was rolled back or truncated"));
    }
    if (!evidence.proof_failure.ok()) {
      return VerificationFailure(what(now.size, old.size), evidence.proof_failure);
    }
    return VerificationFailure(
        absl::StatusCode::kDataLoss,
        absl::StrCat(what(now.size, old.size), ": same size, different root (", B64(now.root),
                     " vs ", B64(old.root), "): a fork"));
  }
  TrustedCheckpoint next = std::move(judged.presented);
  // Evidence of a rollback or fork comes first (the log signed it, whoever
  // cosigned); then the quorum.
  if (policy != nullptr) RETURN_IF_ERROR(CheckWitnessQuorum(next.note, *policy).status());
  if (judged.step == CheckpointStep::kSame) return next;  // nothing new: the trusted state stays
  absl::MutexLock lock(&state_mu_);
  RETURN_IF_ERROR(Annotate(state_.Advance(next), "cannot save the trusted checkpoint"));
  return next;
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::TrustedCovering(uint64_t size) {
  std::optional<TrustedCheckpoint> trusted = Trusted();
  if (trusted.has_value() && size > 0 && trusted->checkpoint.size >= size) return *trusted;
  ASSIGN_OR_RETURN(TrustedCheckpoint updated, Update());
  if (updated.checkpoint.size < size) {
    if (Policy() != nullptr) {
      return absl::OutOfRangeError(absl::StrCat("the latest witnessed checkpoint has ",
                                                updated.checkpoint.size, " records; ", size,
                                                " asked for: not witnessed yet"));
    }
    return absl::OutOfRangeError(absl::StrCat("the log's latest checkpoint has ",
                                              updated.checkpoint.size, " records; ", size,
                                              " asked for"));
  }
  return updated;
}

absl::StatusOr<Hash> LedgerClient::RootAt(uint64_t size) {
  if (size == 0) return EmptyRoot();
  ASSIGN_OR_RETURN(TrustedCheckpoint trusted, TrustedCovering(size));
  if (size == trusted.checkpoint.size) return trusted.checkpoint.root;
  ASSIGN_OR_RETURN(v1::ConsistencyProof proof,
                   FetchConsistencyProof(size, trusted.checkpoint.size));
  const std::string what = absl::StrCat("the root of tree size ", size,
                                        " is not consistent with trusted checkpoint ",
                                        trusted.checkpoint.size);
  if (proof.first() != size || proof.second() != trusted.checkpoint.size) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat(what, ": the server answered for sizes ",
                                            proof.first(), " and ", proof.second()));
  }
  absl::StatusOr<Hash> root = HashFromBytes(proof.first_root());
  if (!root.ok()) return VerificationFailure(what, root.status());
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
  absl::Status consistent =
      VerifyConsistency(size, trusted.checkpoint.size, *root, trusted.checkpoint.root, hashes);
  if (!consistent.ok()) return VerificationFailure(what, consistent);
  return *root;
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::VerifyAgainstTrusted(std::string_view note,
                                                                     const std::string& what) {
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(note, *log_key);
  if (!opened.ok()) {
    return VerificationFailure(absl::StrCat(what, " signature does not verify under the pinned "
                                            "log key ",
                                            log_key->ToString()),
                               opened.status());
  }
  ASSIGN_OR_RETURN(Hash root, RootAt(opened->size));
  if (root != opened->root) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat(what, " of size ", opened->size, " has root ",
                                            B64(opened->root), " but the trusted log has root ",
                                            B64(root), " at that size: a fork"));
  }
  return TrustedCheckpoint{*std::move(opened), std::string(note)};
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::CheckpointAt(uint64_t size) {
  if (size == 0) return absl::InvalidArgumentError("a checkpoint size must be positive");
  ASSIGN_OR_RETURN(const Verifier* log_key, LogKey());
  if (Policy() != nullptr) {
    // Only what the witnesses covered ("not witnessed yet" beyond): the
    // checkpoints up to the witnessed size are proven consistent with it.
    RETURN_IF_ERROR(TrustedCovering(size).status());
  }
  ASSIGN_OR_RETURN(v1::CheckpointResponse response, FetchCheckpoint(size));
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(response.note(), *log_key);
  if (!opened.ok()) {
    return VerificationFailure(absl::StrCat("checkpoint ", size,
                                            " signature does not verify under the pinned log key ",
                                            log_key->ToString()),
                               opened.status());
  }
  if (opened->size != size) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("asked for checkpoint ", size, ", the server sent ",
                                            opened->size));
  }
  return VerifyAgainstTrusted(response.note(), "checkpoint");
}

absl::StatusOr<TrustedCheckpoint> LedgerClient::Witnessed() {
  if (Policy() != nullptr) return Update();
  ASSIGN_OR_RETURN(v1::CheckpointResponse response, FetchWitnessedCheckpoint());
  return VerifyAgainstTrusted(response.note(), "the witnessed checkpoint");
}

// ---- Records ----------------------------------------------------------------------

absl::StatusOr<VerifiedRecord> LedgerClient::VerifyRecord(uint64_t index, std::string leaf,
                                                          const TrustedCheckpoint& trusted) {
  VerifiedRecord verified;
  verified.index = index;
  verified.leaf_hash = LeafHash(leaf);
  verified.tree_size = trusted.checkpoint.size;
  ASSIGN_OR_RETURN(v1::InclusionProof proof, FetchInclusionProof(index, trusted.checkpoint.size));
  const std::string what = absl::StrCat("record ", index, " is not included in trusted checkpoint ",
                                        trusted.checkpoint.size);
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
  absl::Status included =
      VerifyInclusion(index, trusted.checkpoint.size, verified.leaf_hash, hashes,
                      trusted.checkpoint.root);
  if (!included.ok()) return VerificationFailure(what, included);
  ASSIGN_OR_RETURN(verified.record, DecodeRecordAt(index, leaf));
  verified.leaf = std::move(leaf);
  return verified;
}

absl::StatusOr<std::vector<VerifiedRecord>> LedgerClient::VerifyRun(
    uint64_t first, std::vector<std::string> leaves, const TrustedCheckpoint& trusted,
    std::optional<CompactRange>& edge) {
  const uint64_t size = trusted.checkpoint.size;
  const uint64_t end = first + leaves.size();
  std::vector<VerifiedRecord> records;
  if (leaves.empty()) return records;
  assert(end <= size && (!edge.has_value() || edge->size() == first));
  records.reserve(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    VerifiedRecord& record = records.emplace_back();
    record.index = first + i;
    record.leaf_hash = LeafHash(leaves[i]);
    record.tree_size = size;
    record.leaf = std::move(leaves[i]);
  }
  const std::string what =
      absl::StrCat("records [", first, ", ", end, ") are not those of trusted checkpoint ", size);
  std::optional<CompactRange> range = edge;
  if (!range.has_value() && first == 0) range.emplace();
  if (!range.has_value()) {
    ASSIGN_OR_RETURN(v1::InclusionProof proof, FetchInclusionProof(first, size));
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
    absl::Status included =
        VerifyInclusion(first, size, records.front().leaf_hash, hashes, trusted.checkpoint.root);
    if (!included.ok()) return VerificationFailure(what, included);
    absl::StatusOr<CompactRange> before = CompactRange::BeforeLeaf(first, size, hashes);
    if (!before.ok()) return VerificationFailure(what, before.status());
    range = *std::move(before);
  }
  for (const VerifiedRecord& record : records) {
    range->Append(record.leaf_hash, [](const NodeId&, const Hash&) {});
  }
  if (end == size) {
    if (range->Root() != trusted.checkpoint.root) {
      return VerificationFailure(
          absl::StatusCode::kDataLoss,
          absl::StrCat(what, ": the root recomputed from them is ", B64(range->Root()),
                       ", the checkpoint's is ", B64(trusted.checkpoint.root)));
    }
  } else {
    ASSIGN_OR_RETURN(v1::ConsistencyProof proof, FetchConsistencyProof(end, size));
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
    absl::Status consistent =
        VerifyConsistency(end, size, range->Root(), trusted.checkpoint.root, hashes);
    if (!consistent.ok()) return VerificationFailure(what, consistent);
  }
  for (VerifiedRecord& record : records) {
    ASSIGN_OR_RETURN(record.record, DecodeRecordAt(record.index, record.leaf));
  }
  edge = std::move(range);
  return records;
}

absl::Status LedgerClient::RollbackOr(absl::Status failure) {
  if (KindOf(failure) != ErrorKind::kServer || !options_.log_key.has_value()) return failure;
  absl::StatusOr<TrustedCheckpoint> latest = Update();
  return IsVerificationFailure(latest.status()) ? latest.status() : failure;
}

absl::StatusOr<VerifiedRecord> LedgerClient::GetRecord(uint64_t index) {
  ASSIGN_OR_RETURN(TrustedCheckpoint trusted, TrustedCovering(index + 1));
  absl::StatusOr<std::string> leaf = FetchLeaf(index);
  if (!leaf.ok()) return RollbackOr(leaf.status());
  absl::StatusOr<VerifiedRecord> record = VerifyRecord(index, *std::move(leaf), trusted);
  if (!record.ok()) return RollbackOr(record.status());
  return record;
}

absl::Status LedgerClient::GetRecords(uint64_t start, uint64_t end,
                                      const std::function<bool(const VerifiedRecord&)>& on_record) {
  ASSIGN_OR_RETURN(TrustedCheckpoint trusted, end == 0 ? Update() : TrustedCovering(end));
  if (end == 0) end = trusted.checkpoint.size;
  if (start > end) {
    return absl::InvalidArgumentError(absl::StrCat("range start ", start, " is after its end ", end));
  }
  ChainFollower chain;
  return ScanVerified(start, end, trusted, [&](VerifiedRecord record) -> absl::StatusOr<bool> {
    RETURN_IF_ERROR(chain.Follow(record));
    return on_record(record);
  });
}

absl::StatusOr<std::vector<VerifiedRecord>> LedgerClient::GetRecords(uint64_t start,
                                                                      uint64_t end) {
  std::vector<VerifiedRecord> records;
  RETURN_IF_ERROR(GetRecords(start, end, [&](const VerifiedRecord& record) {
    records.push_back(record);
    return true;
  }));
  return records;
}

absl::Status LedgerClient::ScanVerified(
    uint64_t start, uint64_t end, const TrustedCheckpoint& trusted,
    const std::function<absl::StatusOr<bool>(VerifiedRecord)>& deliver) {
  const uint64_t per_run =
      options_.records_per_call == 0 ? kRecordsPerRun : options_.records_per_call;
  uint64_t next = start;  // the first record of `run`
  std::optional<CompactRange> edge;
  std::vector<std::string> run;
  bool stopped = false;
  auto verify_run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<VerifiedRecord> records,
                     VerifyRun(next, std::exchange(run, {}), trusted, edge));
    next += records.size();
    for (VerifiedRecord& record : records) {
      ASSIGN_OR_RETURN(const bool more, deliver(std::move(record)));
      if (!more) {
        stopped = true;
        return absl::CancelledError("stopped");
      }
    }
    return absl::OkStatus();
  };
  absl::Status scanned = ScanLeaves(start, end, [&](uint64_t, std::string leaf) {
    run.push_back(std::move(leaf));
    return run.size() < per_run ? absl::OkStatus() : verify_run();
  });
  if (scanned.ok()) scanned = verify_run();
  return stopped ? absl::OkStatus() : scanned;
}

absl::Status LedgerClient::Watch(uint64_t start,
                                 const std::function<bool(const VerifiedRecord&)>& on_record) {
  uint64_t next = start;
  ChainFollower chain;
  bool stopped = false;
  // Checks a verified record's chain link and hands it on; false to stop.
  auto deliver = [&](VerifiedRecord record) -> absl::StatusOr<bool> {
    RETURN_IF_ERROR(chain.Follow(record));
    ++next;
    stopped = !on_record(record);
    return !stopped;
  };
  // The records already in the log, in bounded calls verified a run at a
  // time: a single Watch stream over a long backlog would let gRPC buffer
  // what this side has not verified yet.
  ASSIGN_OR_RETURN(TrustedCheckpoint trusted, Update());
  if (next < trusted.checkpoint.size) {
    RETURN_IF_ERROR(ScanVerified(next, trusted.checkpoint.size, trusted, deliver));
    if (stopped) return absl::OkStatus();
  }
  // Then the live stream from where that ended, record by record.
  absl::Status failure;
  absl::Status streamed =
      WatchLeaves(next, absl::InfiniteFuture(), [&](uint64_t index, std::string leaf) {
        if (index != next) {
          failure = MarkServerError(absl::DataLossError(absl::StrCat(
              "Watch: the server sent record ", index, " where ", next, " was expected")));
          return false;
        }
        // A record just sequenced is covered by a checkpoint signed in the
        // same batch; look a few times in case the stream ran ahead of the head.
        absl::StatusOr<TrustedCheckpoint> covering = TrustedCovering(next + 1);
        // With a witness policy, until the witnesses cosign it (they run
        // behind the appends: about a second when healthy).
        const int max_tries = Policy() != nullptr ? 400 : 20;
        for (int tries = 0; absl::IsOutOfRange(covering.status()) && tries < max_tries; ++tries) {
          absl::SleepFor(absl::Milliseconds(50));
          covering = TrustedCovering(next + 1);
        }
        absl::StatusOr<VerifiedRecord> record =
            covering.ok() ? VerifyRecord(next, std::move(leaf), *covering) : covering.status();
        absl::StatusOr<bool> more =
            record.ok() ? deliver(*std::move(record)) : absl::StatusOr<bool>(record.status());
        if (!more.ok()) failure = more.status();
        return more.value_or(false);
      });
  RETURN_IF_ERROR(failure);
  return streamed;
}

// ---- Proofs -----------------------------------------------------------------------

absl::StatusOr<v1::InclusionProof> LedgerClient::GetInclusionProof(uint64_t index,
                                                                    uint64_t tree_size) {
  if (tree_size == 0) {
    ASSIGN_OR_RETURN(TrustedCheckpoint trusted, Update());
    tree_size = trusted.checkpoint.size;
  }
  if (index >= tree_size) {
    return absl::OutOfRangeError(
        absl::StrCat("index ", index, " is not in a tree of ", tree_size, " records"));
  }
  ASSIGN_OR_RETURN(Hash root, RootAt(tree_size));
  ASSIGN_OR_RETURN(v1::InclusionProof proof, FetchInclusionProof(index, tree_size));
  const std::string what =
      absl::StrCat("inclusion proof of record ", index, " in tree size ", tree_size, " fails");
  if (proof.index() != index || proof.tree_size() != tree_size) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat(what, ": the server answered for record ",
                                            proof.index(), " in tree size ", proof.tree_size()));
  }
  absl::StatusOr<Hash> leaf = HashFromBytes(proof.leaf_hash());
  if (!leaf.ok()) return VerificationFailure(what, leaf.status());
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
  absl::Status included = VerifyInclusion(index, tree_size, *leaf, hashes, root);
  if (!included.ok()) return VerificationFailure(what, included);
  return proof;
}

absl::StatusOr<v1::ConsistencyProof> LedgerClient::GetConsistencyProof(uint64_t first,
                                                                        uint64_t second) {
  if (second == 0) {
    ASSIGN_OR_RETURN(TrustedCheckpoint trusted, Update());
    second = trusted.checkpoint.size;
  }
  if (first > second) {
    return absl::InvalidArgumentError(
        absl::StrCat("first size ", first, " is larger than second size ", second));
  }
  ASSIGN_OR_RETURN(Hash second_root, RootAt(second));
  ASSIGN_OR_RETURN(v1::ConsistencyProof proof, FetchConsistencyProof(first, second));
  const std::string what =
      absl::StrCat("consistency proof from tree size ", first, " to ", second, " fails");
  if (proof.first() != first || proof.second() != second) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat(what, ": the server answered for sizes ",
                                            proof.first(), " and ", proof.second()));
  }
  absl::StatusOr<Hash> first_root = HashFromBytes(proof.first_root());
  if (!first_root.ok()) return VerificationFailure(what, first_root.status());
  absl::StatusOr<Hash> sent_second_root = HashFromBytes(proof.second_root());
  if (!sent_second_root.ok()) return VerificationFailure(what, sent_second_root.status());
  if (*sent_second_root != second_root) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat(what, ": second root ", B64(*sent_second_root),
                                            " is not the trusted log's root ", B64(second_root)));
  }
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, ParseHashes(proof.hashes(), what));
  absl::Status consistent;
  if (first == 0) {
    // Nothing to prove from the empty tree; its root is fixed.
    if (*first_root != EmptyRoot() || !hashes.empty()) {
      consistent = absl::DataLossError("the empty tree's root is SHA-256(\"\") with an empty proof");
    }
  } else {
    consistent = VerifyConsistency(first, second, *first_root, second_root, hashes);
  }
  if (!consistent.ok()) return VerificationFailure(what, consistent);
  return proof;
}

}  // namespace memoria::client
