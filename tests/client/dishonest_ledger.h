// A dishonest Ledger server for the client tests: an in-process gRPC service
// in front of a real memoria-server that forwards the reads a client verifies
// with (GetInfo, GetCheckpoint, GetRecord, GetInclusionProof,
// GetConsistencyProof) as they are, but answers appends with genuine receipts,
// signed by the log, of *other* records.
//
//   DishonestLedger proxy(server->port(), decoy_index, DishonestLedger::Lie::kOtherRecord);
//   a client pointed at 127.0.0.1:proxy.port() appends; it must not believe it.
//
// The decoy is a record already in the real log, appended by a writer: the
// proxy obtains its genuine receipt by sending its signed entry again (the
// server answers a retry with the original receipt, duplicate: true).
#pragma once

#include <cstdint>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "memoria/v1/ledger_service.grpc.pb.h"

namespace memoria::client::testing {

class DishonestLedger final : public v1::Ledger::Service {
 public:
  enum class Lie {
    // Append: nothing is appended; the answer is the decoy's receipt.
    kOtherRecord,
    // Append: the first attempt fails UNAVAILABLE (nothing appended); the
    // retry is answered with the decoy's receipt, duplicate: true.
    kRetryAnsweredWithOther,
    // Append: the entry is appended; its genuine receipt comes back without
    // the leaf bytes.
    kLeafStripped,
    // AppendBatch: the entries are appended; their genuine receipts come back
    // in reverse order.
    kReceiptsReversed,
    // AppendBatch: the entries are appended; the last receipt is left out.
    kReceiptMissing,
  };

  // Listens on 127.0.0.1 (any free port) in front of the memoria-server on
  // 127.0.0.1:upstream_port. Aborts the test if it cannot listen.
  DishonestLedger(int upstream_port, uint64_t decoy_index, Lie lie);
  ~DishonestLedger() override;

  int port() const { return port_; }
  // Append and AppendBatch calls received.
  int appends() const;

  grpc::Status Append(grpc::ServerContext* context, const v1::AppendRequest* request,
                      v1::Receipt* response) override;
  grpc::Status AppendBatch(grpc::ServerContext* context, const v1::AppendBatchRequest* request,
                           v1::AppendBatchResponse* response) override;
  grpc::Status GetInfo(grpc::ServerContext* context, const v1::GetInfoRequest* request,
                       v1::Info* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::CheckpointResponse* response) override;
  grpc::Status GetRecord(grpc::ServerContext* context, const v1::GetRecordRequest* request,
                         v1::RecordResponse* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override;

 private:
  // The decoy's genuine receipt, from the real server.
  grpc::Status DecoyReceipt(v1::Receipt* receipt);

  v1::SignedEntry decoy_;
  const Lie lie_;
  std::unique_ptr<v1::Ledger::Stub> upstream_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  int appends_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace memoria::client::testing
