// LedgerClient: the memoria client library. Appends signed entries with
// deadlines and safe retries, and reads the log *verified*: nothing the server
// sends is returned before it is checked against the pinned log key and the
// client's trusted checkpoint.
//
//   ClientOptions options;
//   options.connection.target = "127.0.0.1:50051";
//   ASSIGN_OR_RETURN(options.log_key, Verifier::Parse(log_vkey));
//   options.state_file = "memoria.state";
//   ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, LedgerClient::Create(options));
//   ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(signed_entry));
//   ASSIGN_OR_RETURN(VerifiedRecord record, client->GetRecord(receipt.index()));
//
// Trust model. The client keeps one trusted checkpoint (TrustedState, in
// options.state_file). Update() fetches the latest checkpoint, checks its
// signature under the pinned key and — unless nothing is trusted yet, when
// the first signed checkpoint is accepted by its signature — its consistency
// with the trusted one (a smaller checkpoint is a rollback; same size with
// another root, or a failed consistency proof, is a fork). Only then does the
// trusted state advance. Records, roots and proofs are checked against the
// trusted checkpoint (Update()d first when they lie beyond it).
//
// Witnesses. With options.witness_policy (C2SP tlog-policy,
// ledger/verify/witness_policy.h) the client trusts only checkpoints
// cosigned by the policy's quorum of witnesses: Update() fetches the server's
// latest *witnessed* checkpoint (GetCheckpoint with witnessed = true), which
// must be signed by the pinned log key, meet the quorum
// (client/witness_check.h: a verification failure naming the missing
// witnesses otherwise) and be consistent with the trusted checkpoint; the
// trusted state advances only to such checkpoints. Reads beyond the witnessed
// size wait for the witnesses ("not witnessed yet"). Receipts checked with
// VerifyReceipt / VerifyReceiptFor must then carry a cosigned checkpoint;
// WitnessReceipt upgrades a receipt (an append's, signed by the log only) to
// one. Appends still check their receipts under the log key alone.
//
// Errors. Every failure is a status; verification failures are marked
// (IsVerificationFailure, client/errors.h) and name what failed, e.g.
// "checkpoint 120 is smaller than trusted checkpoint 150: rollback";
// errors from the server keep their gRPC code and are marked kServer.
// FAILED_PRECONDITION if a verified call is made without a pinned log key.
//
// Transport and retries: every call goes through one Transport
// (client/transport.h: the channel, a stub per service, a deadline per
// attempt, the retry policy; a long read — ScanLeaves, Export; so GetRecords,
// Watch's backlog, requests and exports — refused with RESOURCE_EXHAUSTED is
// retried too). Appends are retried with the same signed bytes (so the same
// request id): the server answers a retry of an entry it already stored with
// the original receipt. The unverified reads below are the Transport's,
// passed through for callers that verify another way (memoria-audit).
//
// Layout: this class is the verified reader (records, proofs, receipts) and,
// until the shared checkpoint tracker replaces it, the tracking of the
// trusted checkpoint (Update, Trusted, TrustedCovering, RootAt, CheckpointAt:
// the section "The trusted checkpoint" of ledger_client.cc).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "client/transport.h"
#include "client/trusted_state.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/verify/witness_policy.h"
#include "memoria/v1/ledger.pb.h"
#include "memoria/v1/query.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::client {

// CallOptions (client/transport.h): timeout, records_per_call, retry, sleep.
struct ClientOptions : CallOptions {
  ConnectionOptions connection;
  // The pinned log key (vkey of the log). Needed by every verified call and
  // to check append receipts; without it appends return unchecked receipts.
  std::optional<Verifier> log_key;
  // Where the trusted checkpoint is kept between runs; empty: in memory only.
  std::string state_file;
  // The witnesses whose cosignatures a checkpoint needs (see "Witnesses"
  // above); unset: the log's signature is enough. Used with log_key only.
  std::optional<WitnessPolicy> witness_policy;
};

