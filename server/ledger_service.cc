#include "server/ledger_service.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/log_escape.h"
#include "ledger/status.h"
#include "server/call_interceptor.h"
#include "server/grpc_status.h"
#include "server/log_format.h"
#include "server/raw_messages.h"
#include "spdlog/spdlog.h"

#ifndef MEMORIA_VERSION
#define MEMORIA_VERSION "unknown"
#endif

namespace memoria::server {
namespace {

// How often a waiting append or an idle Watch looks at its call's state.
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

// Records GetRecords and Watch read from the store at a time, before writing
// them: no store iterator stays open while a write waits for the client.
constexpr uint64_t kRecordsPerRead = 64;

bool DeadlinePassed(const grpc::ServerContextBase& context) {
  return std::chrono::system_clock::now() > context.deadline();
}

// True if the outcome holds a retry of an entry appended earlier: its proof
// may have to be read from the store.
bool HasRetry(const BatchOutcome& outcome) {
  return std::any_of(outcome.entries.begin(), outcome.entries.end(),
                     [](const EntryOutcome& entry) { return entry.duplicate; });
}

absl::Status WithdrawnError(bool deadline_passed) {
  return deadline_passed
             ? absl::DeadlineExceededError(
                   "deadline passed before the entries were sequenced; nothing was appended")
             : absl::CancelledError(
                   "call cancelled before the entries were sequenced; nothing was appended");
}

// The latest signed size; NOT_FOUND if the log signed nothing yet.
absl::StatusOr<SignedHead> LatestHead(const Log& log) {
  SignedHead head = log.Head();
  if (head.note.empty()) return absl::NotFoundError("the log has signed no checkpoint yet");
  return head;
}

// Finishes a callback unary call with what `read(request, response)`
// returns, on the gRPC thread that received it: for reads that compute from
// memory or a few store lookups and never wait for another thread. A request
// that does not parse is INVALID_ARGUMENT.
template <typename Request, typename Response, typename Read>
grpc::ServerUnaryReactor* AnswerNow(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer& raw_request,
                                    grpc::ByteBuffer& raw_response, Read read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish([&]() -> grpc::Status {
    Request request;
    if (absl::Status parsed = ParseRawRequest(raw_request, request); !parsed.ok()) {
      return ToGrpcStatus(parsed);
    }
    Response response;
    if (grpc::Status status = read(request, response); !status.ok()) return status;
    return ToGrpcStatus(SerializeRawResponse(response, raw_response));
  }());
  return reactor;
}

}  // namespace

LedgerService::LedgerService(Log& log, WriterRegistry& registry, Sequencer& sequencer,
                             Verifier admin, LongReads& long_reads,
                             const LedgerServiceOptions& options)
    : log_(log),
      registry_(registry),
      sequencer_(sequencer),
      admin_(std::move(admin)),
      options_(options),
      long_reads_(long_reads) {}

grpc::Status LedgerService::Reject(grpc::ServerContextBase& context, const char* method,
                                   const absl::Status& status) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  // The message may quote what the client sent (a writer name, a request id).
  if (spdlog::should_log(spdlog::level::debug)) {
    const std::string request_id = RequestIdOf(context);
    LogFields fields({{"request_id", request_id}, {"method", method}});
    spdlog::debug("rejected {} from {}: {}", method, context.peer(),
                  EscapeForLog(status.ToString()));
  }
  return ToGrpcStatus(status);
}

absl::StatusOr<std::vector<ValidatedEntry>> LedgerService::ValidateEntries(
    const std::vector<const v1::SignedEntry*>& entries) const {
  std::vector<ValidatedEntry> validated;
  validated.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::StatusOr<ValidatedEntry> entry =
        ValidateEntry(*entries[i], admin_, registry_, options_.validation);
    if (!entry.ok()) {
      if (entries.size() == 1) return entry.status();
      return absl::Status(entry.status().code(),
                          absl::StrCat("entry ", i, ": ", entry.status().message()));
    }
    validated.push_back(*std::move(entry));
  }
  return validated;
}

bool LedgerService::FilesPersonalData(const std::vector<ValidatedEntry>& entries) {
  return std::any_of(entries.begin(), entries.end(), [](const ValidatedEntry& entry) {
    return entry.erases.has_value() || !entry.openings.empty();
  });
}

