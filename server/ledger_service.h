// LedgerService: the memoria.v1.Ledger gRPC service (ledger_service.proto):
// appends, records, checkpoints, proofs, Watch, GetInfo. The same server
// serves memoria.v1.Policy (policy_service.h) and memoria.v1.Transparency
// (transparency_service.h) beside it. Handlers are thin: validate (in the
// calling gRPC thread), hand appends to the Sequencer, read through the
// Log, convert the status once (grpc_status.h). Append and
// AppendBatch use gRPC's callback API: no thread waits while their batch is
// written; the sequencer's completion thread builds the receipts and finishes
// the call. What blocks (filing personal data, proofs of retries read from
// the store) runs on a task thread of the service, and the signatures of a
// call of several entries on its verifying threads: gRPC runs every callback
// method on two shared threads, and a batch of 100 holds a core for ~6 ms.
// The quick reads (GetRecord, GetCheckpoint, the proofs, GetInfo) are
// callback methods too, answered on the gRPC thread that received them: they
// compute from memory or a few store lookups and take only short locks.
// ErasePersonalData (the Policy service's), rare, appends through
// AppendEntries and waits in its handler.
//
// Appends and deadlines: an Append/AppendBatch call whose client cancels or
// whose deadline passes before the sequencer takes its entries is dropped
// when the server learns of it (gRPC's cancellation reaches the server a
// moment after the client gives up): nothing of it is ever appended, and it
// ends CANCELLED or DEADLINE_EXCEEDED. Once the sequencer has taken the
// entries into a batch, they are appended in full (or the batch fails as a
// whole) whatever happens to the call; a client that gave up may retry with
// the same request ids and receives the original receipts.
//
// Reads are public, and carry commitments only: the values and salts of
// personal data are read through the Policy service, with the reader
// credential.
//
// Personal data, durability order: an entry's openings are written (synced)
// to the erasable store, keyed by the SHA-256 of the entry bytes, before the
// entry is handed to the sequencer; so every record with commitments has its
// openings unless erased. If the append then fails, the openings stay as an
// orphan nobody can reach through a record (a retry of the same entry finds
// them; a sweep may delete them). An erasure deletes the record's openings
// (synced, with a tombstone that keeps a retried append from storing them
// again) only after its PersonalDataErased record is durable, and before the
// call is answered: an erasure the sequencer rejects (a reused request id,
// for one) erases nothing. A retry of an erasure whose record is durable
// (the deletion failed, or the server crashed in between) deletes (again:
// PersonalStore::Erase is idempotent) and answers the original receipt.
//
// Watch streams records from its start index, then follows the log live; it
// ends when the client cancels or the server shuts down (UNAVAILABLE).
//
// Long reads (GetRecords, Watch, and the Transparency service's Export) are
// blocking handlers, a thread each, admitted by one LongReads shared by the
// services: at most its max_concurrent run at once (one more is
// RESOURCE_EXHAUSTED "too many concurrent long reads (N); retry later"), and
// one whose client takes no message for stream_stall_timeout is cancelled
// (CANCELLED); see long_reads.h. GetRecords and Watch read the store a chunk
// at a time and hold no store iterator while they wait for the client.
//
// Thread-safe; every borrowed object must outlive the service.
#pragma once

#include <atomic>
#include <optional>
#include <cstdint>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "ledger/keys.h"
#include "ledger/clock.h"
#include "ledger/log.h"
#include "ledger/personal_store.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "ledger/sequencer/entry_validation.h"
#include "ledger/sequencer/sequencer.h"
#include "ledger/sequencer/task_pool.h"
#include "ledger/sequencer/writer_registry.h"
#include "server/long_reads.h"
#include "server/witnessing.h"

namespace memoria::server {

struct LedgerServiceOptions {
  ValidationLimits validation;
  // Most entries in one AppendBatch call.
  size_t max_batch_entries = 1000;
  // The erasable store of personal-data values and salts that appends file
  // (server/policy_access.h); nullptr: entries carrying openings or erasing
  // are rejected (FAILED_PRECONDITION).
  PersonalStore* personal_store = nullptr;
  // The witnessing loop whose latest cosigned checkpoint GetCheckpoint serves
  // when asked for `witnessed`; nullptr: no witnesses (FAILED_PRECONDITION).
  const Witnessing* witnessing = nullptr;
};

// Appends and the quick reads are callback methods; the streams (GetRecords,
// Watch) are blocking handlers.
// The callback methods take raw bytes and parse them themselves
// (raw_messages.h): a request that does not parse is INVALID_ARGUMENT, not
// the UNIMPLEMENTED of gRPC's typed callback handler.
using LedgerServiceBase =
    v1::Ledger::WithRawCallbackMethod_Append<v1::Ledger::WithRawCallbackMethod_AppendBatch<
        v1::Ledger::WithRawCallbackMethod_GetRecord<v1::Ledger::WithRawCallbackMethod_GetCheckpoint<
            v1::Ledger::WithRawCallbackMethod_GetInclusionProof<
                v1::Ledger::WithRawCallbackMethod_GetConsistencyProof<
                    v1::Ledger::WithRawCallbackMethod_GetInfo<v1::Ledger::Service>>>>>>>;

class LedgerService final : public LedgerServiceBase {
 public:
  // `long_reads` admits GetRecords and Watch (shared with the other
  // services' long reads).
  LedgerService(Log& log, WriterRegistry& registry, Sequencer& sequencer, Verifier admin,
                LongReads& long_reads, const LedgerServiceOptions& options);

