#include "tests/client/witnessing_ledger.h"

#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/encoding.h"
#include "ledger/verify/cosignature.h"
#include "tests/server/server_test_util.h"

namespace memoria::client::testing {
namespace {

template <typename Request, typename Response, typename Method>
grpc::Status Forward(v1::Ledger::Stub& upstream, Method method, const Request& request,
                     Response* response) {
  grpc::ClientContext context;
  return (upstream.*method)(&context, request, response);
}

// `line` ("— name base64\n") with one byte of its signature flipped.
std::string Corrupt(const std::string& line) {
  const size_t space = line.rfind(' ');
  absl::StatusOr<std::string> bytes = Base64Decode(line.substr(space + 1, line.size() - space - 2));
  if (!bytes.ok() || bytes->size() < 20) {
    ADD_FAILURE() << "not a cosignature line: " << line;
    return line;
  }
  (*bytes)[bytes->size() - 10] ^= 0x01;  // inside the 64-byte signature
  return line.substr(0, space + 1) + Base64Encode(*bytes) + "\n";
}

}  // namespace

WitnessingLedger::WitnessingLedger(int upstream_port, const std::vector<std::string>& names)
    : upstream_(server::testing::NewLocalStub(upstream_port)) {
  for (const std::string& name : names) {
    std::string lower;
    for (char c : name) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    absl::StatusOr<Signer> key =
        Signer::Generate("witness-" + lower + ".example", SignatureType::kCosignatureV1);
    if (!key.ok()) {
      ADD_FAILURE() << key.status();
      abort();
    }
    witnesses_.emplace(name, *std::move(key));
    cosigners_.push_back(name);
  }
  Listen();
}

WitnessingLedger::WitnessingLedger(int upstream_port, const WitnessingLedger& other)
    : witnesses_(other.witnesses_), upstream_(server::testing::NewLocalStub(upstream_port)) {
  for (const auto& [name, key] : witnesses_) cosigners_.push_back(name);
  Listen();
}

void WitnessingLedger::Listen() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    ADD_FAILURE() << "the witnessing proxy could not listen";
    abort();
  }
}

WitnessingLedger::~WitnessingLedger() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (grpc::ClientContext* stream : streams_) stream->TryCancel();
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

std::string WitnessingLedger::PolicyText(const std::string& groups_and_quorum) const {
  std::string text = "# test witnesses\n";
  for (const auto& [name, key] : witnesses_) {
    absl::StrAppend(&text, "witness ", name, " ", key.verifier().ToString(), "\n");
  }
  return text + groups_and_quorum;
}

void WitnessingLedger::SetMode(Mode mode) {
  absl::MutexLock lock(&mu_);
  mode_ = mode;
}

void WitnessingLedger::SetCosigners(std::vector<std::string> names) {
  absl::MutexLock lock(&mu_);
  cosigners_ = std::move(names);
}

void WitnessingLedger::SetCorrupted(std::string name) {
  absl::MutexLock lock(&mu_);
  corrupted_ = std::move(name);
}

void WitnessingLedger::PinSize(std::optional<uint64_t> size) {
  absl::MutexLock lock(&mu_);
  pinned_size_ = size;
}

int WitnessingLedger::witnessed_calls() const {
  absl::MutexLock lock(&mu_);
  return witnessed_calls_;
}

grpc::Status WitnessingLedger::GetCheckpoint(grpc::ServerContext*,
                                             const v1::GetCheckpointRequest* request,
                                             v1::CheckpointResponse* response) {
  if (!request->witnessed()) {
    return Forward(*upstream_, &v1::Ledger::Stub::GetCheckpoint, *request, response);
  }
  Mode mode;
  std::vector<std::string> cosigners;
  std::string corrupted;
  std::optional<uint64_t> pinned;
  {
    absl::MutexLock lock(&mu_);
    ++witnessed_calls_;
    mode = mode_;
    cosigners = cosigners_;
    corrupted = corrupted_;
    pinned = pinned_size_;
  }
  if (mode == Mode::kNoneYet) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no checkpoint is cosigned yet");
  }
  if (mode == Mode::kNoWitnesses) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "this server has no witnesses");
  }
  v1::GetCheckpointRequest plain;
  plain.set_tree_size(pinned.value_or(0));
  grpc::Status status = Forward(*upstream_, &v1::Ledger::Stub::GetCheckpoint, plain, response);
  if (!status.ok()) return status;
  std::string note = response->note();
  const std::string text = note.substr(0, note.find("\n\n") + 1);
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  for (const std::string& name : cosigners) {
    absl::StatusOr<std::string> line = CosignCheckpoint(text, now, witnesses_.at(name));
    if (!line.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, std::string(line.status().message()));
    }
    note += name == corrupted ? Corrupt(*line) : *line;
  }
  response->set_note(note);
  return grpc::Status::OK;
}

template <typename Request>
grpc::Status WitnessingLedger::ForwardStream(
    grpc::ServerContext* context, const Request& request,
    std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> (v1::Ledger::Stub::*method)(
        grpc::ClientContext*, const Request&),
    grpc::ServerWriter<v1::RecordResponse>* writer) {
  grpc::ClientContext upstream;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping");
    streams_.insert(&upstream);
  }
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader =
      ((*upstream_).*method)(&upstream, request);
  v1::RecordResponse record;
  while (reader->Read(&record)) {
    if (context->IsCancelled() || !writer->Write(record)) {
      upstream.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mu_);
  streams_.erase(&upstream);
  return status;
}

grpc::Status WitnessingLedger::GetRecords(grpc::ServerContext* context,
                                          const v1::GetRecordsRequest* request,
                                          grpc::ServerWriter<v1::RecordResponse>* writer) {
  return ForwardStream(context, *request, &v1::Ledger::Stub::GetRecords, writer);
}

grpc::Status WitnessingLedger::Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                                     grpc::ServerWriter<v1::RecordResponse>* writer) {
  return ForwardStream(context, *request, &v1::Ledger::Stub::Watch, writer);
}

grpc::Status WitnessingLedger::Append(grpc::ServerContext*, const v1::AppendRequest* request,
                                      v1::Receipt* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::Append, *request, response);
}

grpc::Status WitnessingLedger::AppendBatch(grpc::ServerContext*,
                                           const v1::AppendBatchRequest* request,
                                           v1::AppendBatchResponse* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::AppendBatch, *request, response);
}

grpc::Status WitnessingLedger::GetInfo(grpc::ServerContext*, const v1::GetInfoRequest* request,
                                       v1::Info* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetInfo, *request, response);
}

grpc::Status WitnessingLedger::GetRecord(grpc::ServerContext*, const v1::GetRecordRequest* request,
                                         v1::RecordResponse* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetRecord, *request, response);
}

grpc::Status WitnessingLedger::GetInclusionProof(grpc::ServerContext*,
                                                 const v1::GetInclusionProofRequest* request,
                                                 v1::InclusionProof* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetInclusionProof, *request, response);
}

grpc::Status WitnessingLedger::GetConsistencyProof(grpc::ServerContext*,
                                                   const v1::GetConsistencyProofRequest* request,
                                                   v1::ConsistencyProof* response) {
  return Forward(*upstream_, &v1::Ledger::Stub::GetConsistencyProof, *request, response);
}

}  // namespace memoria::client::testing