absl::StatusOr<std::vector<v1::Receipt>> LedgerService::Receipts(
    const absl::StatusOr<BatchOutcome>& outcome) const {
  RETURN_IF_ERROR(outcome.status());
  // Proofs are computed here, not in the sequencer: from the batch's nodes in
  // memory, or (for retries of entries appended earlier) from the store, all
  // of a call's nodes read together.
  std::vector<uint64_t> indexes;
  indexes.reserve(outcome->entries.size());
  for (const EntryOutcome& entry : outcome->entries) indexes.push_back(entry.index);
  // The batch's nodes prove every entry it appended; only a retry of an entry
  // appended earlier may need the store, so a miss without one is a bug and
  // an error, not a silent slow path.
  const bool has_retry = HasRetry(*outcome);
  absl::StatusOr<std::vector<std::vector<Hash>>> proofs = absl::NotFoundError("no nodes in memory");
  if (outcome->proof_nodes != nullptr) {
    proofs = ComputeInclusionProofs(indexes, outcome->tree_size, outcome->proof_nodes->Source());
  }
  if (absl::IsNotFound(proofs.status())) {
    if (outcome->proof_nodes != nullptr && !has_retry) {
      return absl::InternalError(
          absl::StrCat("receipt proofs: the batch's nodes lack one: ", proofs.status().message()));
    }
    proofs = log_.InclusionProofs(indexes, outcome->tree_size);
  }
  RETURN_IF_ERROR(proofs.status());
  std::vector<v1::Receipt> receipts;
  receipts.reserve(outcome->entries.size());
  for (size_t i = 0; i < outcome->entries.size(); ++i) {
    const EntryOutcome& entry = outcome->entries[i];
    const std::vector<Hash>& proof = (*proofs)[i];
    v1::Receipt& receipt = receipts.emplace_back();
    receipt.set_index(entry.index);
    receipt.set_leaf_hash(std::string(AsBytes(entry.leaf_hash)));
    receipt.set_tree_size(outcome->tree_size);
    for (const Hash& hash : proof) receipt.add_inclusion_proof(std::string(AsBytes(hash)));
    receipt.set_checkpoint(outcome->checkpoint);
    receipt.set_duplicate(entry.duplicate);
    receipt.set_leaf(entry.leaf);
  }
  return receipts;
}

// The one append path (Append, AppendBatch, ErasePersonalData): one call's
// entries from validation to receipts, with no thread waiting for its batch.
// A single entry is validated on the thread that received the call (one
// signature, ~60 us of CPU); several on the service's verifying threads, so
// that a batch's signatures never hold up the gRPC threads every other call
// needs. What blocks (filing personal data, proofs of retries read from the
// store, erasures) runs on the service's task thread. The sequencer's
// completion thread answers the call once its batch is durable. A call
// cancelled (or past its deadline) before the sequencer takes its entries is
// withdrawn: when the caller learns of it (Cancel), or when the entries are
// about to be queued.
//
// How the outcome reaches the client is the front end's: Reactor (a callback
// method) or Blocking (a handler that waits). Done is called exactly once, as
// the last thing the path does with the call: the call may be deleted then.
class LedgerService::AppendCall {
 public:
  using Outcome = absl::StatusOr<std::vector<v1::Receipt>>;
  class Reactor;
  class Blocking;

  AppendCall(LedgerService& service, grpc::ServerContextBase& context)
      : service_(service), context_(context) {}
  virtual ~AppendCall() = default;
  AppendCall(const AppendCall&) = delete;
  AppendCall& operator=(const AppendCall&) = delete;

  // `entries` (non-empty) must live until Done: they are read by Validate.
  void Start(const std::vector<const v1::SignedEntry*>& entries) {
    if (entries.size() == 1) return Validate(entries);
    // Nothing calls Done before Validate has run (Cancel withdraws only a
    // submission, and there is none yet).
    service_.verifying_.Post([this, entries] { Validate(entries); });
  }

  // Ends the call with `status` (a request rejected before Start).
  void Fail(const absl::Status& status) { Done(status); }

