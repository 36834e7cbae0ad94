#include "tests/server/server_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/entry_signer.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::server::testing {

v1::SignedEntry GenericEntry(const Signer& key, const std::string& request_id,
                             const std::string& type,
                             const std::map<std::string, std::string>& attributes) {
  v1::Entry entry;
  entry.set_writer(key.name());
  entry.set_request_id(request_id);
  entry.set_event_time_micros(1700000000000000);
  entry.mutable_generic()->set_type(type);
  for (const auto& [name, value] : attributes) (*entry.mutable_generic()->mutable_attributes())[name] = value;
  return client::SignEntry(key, entry);
}

v1::SignedEntry RegisterWriterEntry(const Signer& admin, const Verifier& writer,
                                    const std::string& request_id) {
  v1::Entry entry;
  entry.set_writer(admin.name());
  entry.set_request_id(request_id);
  entry.mutable_writer_registered()->set_vkey(writer.ToString());
  entry.mutable_writer_registered()->set_description("test writer " + writer.name());
  return client::SignEntry(admin, entry);
}

v1::SignedEntry RevokeWriterEntry(const Signer& admin, const Verifier& writer,
                                  const std::string& request_id) {
  v1::Entry entry;
  entry.set_writer(admin.name());
  entry.set_request_id(request_id);
  entry.mutable_writer_revoked()->set_vkey(writer.ToString());
  entry.mutable_writer_revoked()->set_reason("test");
  return client::SignEntry(admin, entry);
}

Signer NewWriterKey(const std::string& name) {
  absl::StatusOr<Signer> key = Signer::Generate(name);
  if (!key.ok()) abort();
  return *std::move(key);
}

absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key) {
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(receipt.checkpoint(), log_key));
  if (checkpoint.size != receipt.tree_size()) {
    return absl::DataLossError(absl::StrCat("receipt tree size ", receipt.tree_size(),
                                            " but checkpoint size ", checkpoint.size));
  }
  ASSIGN_OR_RETURN(Hash leaf, HashFromBytes(receipt.leaf_hash()));
  std::vector<Hash> proof;
  for (const std::string& hash : receipt.inclusion_proof()) {
    ASSIGN_OR_RETURN(proof.emplace_back(), HashFromBytes(hash));
  }
  RETURN_IF_ERROR(
      VerifyInclusion(receipt.index(), receipt.tree_size(), leaf, proof, checkpoint.root));
  return checkpoint;
}

absl::Status VerifyConsistent(v1::Ledger::Stub& stub, const Checkpoint& older,
                              const Checkpoint& newer) {
  grpc::ClientContext context;
  v1::GetConsistencyProofRequest request;
  request.set_first(older.size);
  request.set_second(newer.size);
  v1::ConsistencyProof response;
  grpc::Status status = stub.GetConsistencyProof(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(StatusText(status));
  std::vector<Hash> proof;
  for (const std::string& hash : response.hashes()) {
    ASSIGN_OR_RETURN(proof.emplace_back(), HashFromBytes(hash));
  }
  return VerifyConsistency(older.size, newer.size, older.root, newer.root, proof);
}

std::shared_ptr<grpc::Channel> NewLocalChannel(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<v1::Ledger::Stub> NewLocalStub(int port) {
  return v1::Ledger::NewStub(NewLocalChannel(port));
}

std::unique_ptr<v1::Policy::Stub> NewLocalPolicyStub(int port) {
  return v1::Policy::NewStub(NewLocalChannel(port));
}

std::unique_ptr<v1::Transparency::Stub> NewLocalTransparencyStub(int port) {
  return v1::Transparency::NewStub(NewLocalChannel(port));
}

std::string StatusText(const grpc::Status& status) {
  return absl::StrCat("code ", static_cast<int>(status.error_code()), ": ",
                      status.error_message());
}

}  // namespace memoria::server::testing
