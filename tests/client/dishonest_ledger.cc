#include "tests/client/dishonest_ledger.h"

#include <algorithm>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "memoria/v1/record.pb.h"
#include "tests/server/server_test_util.h"

namespace memoria::client::testing {
namespace {

// Forwards one unary call to the real server.
template <typename Request, typename Response, typename Method>
grpc::Status Forward(v1::Ledger::Stub& upstream, Method method, const Request& request,
                     Response* response) {
  grpc::ClientContext context;
  return (upstream.*method)(&context, request, response);
}

}  // namespace

DishonestLedger::DishonestLedger(int upstream_port, uint64_t decoy_index, Lie lie)
    : lie_(lie), upstream_(server::testing::NewLocalStub(upstream_port)) {
  v1::GetRecordRequest request;
  request.set_index(decoy_index);
  v1::RecordResponse stored;
  v1::Record record;
  if (!Forward(*upstream_, &v1::Ledger::Stub::GetRecord, request, &stored).ok() ||
      !record.ParseFromString(stored.leaf())) {
    ADD_FAILURE() << "no record " << decoy_index << " to use as the decoy";
    abort();
  }
  decoy_.set_entry(record.entry());
  decoy_.set_key_id(record.writer_key_id());
  decoy_.set_signature(record.writer_signature());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    ADD_FAILURE() << "the dishonest server could not listen";
    abort();
  }
}

DishonestLedger::~DishonestLedger() { server_->Shutdown(); }

int DishonestLedger::appends() const {
  absl::MutexLock lock(&mu_);
  return appends_;
}

grpc::Status DishonestLedger::DecoyReceipt(v1::Receipt* receipt) {
  v1::AppendRequest request;
  *request.mutable_entry() = decoy_;
  return Forward(*upstream_, &v1::Ledger::Stub::Append, request, receipt);
}

grpc::Status DishonestLedger::Append(grpc::ServerContext*, const v1::AppendRequest* request,
                                     v1::Receipt* response) {
  int call = 0;
  {
    absl::MutexLock lock(&mu_);
    call = ++appends_;
  }
  switch (lie_) {
    case Lie::kOtherRecord: {
      grpc::Status status = DecoyReceipt(response);
      response->set_duplicate(false);  // as if freshly appended
      return status;
    }
    case Lie::kRetryAnsweredWithOther:
      if (call == 1) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "try again");
      return DecoyReceipt(response);
    case Lie::kLeafStripped: {
      grpc::Status status = Forward(*upstream_, &v1::Ledger::Stub::Append, *request, response);
      response->clear_leaf();
      return status;
    }
    default:
      return Forward(*upstream_, &v1::Ledger::Stub::Append, *request, response);
  }
}

grpc::Status DishonestLedger::AppendBatch(grpc::ServerContext*, const v1::AppendBatchRequest* request,
                                          v1::AppendBatchResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    ++appends_;
  }
  grpc::Status status = Forward(*upstream_, &v1::Ledger::Stub::AppendBatch, *request, response);
  if (!status.ok()) return status;
  if (lie_ == Lie::kReceiptsReversed) {
    std::reverse(response->mutable_receipts()->begin(), response->mutable_receipts()->end());
  } else if (lie_ == Lie::kReceiptMissing) {
    response->mutable_receipts()->RemoveLast();
  }
  return status;
}

grpc::Status DishonestLedger::GetInfo(grpc::ServerContext*, const v1::GetInfoRequest* request,
                                      v1::Info* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetInfo, *request, response);
}

grpc::Status DishonestLedger::GetCheckpoint(grpc::ServerContext*,
                                            const v1::GetCheckpointRequest* request,
                                            v1::CheckpointResponse* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetCheckpoint, *request, response);
}

grpc::Status DishonestLedger::GetRecord(grpc::ServerContext*, const v1::GetRecordRequest* request,
                                        v1::RecordResponse* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetRecord, *request, response);
}

grpc::Status DishonestLedger::GetInclusionProof(grpc::ServerContext*,
                                                const v1::GetInclusionProofRequest* request,
                                                v1::InclusionProof* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetInclusionProof, *request, response);
}

grpc::Status DishonestLedger::GetConsistencyProof(grpc::ServerContext*,
                                                  const v1::GetConsistencyProofRequest* request,
                                                  v1::ConsistencyProof* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetConsistencyProof, *request, response);
}

}  // namespace memoria::client::testing