  // The caller is gone (cancelled, or past its deadline): withdraws the
  // entries if the sequencer has not taken them. Idempotent.
  void Cancel() {
    bool withdrawn = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      withdrawn = submission_ != nullptr && WithdrawLocked();
    }
    if (withdrawn) Fail(WithdrawnError(DeadlinePassed(context_)));
  }

 protected:
  // The receipts, one per entry in order, or the error.
  virtual void Done(Outcome outcome) = 0;

  LedgerService& service_;
  grpc::ServerContextBase& context_;

 private:
  void Validate(const std::vector<const v1::SignedEntry*>& entries) {
    absl::StatusOr<std::vector<ValidatedEntry>> validated = service_.ValidateEntries(entries);
    if (!validated.ok()) return Fail(validated.status());
    if (!FilesPersonalData(*validated)) return Sequence(*std::move(validated));
    service_.blocking_.Post(
        [this, entries = *std::move(validated)]() mutable { Sequence(std::move(entries)); });
  }

  // Files the entries' personal data and queues them. Done (and so the
  // call's deletion) is never called with mu_ held, nor before this is done
  // with the call: Answer waits for mu_, which is held until the submission
  // is stored.
  void Sequence(std::vector<ValidatedEntry> entries) {
    const bool late = DeadlinePassed(context_);
    if (late || context_.IsCancelled()) return Fail(WithdrawnError(late));
    if (absl::Status filed = service_.FilePersonalData(entries); !filed.ok()) return Fail(filed);
    erased_records_ = ErasedRecords(entries);
    absl::Status failed;
    {
      absl::MutexLock lock(&mu_);
      absl::StatusOr<std::shared_ptr<Submission>> submission = service_.sequencer_.Submit(
          std::move(entries),
          [this](const absl::StatusOr<BatchOutcome>& outcome) { Answer(outcome); });
      if (!submission.ok()) {
        failed = submission.status();
      } else {
        submission_ = *std::move(submission);
        // Cancel ran while the entries were filed.
        if (cancelled_ && WithdrawLocked()) failed = WithdrawnError(DeadlinePassed(context_));
      }
    }
    if (!failed.ok()) Fail(failed);
  }

  // On the sequencer's completion thread, which answers every call: retries
  // of entries appended earlier read their proofs from the store, and
  // erasures delete, elsewhere.
  void Answer(const absl::StatusOr<BatchOutcome>& outcome) {
    { absl::MutexLock wait_for_sequence(&mu_); }
    if (!outcome.ok() || (!HasRetry(*outcome) && erased_records_.empty())) return Reply(outcome);
    service_.blocking_.Post([this, outcome] { Reply(outcome); });
  }

  // The call may be deleted once this returns.
  void Reply(const absl::StatusOr<BatchOutcome>& outcome) {
    absl::StatusOr<std::vector<v1::Receipt>> receipts = service_.Receipts(outcome);
    if (!receipts.ok()) return Fail(receipts.status());
    // The erasure records are durable (appended now, or earlier: a retry).
    if (absl::Status erased = service_.ErasePersonalDataOf(erased_records_); !erased.ok()) {
      return Fail(erased);
    }
    Done(*std::move(receipts));
  }

  // Withdraws the submission if the sequencer has not taken it; true if this
  // call withdrew it (the caller then Fails the call, after unlocking).
  bool WithdrawLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (withdrawn_ || !submission_->Withdraw()) return false;
    withdrawn_ = true;
    return true;
  }

  // The records whose personal data the call's erasure entries erase: set by
  // Sequence before the entries are queued, read by Reply after they are
  // durable (Answer waits for mu_, which Sequence holds while queueing).
  std::vector<uint64_t> erased_records_;
  absl::Mutex mu_;
  std::shared_ptr<Submission> submission_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool withdrawn_ ABSL_GUARDED_BY(mu_) = false;
};

// An append of a callback method (gRPC's callback API): no thread waits for
// it; gRPC's cancellation (OnCancel) withdraws it.
class LedgerService::AppendCall::Reactor final : public grpc::ServerUnaryReactor,
                                                 public AppendCall {
 public:
  // Writes the receipts into the call's (serialized) response.
  using Respond = std::function<absl::Status(std::vector<v1::Receipt>)>;

  // `request` (the parsed request message) lives as long as the call: the
  // entries Start is given point into it.
  Reactor(LedgerService& service, grpc::CallbackServerContext& context, const char* method,
          std::unique_ptr<google::protobuf::Message> request, Respond respond)
      : AppendCall(service, context),
        method_(method),
        request_(std::move(request)),
        respond_(std::move(respond)) {}

  void OnCancel() override { Cancel(); }
  void OnDone() override { delete this; }

 private:
  void Done(Outcome outcome) override {
    if (!outcome.ok()) return Finish(service_.Reject(context_, method_, outcome.status()));
    if (absl::Status responded = respond_(*std::move(outcome)); !responded.ok()) {
      return Finish(service_.Reject(context_, method_, responded));
    }
    Finish(grpc::Status::OK);
  }

  const char* const method_;
  const std::unique_ptr<google::protobuf::Message> request_;
  const Respond respond_;
};

