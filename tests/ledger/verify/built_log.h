// A log built in memory, record by record, exactly as memoria-server builds
// one (genesis by the log key, a writer registered by the administrator,
// generic entries by that writer), for auditor and bundle tests that need no
// server. Header-only.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"

namespace memoria::testing {

inline Signer MustGenerate(const std::string& name) {
  absl::StatusOr<Signer> key = Signer::Generate(name);
  if (!key.ok()) std::abort();
  return *std::move(key);
}

class BuiltLog {
 public:
  BuiltLog()
      : log_key_(MustGenerate("audit.test/log")),
        admin_(MustGenerate("audit-admin")),
        writer_(MustGenerate("svc-posts")) {
    InitCrypto();
    v1::Entry genesis;
    genesis.set_writer(log_key_.name());
    genesis.set_request_id("genesis");
    genesis.mutable_genesis()->set_admin_vkey(admin_.verifier().ToString());
    Append(log_key_, genesis);
    Register(writer_);
  }

  // Appends `count` generic entries by the registered writer.
  void AddGeneric(int count) {
    for (int i = 0; i < count; ++i) {
      v1::Entry entry;
      entry.set_writer(writer_.name());
      entry.set_request_id("req-" + std::to_string(leaves_.size()));
      entry.set_event_time_micros(1700000000000000);
      entry.mutable_generic()->set_type("post.published");
      (*entry.mutable_generic()->mutable_attributes())["url"] =
          "https://example.org/post/" + std::to_string(leaves_.size()) + std::string(200, 'x');
      Append(writer_, entry);
    }
  }
  void Register(const Signer& writer) {
    v1::Entry entry;
    entry.set_writer(admin_.name());
    entry.set_request_id("register-" + writer.name());
    entry.mutable_writer_registered()->set_vkey(writer.verifier().ToString());
    Append(admin_, entry);
  }
  void Revoke(const Signer& writer) {
    v1::Entry entry;
    entry.set_writer(admin_.name());
    entry.set_request_id("revoke-" + writer.name());
    entry.mutable_writer_revoked()->set_vkey(writer.verifier().ToString());
    Append(admin_, entry);
  }
  // An AdministratorAppointed entry naming `successor`, signed by `by`
  // (the current administrator, or a forger).
  void Appoint(const Signer& by, const Verifier& successor) {
    AppendSigned(by, AppointmentEntry(by.name(), successor));
  }
  static v1::Entry AppointmentEntry(const std::string& writer, const Verifier& successor) {
    v1::Entry entry;
    entry.set_writer(writer);
    entry.set_request_id("appoint-" + successor.name());
    entry.mutable_administrator_appointed()->set_successor_vkey(successor.ToString());
    entry.mutable_administrator_appointed()->set_reason("scheduled rotation");
    return entry;
  }
  // A registration of `writer` signed by `by` (an administrator, current or not).
  void RegisterBy(const Signer& by, const Signer& writer) {
    v1::Entry entry;
    entry.set_writer(by.name());
    entry.set_request_id("register-" + writer.name() + "-by-" + by.name());
    entry.mutable_writer_registered()->set_vkey(writer.verifier().ToString());
    Append(by, entry);
  }
  // A generic entry signed by `key` (which may be unauthorized).
  void AddGenericBy(const Signer& key) {
    v1::Entry entry;
    entry.set_writer(key.name());
    entry.set_request_id("req-" + std::to_string(leaves_.size()));
    entry.set_event_time_micros(1700000000000000);
    entry.mutable_generic()->set_type("post.published");
    Append(key, entry);
  }
  void AppendSigned(const Signer& key, const v1::Entry& entry) { Append(key, entry); }
  // Appends `entry` as signed by key `key_id` with `signature` (a forgery
  // when it is not that key's signature).
  void AppendWithSignature(uint32_t key_id, const v1::Entry& entry, const std::string& signature) {
    const std::string bytes = entry.SerializeAsString();
    RecordPrefix prefix(key_id, bytes, signature);
    RecordPrefix::Leaf leaf = prefix.Complete(leaves_.size(), last_, time_ += 1000);
    last_ = leaf.hash;
    tree_.Append(leaf.hash, [this](const NodeId& node, const Hash& hash) {
      nodes_[{node.level, node.index}] = hash;
    });
    leaves_.push_back(std::move(leaf.bytes));
  }
  // Appends an entry signed by `key` (which may be unauthorized).
  void Append(const Signer& key, const v1::Entry& entry) {
    const std::string bytes = entry.SerializeAsString();
    RecordPrefix prefix(key.key_id(), bytes, key.Sign(EntrySignedMessage(bytes)));
    RecordPrefix::Leaf leaf = prefix.Complete(leaves_.size(), last_, time_ += 1000);
    last_ = leaf.hash;
    tree_.Append(leaf.hash, [this](const NodeId& node, const Hash& hash) {
      nodes_[{node.level, node.index}] = hash;
    });
    leaves_.push_back(std::move(leaf.bytes));
  }

  std::string Checkpoint() const { return CheckpointOf(log_key_); }
  std::string CheckpointOf(const Signer& key) const {
    memoria::Checkpoint checkpoint{.origin = key.name(), .size = tree_.size(), .root = tree_.Root()};
    absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, key);
    if (!note.ok()) std::abort();
    return *note;
  }
  std::vector<Hash> Proof(uint64_t index) const {
    absl::StatusOr<std::vector<Hash>> proof = ComputeInclusionProof(index, tree_.size(), Nodes());
    if (!proof.ok()) std::abort();
    return *proof;
  }
  NodeSource Nodes() const {
    return [this](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
      std::vector<Hash> out;
      for (const NodeId& id : ids) out.push_back(nodes_.at({id.level, id.index}));
      return out;
    };
  }

  const Signer& log_key() const { return log_key_; }
  const Signer& admin() const { return admin_; }
  const Signer& writer() const { return writer_; }
  std::vector<std::string>& leaves() { return leaves_; }
  uint64_t size() const { return tree_.size(); }

 private:
  Signer log_key_;
  Signer admin_;
  Signer writer_;
  std::vector<std::string> leaves_;
  CompactRange tree_;
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
  Hash last_{};
  int64_t time_ = 1700000000000000;
};

}  // namespace memoria::testing
