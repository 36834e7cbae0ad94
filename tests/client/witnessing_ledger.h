// A Ledger server with witnesses, for the tests of the client side of
// witnessing (the server's own witnessing loop is not needed): an in-process
// gRPC service in front of a real memoria-server that forwards every call as
// it is, except GetCheckpoint(witnessed = true), which it answers with the
// real server's latest checkpoint note (or, pinned, its checkpoint of a given
// size: an older one) followed by cosignature/v1 lines made here with test
// witness keys, by the witnesses the test chooses, one of them optionally
// corrupted (a byte of its signature flipped).
//
//   WitnessingLedger witnessed(server->port(), {"A", "B", "C"});
//   witnessed.SetCosigners({"A", "B"});
//   policy text: witnessed.PolicyText("group g 2 A B C\nquorum g\n")
//   a client pointed at 127.0.0.1:witnessed.port() sees checkpoints cosigned by A and B.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger_service.grpc.pb.h"

namespace memoria::client::testing {

class WitnessingLedger final : public v1::Ledger::Service {
 public:
  enum class Mode {
    kCosigned,      // the checkpoint with the chosen cosignatures
    kNoneYet,       // NOT_FOUND: nothing cosigned yet
    kNoWitnesses,   // FAILED_PRECONDITION: the server has no witnesses
  };

  // Listens on 127.0.0.1 (any free port) in front of the memoria-server on
  // 127.0.0.1:upstream_port, with a cosignature/v1 key per witness name
  // (key name "witness-<lowercase name>.example"). By default every witness
  // cosigns. Aborts the test if it cannot listen.
  WitnessingLedger(int upstream_port, const std::vector<std::string>& witness_names);
  // The same witnesses (keys) as `other`'s, in front of another server.
  WitnessingLedger(int upstream_port, const WitnessingLedger& other);
  ~WitnessingLedger() override;

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  const Signer& witness(const std::string& name) const { return witnesses_.at(name); }

  // "witness <name> <vkey>" for every witness, then `groups_and_quorum`.
  std::string PolicyText(const std::string& groups_and_quorum) const;

  void SetMode(Mode mode);
  // The witnesses whose cosignature lines are added, in this order.
  void SetCosigners(std::vector<std::string> names);
  // Flip a byte of this witness's cosignature (empty: none).
  void SetCorrupted(std::string name);
  // Serve the log's checkpoint of exactly this size (nullopt: the latest).
  void PinSize(std::optional<uint64_t> size);
  // GetCheckpoint(witnessed) calls answered.
  int witnessed_calls() const;

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
  grpc::Status GetRecords(grpc::ServerContext* context, const v1::GetRecordsRequest* request,
                          grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::RecordResponse>* writer) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override;

 private:
  void Listen();

  // Forwards a server stream, cancelling the upstream call when the
  // downstream one goes away or the proxy stops.
  template <typename Request>
  grpc::Status ForwardStream(
      grpc::ServerContext* context, const Request& request,
      std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> (v1::Ledger::Stub::*method)(
          grpc::ClientContext*, const Request&),
      grpc::ServerWriter<v1::RecordResponse>* writer);

  std::map<std::string, Signer> witnesses_;
  std::unique_ptr<v1::Ledger::Stub> upstream_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kCosigned;
  std::vector<std::string> cosigners_ ABSL_GUARDED_BY(mu_);
  std::string corrupted_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> pinned_size_ ABSL_GUARDED_BY(mu_);
  int witnessed_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memoria::client::testing
