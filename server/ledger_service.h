// LedgerService: the memoria.v1.Ledger gRPC service. Handlers are thin:
// validate (in the calling gRPC thread), hand appends to the Sequencer and
// wait, read through the Log, convert the status once (grpc_status.h).
//
// Appends and deadlines: an Append/AppendBatch call whose client cancels or
// whose deadline passes while its entries are still queued is dropped: nothing
// of it is ever appended, and it ends CANCELLED or DEADLINE_EXCEEDED. Once the
// sequencer has taken the entries into a batch, they are appended in full (or
// the batch fails as a whole) whatever happens to the call; a client that gave
// up may retry with the same request ids and receives the original receipts.
//
// Reads are public. Watch streams records from its start index, then follows
// the log live; it ends when the client cancels or the server shuts down
// (UNAVAILABLE).
//
// Thread-safe; every borrowed object must outlive the service.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "memoria/v1/ledger.grpc.pb.h"
#include "server/entry_validation.h"
#include "server/sequencer.h"
#include "server/writer_registry.h"

namespace memoria::server {

struct LedgerServiceOptions {
  ValidationLimits validation;
  // Most entries in one AppendBatch call.
  size_t max_batch_entries = 1000;
};

class LedgerService final : public v1::Ledger::Service {
 public:
  LedgerService(Log& log, WriterRegistry& registry, Sequencer& sequencer, Verifier admin,
                const LedgerServiceOptions& options);

  grpc::Status Append(grpc::ServerContext* context, const v1::AppendRequest* request,
                      v1::Receipt* response) override;
  grpc::Status AppendBatch(grpc::ServerContext* context, const v1::AppendBatchRequest* request,
                           v1::AppendBatchResponse* response) override;
  grpc::Status GetRecord(grpc::ServerContext* context, const v1::GetRecordRequest* request,
                         v1::RecordResponse* response) override;
  grpc::Status GetRecords(grpc::ServerContext* context, const v1::GetRecordsRequest* request,
                          grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context,
                             const v1::GetCheckpointRequest* request,
                             v1::CheckpointResponse* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override;
  grpc::Status GetInfo(grpc::ServerContext* context, const v1::GetInfoRequest* request,
                       v1::Info* response) override;

  // Append calls rejected so far (validation, sequencing, cancellation).
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  // Validates, sequences and waits; one receipt per entry, in order.
  absl::StatusOr<std::vector<v1::Receipt>> AppendEntries(
      grpc::ServerContext& context, const std::vector<const v1::SignedEntry*>& entries);
  // Counts and logs (at debug level) a rejected append.
  grpc::Status Reject(grpc::ServerContext& context, const char* method,
                      const absl::Status& status);

  Log& log_;
  WriterRegistry& registry_;
  Sequencer& sequencer_;
  const Verifier admin_;
  const LedgerServiceOptions options_;
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace memoria::server