// A record whose inclusion in the trusted checkpoint was verified.
struct VerifiedRecord {
  uint64_t index = 0;
  std::string leaf;  // the exact stored bytes
  Hash leaf_hash{};  // SHA-256(0x00 || leaf), computed here
  v1::Record record;
  uint64_t tree_size = 0;  // the checkpoint it was verified against
};

// The hashes of a proof as the server sent them, in order; HashFromBytes's
// INVALID_ARGUMENT for the first that is not 32 bytes.
absl::StatusOr<std::vector<Hash>> ProofHashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes);

class LedgerClient {
 public:
  // Opens the channel and loads the trusted state (TrustedState::Load's
  // errors; Transport::Create's INVALID_ARGUMENT for bad call options;
  // INVALID_ARGUMENT if state_file is set without a log key).
  static absl::StatusOr<std::unique_ptr<LedgerClient>> Create(ClientOptions options);
  // The same over an existing channel.
  static absl::StatusOr<std::unique_ptr<LedgerClient>> Create(
      ClientOptions options, std::shared_ptr<grpc::Channel> channel);

  LedgerClient(const LedgerClient&) = delete;
  LedgerClient& operator=(const LedgerClient&) = delete;

  const ClientOptions& options() const { return options_; }

  // ---- Writing -----------------------------------------------------------------
  // Appends one signed entry (client/entry_signer.h builds them); returns its
  // receipt. When a log key is pinned the receipt is checked to be the receipt
  // of `entry` (VerifyReceiptFor), a retry answered `duplicate: true` too: a
  // genuine receipt of another record is a verification failure ("receipt is
  // for another entry: ...").
  absl::StatusOr<v1::Receipt> Append(const v1::SignedEntry& entry);
  // Appends entries in one call (all or none); one receipt each, in order.
  // With a pinned key, receipt i is checked against entries[i] (failures are
  // annotated "AppendBatch entry i"), and a count of receipts other than the
  // number of entries is a verification failure too (a server error without).
  absl::StatusOr<std::vector<v1::Receipt>> AppendBatch(std::span<const v1::SignedEntry> entries);

  // ---- Unverified reads (the Transport's, client/transport.h) --------------------
  // The server's answers as they come, for callers that check them another
  // way (against a receipt's leaf hash, say, or as memoria-audit does).
  Transport& transport() { return *transport_; }
  absl::StatusOr<v1::Info> GetInfo() { return transport_->GetInfo(); }
  absl::StatusOr<v1::CheckpointResponse> FetchCheckpoint(uint64_t tree_size = 0) {
    return transport_->FetchCheckpoint(tree_size);
  }
  absl::StatusOr<v1::CheckpointResponse> FetchWitnessedCheckpoint() {
    return transport_->FetchWitnessedCheckpoint();
  }
  absl::StatusOr<std::string> FetchLeaf(uint64_t index) { return transport_->FetchLeaf(index); }
  absl::Status ScanLeaves(uint64_t begin, uint64_t end,
                          const std::function<absl::Status(uint64_t, std::string)>& visit) {
    return transport_->ScanLeaves(begin, end, visit);
  }
  absl::StatusOr<v1::InclusionProof> FetchInclusionProof(uint64_t index, uint64_t tree_size) {
    return transport_->FetchInclusionProof(index, tree_size);
  }
  absl::StatusOr<v1::ConsistencyProof> FetchConsistencyProof(uint64_t first, uint64_t second) {
    return transport_->FetchConsistencyProof(first, second);
  }
  absl::Status WatchLeaves(uint64_t start, absl::Time deadline,
                           const std::function<bool(uint64_t, std::string)>& visit) {
    return transport_->WatchLeaves(start, deadline, visit);
  }

  // ---- Transparency-law requests (memoria.v1.Transparency, query.proto) --------------
  // Unchecked (the Transport's): the caller verifies the checkpoint and
  // proofs, as RunVerifiedExport (client/verified_export.h) does for exports.
  absl::StatusOr<v1::QueryResponse> Query(const v1::QueryRequest& request) {
    return transport_->Query(request);
  }
  absl::Status Export(const v1::ExportRequest& request, std::string_view reader_token,
                      const std::function<absl::Status(v1::ExportItem&)>& visit) {
    return transport_->Export(request, reader_token, visit);
  }

