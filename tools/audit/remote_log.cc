#include "tools/audit/remote_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/status.h"

namespace memoria::audit {

absl::Status FromGrpc(const grpc::Status& status, std::string_view call) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(std::string(call), ": ", status.error_message()));
}

RemoteLog::RemoteLog(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)), stub_(v1::Ledger::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<RemoteLog>> RemoteLog::Connect(
    const client::ConnectionOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, client::OpenChannel(options));
  return std::unique_ptr<RemoteLog>(new RemoteLog(std::move(channel)));
}

void RemoteLog::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + call_timeout_);
}

absl::StatusOr<std::string> RemoteLog::LatestCheckpoint() {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetCheckpointRequest request;
  v1::CheckpointResponse response;
  RETURN_IF_ERROR(FromGrpc(stub_->GetCheckpoint(&context, request, &response), "GetCheckpoint"));
  return response.note();
}

absl::StatusOr<v1::Info> RemoteLog::Info() {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetInfoRequest request;
  v1::Info response;
  RETURN_IF_ERROR(FromGrpc(stub_->GetInfo(&context, request, &response), "GetInfo"));
  return response;
}

absl::StatusOr<std::string> RemoteLog::AdminVkey() {
  ASSIGN_OR_RETURN(v1::Info info, Info());
  return info.admin_vkey();
}

absl::StatusOr<std::vector<v1::WriterInfo>> RemoteLog::Writers() {
  ASSIGN_OR_RETURN(v1::Info info, Info());
  return std::vector<v1::WriterInfo>(info.writers().begin(), info.writers().end());
}

absl::Status RemoteLog::ScanRecords(
    uint64_t begin, uint64_t end, const std::function<absl::Status(uint64_t, std::string)>& visit) {
  if (begin >= end) return absl::OkStatus();
  grpc::ClientContext context;
  v1::GetRecordsRequest request;
  request.set_start(begin);
  request.set_end(end);
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader = stub_->GetRecords(&context, request);
  v1::RecordResponse response;
  absl::Status visited = absl::OkStatus();
  while (reader->Read(&response)) {
    visited = visit(response.index(), std::move(*response.mutable_leaf()));
    if (!visited.ok()) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  RETURN_IF_ERROR(visited);
  return FromGrpc(status, "GetRecords");
}

absl::StatusOr<std::vector<Hash>> RemoteLog::InclusionProof(uint64_t index, uint64_t tree_size) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetInclusionProofRequest request;
  request.set_index(index);
  request.set_tree_size(tree_size);
  v1::InclusionProof response;
  RETURN_IF_ERROR(FromGrpc(stub_->GetInclusionProof(&context, request, &response), "GetInclusionProof"));
  std::vector<Hash> proof;
  for (const std::string& bytes : response.hashes()) {
    absl::StatusOr<Hash> hash = HashFromBytes(bytes);
    if (!hash.ok()) return absl::DataLossError("GetInclusionProof: a proof hash is not 32 bytes");
    proof.push_back(*hash);
  }
  return proof;
}

absl::StatusOr<std::vector<Hash>> RemoteLog::ConsistencyProof(uint64_t first, uint64_t second) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetConsistencyProofRequest request;
  request.set_first(first);
  request.set_second(second);
  v1::ConsistencyProof response;
  RETURN_IF_ERROR(
      FromGrpc(stub_->GetConsistencyProof(&context, request, &response), "GetConsistencyProof"));
  std::vector<Hash> proof;
  for (const std::string& bytes : response.hashes()) {
    absl::StatusOr<Hash> hash = HashFromBytes(bytes);
    if (!hash.ok()) return absl::DataLossError("GetConsistencyProof: a proof hash is not 32 bytes");
    proof.push_back(*hash);
  }
  return proof;
}

}  // namespace memoria::audit