// An append of a blocking handler: its thread waits for the outcome, and
// withdraws the entries if the client goes away meanwhile.
class LedgerService::AppendCall::Blocking final : public AppendCall {
 public:
  using AppendCall::AppendCall;

  Outcome Wait() {
    while (!done_.WaitForNotificationWithTimeout(kPollInterval)) {
      if (DeadlinePassed(context_) || context_.IsCancelled()) Cancel();
    }
    return std::move(outcome_);
  }

 private:
  void Done(Outcome outcome) override {
    outcome_ = std::move(outcome);
    done_.Notify();  // last: Wait's caller may destroy this call at once
  }

  Outcome outcome_ = absl::UnknownError("not answered");
  absl::Notification done_;
};

absl::StatusOr<std::vector<v1::Receipt>> LedgerService::AppendEntries(
    grpc::ServerContext& context, const std::vector<const v1::SignedEntry*>& entries) {
  AppendCall::Blocking call(*this, context);
  call.Start(entries);
  return call.Wait();
}

grpc::ServerUnaryReactor* LedgerService::Append(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* raw_request,
                                                grpc::ByteBuffer* raw_response) {
  auto owned = std::make_unique<v1::AppendRequest>();
  const v1::AppendRequest& request = *owned;
  const absl::Status parsed = ParseRawRequest(*raw_request, *owned);
  auto* call = new AppendCall::Reactor(*this, *context, "Append", std::move(owned),
                                       [raw_response](std::vector<v1::Receipt> r) {
                                         return SerializeRawResponse(r.front(), *raw_response);
                                       });
  if (!parsed.ok()) {
    call->Fail(parsed);
  } else if (!request.has_entry()) {
    call->Fail(absl::InvalidArgumentError("the request has no entry"));
  } else {
    call->Start({&request.entry()});
  }
  return call;
}

grpc::ServerUnaryReactor* LedgerService::AppendBatch(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* raw_request,
                                                     grpc::ByteBuffer* raw_response) {
  auto owned = std::make_unique<v1::AppendBatchRequest>();
  const v1::AppendBatchRequest& request = *owned;
  const absl::Status parsed = ParseRawRequest(*raw_request, *owned);
  auto* call = new AppendCall::Reactor(*this, *context, "AppendBatch", std::move(owned),
                                       [raw_response](std::vector<v1::Receipt> r) {
                                         v1::AppendBatchResponse response;
                                         for (v1::Receipt& receipt : r) {
                                           *response.add_receipts() = std::move(receipt);
                                         }
                                         return SerializeRawResponse(response, *raw_response);
                                       });
  const int count = request.entries_size();
  if (!parsed.ok()) {
    call->Fail(parsed);
  } else if (count == 0) {
    call->Fail(absl::InvalidArgumentError("the batch has no entries"));
  } else if (static_cast<size_t>(count) > options_.max_batch_entries) {
    call->Fail(absl::InvalidArgumentError(absl::StrCat(
        "the batch has ", count, " entries, more than the limit of ", options_.max_batch_entries)));
  } else {
    std::vector<const v1::SignedEntry*> entries;
    entries.reserve(static_cast<size_t>(count));
    for (const v1::SignedEntry& entry : request.entries()) entries.push_back(&entry);
    call->Start(entries);
  }
  return call;
}

grpc::ServerUnaryReactor* LedgerService::GetRecord(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* raw_request,
                                                   grpc::ByteBuffer* raw_response) {
  return AnswerNow<v1::GetRecordRequest, v1::RecordResponse>(
      context, *raw_request, *raw_response,
      [&](const v1::GetRecordRequest& request, v1::RecordResponse& response) -> grpc::Status {
        absl::StatusOr<std::string> record = log_.GetRecord(request.index());
        if (!record.ok()) return ToGrpcStatus(record.status());
        response.set_index(request.index());
        response.set_leaf(*std::move(record));
        return grpc::Status::OK;
      });
}