  // ---- Verified reads ------------------------------------------------------------
  // Fetches the latest checkpoint, verifies it (see the trust model above) and
  // advances the trusted state. Returns the new trusted checkpoint. With a
  // witness policy, the latest witnessed checkpoint, which must also meet the
  // quorum (the server's FAILED_PRECONDITION if it has no witnesses, NOT_FOUND
  // if none is cosigned yet). A trusted checkpoint that is not cosigned (kept
  // by a run without the policy) may be ahead of the witnesses: a smaller
  // witnessed checkpoint is then proven to be its prefix, returned, and the
  // trusted state stays where it is.
  absl::StatusOr<TrustedCheckpoint> Update();
  // The latest checkpoint cosigned by the server's witnesses, verified: with a
  // policy, Update(); without, signed by the pinned key and its root that of
  // the trusted log at its size (RootAt: Update()s first if it lies beyond
  // the trusted checkpoint); its cosignatures are not checked then, no
  // witness keys being known.
  absl::StatusOr<TrustedCheckpoint> Witnessed();
  // The trusted checkpoint, if any.
  std::optional<TrustedCheckpoint> Trusted() const;

  // The checkpoint the log signed at exactly `size` (NOT_FOUND from the server
  // if it never signed that size), verified by signature and consistency with
  // the trusted checkpoint. Update()s first when `size` is beyond it; does
  // not move the trusted state back. With a witness policy, a size beyond the
  // latest witnessed checkpoint is OUT_OF_RANGE "... not witnessed yet".
  absl::StatusOr<TrustedCheckpoint> CheckpointAt(uint64_t size);
  // The root of the first `size` leaves, authenticated through a consistency
  // proof to the trusted checkpoint.
  absl::StatusOr<Hash> RootAt(uint64_t size);

  // Record `index`, its inclusion proof checked against the trusted checkpoint.
  // When the server fails to serve what the trusted checkpoint covers, the
  // latest checkpoint is checked: a rollback is a verification failure, not
  // a server error.
  absl::StatusOr<VerifiedRecord> GetRecord(uint64_t index);
  // Records [start, end) (end 0: up to the trusted size), read in runs of
  // records_per_call (as ScanLeaves reads them) and verified a run at a time:
  // the run's records are hashed onto the tree before them (for the first
  // run, the compact range from the inclusion proof of record `start`, unless
  // it is 0), and the root that results is checked against the trusted one
  // by a consistency proof from the run's end (directly at the trusted
  // size); consecutive records' chain links too. `on_record` gets
  // each record, in order, once its run is verified, until it returns false
  // (then OK). Memory: one run.
  absl::Status GetRecords(uint64_t start, uint64_t end,
                          const std::function<bool(const VerifiedRecord&)>& on_record);
  // The same, every record returned at once.
  absl::StatusOr<std::vector<VerifiedRecord>> GetRecords(uint64_t start, uint64_t end);
  // Follows the log from `start`, calling `on_record` for every record as
  // soon as it is verified, until it returns false (then OK) or an error.
  // The records already in the log are read and verified as GetRecords does
  // (a run at a time: at most two proofs per run, not one per record), the rest come
  // from the live Watch stream, each with its inclusion proof. No deadline;
  // the stream is cancelled when `on_record` returns false.
  absl::Status Watch(uint64_t start, const std::function<bool(const VerifiedRecord&)>& on_record);

  // Inclusion proof of `index` in the tree of `tree_size` leaves (0: the
  // trusted size after Update()), verified against RootAt(tree_size).
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(uint64_t index, uint64_t tree_size = 0);
  // Consistency proof between sizes `first` <= `second` (second 0: the
  // trusted size after Update()), verified: both roots are authenticated
  // against the trusted checkpoint.
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(uint64_t first, uint64_t second = 0);

