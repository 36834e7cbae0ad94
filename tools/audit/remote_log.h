// RemoteLog: a memoria-server seen through the generated Ledger stub, as an
// auditor uses it: every answer is data to verify, never trusted as such.
// Also a BundleSource, so bundles can be exported from a live server.
//
// Errors: the gRPC status, converted (same canonical code), prefixed with the
// call that failed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/connection.h"
#include "ledger/bundle.h"
#include "memoria/v1/ledger.grpc.pb.h"

namespace memoria::audit {

absl::Status FromGrpc(const grpc::Status& status, std::string_view call);

class RemoteLog final : public BundleSource {
 public:
  static absl::StatusOr<std::unique_ptr<RemoteLog>> Connect(const client::ConnectionOptions& options);

  // The latest signed checkpoint note.
  absl::StatusOr<std::string> LatestCheckpoint() override;
  absl::StatusOr<v1::Info> Info();
  absl::StatusOr<std::string> AdminVkey() override;
  absl::StatusOr<std::vector<v1::WriterInfo>> Writers() override;
  absl::Status ScanRecords(uint64_t begin, uint64_t end,
                           const std::function<absl::Status(uint64_t, std::string)>& visit) override;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) override;
  // The server's consistency proof from `first` to `second` leaves.
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second);

  v1::Ledger::Stub& stub() { return *stub_; }

 private:
  explicit RemoteLog(std::shared_ptr<grpc::Channel> channel);
  void SetDeadline(grpc::ClientContext& context) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::chrono::seconds call_timeout_{30};
};

}  // namespace memoria::audit