  // The blocking overloads of the callback methods are never called (they
  // abort); named here only so that the callback ones do not hide them.
  using LedgerServiceBase::Append;
  using LedgerServiceBase::AppendBatch;
  using LedgerServiceBase::GetCheckpoint;
  using LedgerServiceBase::GetConsistencyProof;
  using LedgerServiceBase::GetInclusionProof;
  using LedgerServiceBase::GetInfo;
  using LedgerServiceBase::GetRecord;
  // The callback methods: `request` holds the serialized request message
  // (AppendRequest, AppendBatchRequest, GetRecordRequest, ...), `response`
  // receives the serialized response.
  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AppendBatch(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::Status GetRecords(grpc::ServerContext* context, const v1::GetRecordsRequest* request,
                          grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;

  // Validates, sequences and waits (a blocking handler); one receipt per
  // entry, in order. For appends made by blocking handlers of the other
  // services (the Policy service's ErasePersonalData); the errors of the
  // callback appends.
  absl::StatusOr<std::vector<v1::Receipt>> AppendEntries(
      grpc::ServerContext& context, const std::vector<const v1::SignedEntry*>& entries);
  // Counts and logs (at debug level) a rejected append (`method`: the RPC's
  // name); returns `status` as a grpc::Status.
  grpc::Status Reject(grpc::ServerContextBase& context, const char* method,
                      const absl::Status& status);

  // Append calls rejected so far (validation, sequencing, cancellation).
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // Long reads running now, and cancelled because their client stalled.
  const LongReads& long_reads() const { return long_reads_; }

 private:
  class AppendCall;

  // GetCheckpoint with `witnessed`: the witnessing loop's latest cosigned
  // checkpoint.
  grpc::Status WitnessedCheckpoint(const v1::GetCheckpointRequest& request,
                                   v1::CheckpointResponse& response) const;

  // Validates each entry (ValidateEntry); the first error names its entry.
  absl::StatusOr<std::vector<ValidatedEntry>> ValidateEntries(
      const std::vector<const v1::SignedEntry*>& entries) const;
  // True if sequencing `entries` files or erases personal data (synced writes).
  static bool FilesPersonalData(const std::vector<ValidatedEntry>& entries);
  // One receipt per entry of an answered submission, in order.
  absl::StatusOr<std::vector<v1::Receipt>> Receipts(
      const absl::StatusOr<BatchOutcome>& outcome) const;
  // Personal data, before the entries are sequenced: stores the openings the
  // entries carry (synced); checks that erasure entries name an existing
  // record (OUT_OF_RANGE otherwise) but deletes nothing yet.
  absl::Status FilePersonalData(const std::vector<ValidatedEntry>& entries);
  // The records that the erasure entries among `entries` erase.
  static std::vector<uint64_t> ErasedRecords(const std::vector<ValidatedEntry>& entries);
  // After the erasure records are durable: deletes the personal data of
  // `records` (PersonalStore::Erase, synced, idempotent).
  absl::Status ErasePersonalDataOf(const std::vector<uint64_t>& records);
  // Sends records [begin, min(end, begin + a chunk)) of the log on a long
  // read's stream, read from the store before the first is written; returns
  // the index after the last one sent. CANCELLED if the client went away or
  // stalled.
  absl::StatusOr<uint64_t> SendRecords(grpc::ServerContext& context, LongReads::Slot& slot,
                                       grpc::ServerWriter<v1::RecordResponse>& writer,
                                       uint64_t begin, uint64_t end) const;
  Log& log_;
  WriterRegistry& registry_;
  Sequencer& sequencer_;
  const Verifier admin_;
  const LedgerServiceOptions options_;
  std::atomic<uint64_t> rejected_{0};
  // Work of the callback appends (AppendCall) kept off gRPC's threads: what
  // blocks, on one thread; the signatures of calls of several entries, on
  // one thread per core.
  TaskPool blocking_{1};
  TaskPool verifying_{std::thread::hardware_concurrency()};
  LongReads& long_reads_;
};

}  // namespace memoria::server