  // Checks a receipt: signature of its checkpoint under the pinned key and its
  // inclusion proof (client/receipt.h); with a witness policy, its checkpoint
  // must meet the quorum too (client/witness_check.h). FAILED_PRECONDITION
  // without a key.
  absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt) const;
  // Checks that `receipt` is the receipt of `sent` and verifies
  // (client/receipt.h, VerifyReceiptFor; with a policy, the quorum too).
  // FAILED_PRECONDITION without a key.
  absl::StatusOr<Checkpoint> VerifyReceiptFor(const v1::Receipt& receipt,
                                              const v1::SignedEntry& sent) const;

  // Upgrades `receipt` (one whose checkpoint the log signed: an append's, say)
  // to the receipt of the same record in a checkpoint cosigned by the server's
  // witnesses. The receipt is checked first (log key, inclusion proof); then
  // the witnessed checkpoint is polled (every 100 ms) until its size exceeds
  // the record's index: DEADLINE_EXCEEDED after `timeout` ("... not witnessed
  // within ..."), the server's FAILED_PRECONDITION at once if it has no
  // witnesses. That checkpoint must be signed by the pinned key, meet the
  // quorum if a policy is set, and be consistent with the receipt's
  // checkpoint (a consistency proof either way: the same history); the
  // inclusion proof at its size is fetched. Returns the new receipt (same
  // index, leaf hash, leaf and duplicate flag; the cosigned note, its size,
  // the new proof), verified as VerifyReceipt does. FAILED_PRECONDITION
  // without a key.
  absl::StatusOr<v1::Receipt> WitnessReceipt(const v1::Receipt& receipt, absl::Duration timeout);

 private:
  LedgerClient(ClientOptions options, std::unique_ptr<Transport> transport, TrustedState state);

  absl::StatusOr<const Verifier*> LogKey() const;
  // `failure`, or the verification failure Update() finds (a rollback, a
  // fork) when `failure` is a server error: a server that lost records it
  // signed answers a read with an error, which is not the whole story.
  absl::Status RollbackOr(absl::Status failure);
  // Update() unless the trusted checkpoint already covers `size` leaves.
  absl::StatusOr<TrustedCheckpoint> TrustedCovering(uint64_t size);
  absl::StatusOr<TrustedCheckpoint> UpdateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_);
  // The policy, when one is set and a key is pinned (the witness checks apply).
  const WitnessPolicy* Policy() const;
  // A signed note at some size, opened under the pinned key and checked to be
  // the trusted log's at that size (its root against RootAt). `what` names it
  // in failures ("checkpoint 12", "the witnessed checkpoint").
  absl::StatusOr<TrustedCheckpoint> VerifyAgainstTrusted(std::string_view note,
                                                         const std::string& what);
  // Checks a record's bytes at `index` against `root` of `tree_size` leaves.
  absl::StatusOr<VerifiedRecord> VerifyRecord(uint64_t index, std::string leaf,
                                              const TrustedCheckpoint& trusted);
  // GetRecords against `trusted`: hands each verified record to `deliver`,
  // which returns false to stop (then OK) or an error to fail with.
  absl::Status ScanVerified(uint64_t start, uint64_t end, const TrustedCheckpoint& trusted,
                            const std::function<absl::StatusOr<bool>(VerifiedRecord)>& deliver);
  // Checks consecutive records [first, first + leaves.size()) against
  // `trusted` without a proof per record: their leaf hashes extend `edge`,
  // the tree's compact range at `first` (when absent: from record first's
  // inclusion proof, or empty at 0), and the range that results is checked
  // against the trusted root, directly at the trusted size or else by one
  // consistency proof. On success `edge` is the range at the run's end, ready
  // for the next run.
  absl::StatusOr<std::vector<VerifiedRecord>> VerifyRun(uint64_t first,
                                                        std::vector<std::string> leaves,
                                                        const TrustedCheckpoint& trusted,
                                                        std::optional<CompactRange>& edge);

  const ClientOptions options_;
  const std::unique_ptr<Transport> transport_;

  // Held across Update()'s calls so that updates are serialized.
  absl::Mutex update_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);
  mutable absl::Mutex state_mu_;
  TrustedState state_ ABSL_GUARDED_BY(state_mu_);
};

}  // namespace memoria::client