grpc::Status LedgerService::GetRecords(grpc::ServerContext* context,
                                       const v1::GetRecordsRequest* request,
                                       grpc::ServerWriter<v1::RecordResponse>* writer) {
  absl::StatusOr<std::unique_ptr<LongReads::Slot>> slot = long_reads_.Admit(*context);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  const uint64_t size = log_.Size();
  const uint64_t end = request->end() == 0 || request->end() > size ? size : request->end();
  for (uint64_t next = request->start(); next < end;) {
    absl::StatusOr<uint64_t> sent = SendRecords(*context, **slot, *writer, next, end);
    if (!sent.ok()) return ToGrpcStatus(sent.status());
    next = *sent;
  }
  return grpc::Status::OK;
}

absl::StatusOr<uint64_t> LedgerService::SendRecords(grpc::ServerContext& context,
                                                    LongReads::Slot& slot,
                                                    grpc::ServerWriter<v1::RecordResponse>& writer,
                                                    uint64_t begin, uint64_t end) const {
  std::vector<v1::RecordResponse> chunk;
  RETURN_IF_ERROR(log_.ScanRecords(
      begin, std::min(end, begin + kRecordsPerRead), [&](uint64_t index, std::string_view bytes) {
        v1::RecordResponse& response = chunk.emplace_back();
        response.set_index(index);
        response.set_leaf(std::string(bytes));
        return true;
      }));
  if (chunk.empty()) {
    return absl::InternalError(absl::StrCat("record ", begin, " below the log's size is missing"));
  }
  for (const v1::RecordResponse& response : chunk) {
    if (context.IsCancelled() || !slot.Write(writer, response)) {
      return GoneOrStalledError();
    }
  }
  return begin + chunk.size();
}

grpc::Status LedgerService::Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                                  grpc::ServerWriter<v1::RecordResponse>* writer) {
  absl::StatusOr<std::unique_ptr<LongReads::Slot>> slot = long_reads_.Admit(*context);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  uint64_t next = request->start();
  while (!context->IsCancelled()) {
    const uint64_t size = log_.Size();
    if (next < size) {
      absl::StatusOr<uint64_t> sent = SendRecords(*context, **slot, *writer, next, size);
      if (!sent.ok()) return ToGrpcStatus(sent.status());
      next = *sent;
      continue;
    }
    if (sequencer_.stopped()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    }
    sequencer_.WaitForGrowth(next, kPollInterval * 5);
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
}

grpc::Status LedgerService::WitnessedCheckpoint(const v1::GetCheckpointRequest& request,
                                               v1::CheckpointResponse& response) const {
  if (request.tree_size() != 0) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "a witnessed checkpoint is the latest one cosigned: ask with tree_size 0"));
  }
  if (options_.witnessing == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        "this server has no witnesses (memoria-server --witness-policy)"));
  }
  std::optional<CosignedCheckpoint> cosigned = options_.witnessing->LatestCosigned();
  if (!cosigned) {
    return ToGrpcStatus(absl::NotFoundError(
        "no checkpoint is cosigned by the witnesses' quorum yet"));
  }
  // Signed by this process (or verified when witnessing started) and checked
  // against the quorum when stored; not verified again on every call.
  absl::StatusOr<Hash> root = log_.RootAt(cosigned->size);
  if (!root.ok()) return ToGrpcStatus(root.status());
  response.set_tree_size(cosigned->size);
  response.set_root_hash(std::string(AsBytes(*root)));
  response.set_note(std::move(cosigned->note));
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* LedgerService::GetCheckpoint(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* raw_request,
                                                       grpc::ByteBuffer* raw_response) {
  return AnswerNow<v1::GetCheckpointRequest, v1::CheckpointResponse>(
      context, *raw_request, *raw_response,
      [&](const v1::GetCheckpointRequest& request,
          v1::CheckpointResponse& response) -> grpc::Status {
        if (request.witnessed()) return WitnessedCheckpoint(request, response);
        if (request.tree_size() == 0) {
          // The head in memory: signed by this process, or verified when the log
          // was opened; not verified again on every call.
          absl::StatusOr<SignedHead> head = LatestHead(log_);
          if (!head.ok()) return ToGrpcStatus(head.status());
          response.set_tree_size(head->checkpoint.size);
          response.set_root_hash(std::string(AsBytes(head->checkpoint.root)));
          response.set_note(std::move(head->note));
          return grpc::Status::OK;
        }
        // An older one comes from disk: serve it only if it still verifies.
        absl::StatusOr<std::string> note = log_.CheckpointAt(request.tree_size());
        if (!note.ok()) return ToGrpcStatus(note.status());
        absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*note, log_.verifier());
        if (!checkpoint.ok()) {
          return ToGrpcStatus(absl::DataLossError(
              absl::StrCat("stored checkpoint does not open under the log key: ",
                           checkpoint.status().message())));
        }
        response.set_tree_size(checkpoint->size);
        response.set_root_hash(std::string(AsBytes(checkpoint->root)));
        response.set_note(*std::move(note));
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* LedgerService::GetInclusionProof(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* raw_request,
                                                           grpc::ByteBuffer* raw_response) {
  return AnswerNow<v1::GetInclusionProofRequest, v1::InclusionProof>(
      context, *raw_request, *raw_response,
      [&](const v1::GetInclusionProofRequest& request,
          v1::InclusionProof& response) -> grpc::Status {
        const uint64_t tree_size =
            request.tree_size() != 0 ? request.tree_size() : log_.Head().checkpoint.size;
        uint64_t index = 0;
        switch (request.leaf_case()) {
          case v1::GetInclusionProofRequest::kIndex:
            index = request.index();
            break;
          case v1::GetInclusionProofRequest::kLeafHash: {
            absl::StatusOr<Hash> hash = HashFromBytes(request.leaf_hash());
            if (!hash.ok()) return ToGrpcStatus(hash.status());
            absl::StatusOr<uint64_t> found = log_.FindLeaf(*hash);
            if (!found.ok()) return ToGrpcStatus(found.status());
            index = *found;
            break;
          }
          case v1::GetInclusionProofRequest::LEAF_NOT_SET:
            return ToGrpcStatus(absl::InvalidArgumentError("give an index or a leaf_hash"));
        }
        if (index >= tree_size) {
          return ToGrpcStatus(absl::OutOfRangeError(
              absl::StrCat("index ", index, " is not in a tree of ", tree_size, " leaves")));
        }
        absl::StatusOr<LeafInclusion> proved = log_.LeafInclusionProof(index, tree_size);
        if (!proved.ok()) return ToGrpcStatus(proved.status());
        response.set_index(index);
        response.set_tree_size(tree_size);
        response.set_leaf_hash(std::string(AsBytes(proved->leaf_hash)));
        for (const Hash& hash : proved->proof) response.add_hashes(std::string(AsBytes(hash)));
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* LedgerService::GetConsistencyProof(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* raw_request,
                                                             grpc::ByteBuffer* raw_response) {
  return AnswerNow<v1::GetConsistencyProofRequest, v1::ConsistencyProof>(
      context, *raw_request, *raw_response,
      [&](const v1::GetConsistencyProofRequest& request,
          v1::ConsistencyProof& response) -> grpc::Status {
        const uint64_t second =
            request.second() != 0 ? request.second() : log_.Head().checkpoint.size;
        if (request.first() > second) {
          return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
              "first size ", request.first(), " is larger than second size ", second)));
        }
        absl::StatusOr<std::vector<Hash>> proof = log_.ConsistencyProof(request.first(), second);
        if (!proof.ok()) return ToGrpcStatus(proof.status());
        absl::StatusOr<Hash> first_root = log_.RootAt(request.first());
        if (!first_root.ok()) return ToGrpcStatus(first_root.status());
        absl::StatusOr<Hash> second_root = log_.RootAt(second);
        if (!second_root.ok()) return ToGrpcStatus(second_root.status());
        response.set_first(request.first());
        response.set_second(second);
        response.set_first_root(std::string(AsBytes(*first_root)));
        response.set_second_root(std::string(AsBytes(*second_root)));
        for (const Hash& hash : *proof) response.add_hashes(std::string(AsBytes(hash)));
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* LedgerService::GetInfo(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* raw_request,
                                                 grpc::ByteBuffer* raw_response) {
  return AnswerNow<v1::GetInfoRequest, v1::Info>(
      context, *raw_request, *raw_response,
      [&](const v1::GetInfoRequest&, v1::Info& response) -> grpc::Status {
        response.set_origin(log_.origin());
        response.set_vkey(log_.verifier().ToString());
        response.set_version(MEMORIA_VERSION);
        response.set_tree_size(log_.Head().checkpoint.size);
        response.set_admin_vkey(admin_.ToString());
        for (v1::WriterInfo& writer : registry_.List()) *response.add_writers() = std::move(writer);
        return grpc::Status::OK;
      });
}

}  // namespace memoria::server
