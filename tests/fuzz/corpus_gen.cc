// Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/,
// from the public signed-note vectors (tests/testdata/signed-note.md) and
// from what memoria itself produces with the fixed fuzz keys (a small log of
// genesis, registrations, a revocation, generic and policy entries; its
// checkpoints, receipts, bundles and proofs). Deterministic: Ed25519 and
// the fixed salts give the same bytes every run. The corpora are committed;
// run this again after a format changes:
//
//   build/tests/fuzz/memoria_fuzz_corpus_gen tests/fuzz/corpus
//
// Files already present (crash reproducers, inputs the fuzzers found) are
// kept; a generated file of the same name is overwritten.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/policy/commitment.h"
#include "ledger/policy/erasure.h"
#include "ledger/policy/event_validation.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/query/event_type.h"
#include "ledger/query/query.h"
#include "ledger/record.h"
#include "ledger/verify/bundle.h"
#include "ledger/verify/cosignature.h"
#include "ledger/verify/receipt.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger.pb.h"
#include "memoria/v1/query.pb.h"
#include "tests/fuzz/fuzz_support.h"
#include "ledger/add_checkpoint_request.h"

namespace memoria::fuzz {
namespace {

// Signed-note vectors 1 and 2 (tests/testdata/signed-note.md).
constexpr std::string_view kVector1Skey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kVector1Vkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kVector1Note =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kVector2Vkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kVector2Note =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

constexpr int64_t kTime = 1'767'000'000'000'000;  // 2025-12-29, before the fixed clock

std::filesystem::path g_out;
int g_files = 0;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  const std::filesystem::path dir = g_out / target;
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", target.c_str(), name.c_str());
    std::exit(1);
  }
  ++g_files;
}

template <typename T>
T Must(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

std::string Salt(char c) { return std::string(policy::kSaltBytes, c); }

v1::PersonalDataOpening Opening(const std::string& field, const std::string& value, char salt) {
  v1::PersonalDataOpening opening;
  opening.set_field(field);
  opening.set_salt(Salt(salt));
  opening.set_value(value);
  return opening;
}

// Fills every unset scalar field of `message` (recursively) with a plausible
// value: strings, 32-byte hashes, increasing times, the first enum value
// that is not 0.
void Fill(google::protobuf::Message& message, int64_t& counter) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated() || field->real_containing_oneof() != nullptr) continue;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          reflection->SetString(&message, field, std::string(32, static_cast<char>('a' + i)));
        } else if (field->name().find("email") != std::string::npos) {
          reflection->SetString(&message, field, "jperez@pasto.gov.co");
        } else {
          reflection->SetString(&message, field, field->name() + "-1");
        }
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        reflection->SetInt64(&message, field, kTime + (++counter) * 3'600'000'000);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        reflection->SetUInt64(&message, field, 1);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        reflection->SetInt32(&message, field, 2);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        reflection->SetUInt32(&message, field, 2);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection->SetBool(&message, field, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        if (field->enum_type()->value_count() > 1) {
          reflection->SetEnum(&message, field, field->enum_type()->value(1));
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Fill(*reflection->MutableMessage(&message, field), counter);
        break;
      default:
        break;
    }
  }
}

// A policy event of each kind, its fields filled, with the commitments its
// kind requires (and their openings).
std::vector<std::pair<v1::PolicyEvent, std::vector<v1::PersonalDataOpening>>> PolicyEvents() {
  std::vector<std::pair<v1::PolicyEvent, std::vector<v1::PersonalDataOpening>>> events;
  const google::protobuf::OneofDescriptor* kinds =
      v1::PolicyEvent::descriptor()->FindOneofByName("kind");
  for (int k = 0; k < kinds->field_count(); ++k) {
    v1::PolicyEvent event;
    int64_t counter = 0;
    event.mutable_actor()->set_email("jperez@pasto.gov.co");
    event.mutable_actor()->set_name("Juan Perez");
    event.mutable_actor()->set_dependency("Oficina de Comunicacion Social");
    event.mutable_account()->set_platform(v1::FACEBOOK);
    event.mutable_account()->set_handle("@AlcaldiaPasto");
    google::protobuf::Message* kind =
        event.GetReflection()->MutableMessage(&event, kinds->field(k));
    Fill(*kind, counter);
    std::vector<v1::PersonalDataOpening> openings;
    char salt = 'A';
    for (std::string_view field : policy::RequiredCommitments(event.kind_case())) {
      openings.push_back(Opening(std::string(field), "value of " + std::string(field), salt++));
      *event.add_personal_data() = policy::CommitmentOf(openings.back());
    }
    if (event.has_personal_data_erased()) {
      event.set_refers_to(5);
      event.mutable_personal_data_erased()->set_request_reference("PQRD-2026-1");
      event.mutable_personal_data_erased()->set_admin_signature(
          AdminKey().Sign(policy::ErasureApprovalMessage(5, "PQRD-2026-1")));
    }
    events.emplace_back(std::move(event), std::move(openings));
  }
  return events;
}

v1::SignedEntry Sign(const Signer& key, const v1::Entry& entry) {
  v1::SignedEntry signed_entry;
  signed_entry.set_entry(entry.SerializeAsString());
  signed_entry.set_key_id(key.key_id());
  signed_entry.set_signature(key.Sign(EntrySignedMessage(signed_entry.entry())));
  return signed_entry;
}

// A log built in memory, as memoria-server builds one.
class SmallLog {
 public:
  void Append(const Signer& key, const v1::Entry& entry) {
    const std::string bytes = entry.SerializeAsString();
    RecordPrefix prefix(key.key_id(), bytes, key.Sign(EntrySignedMessage(bytes)));
    RecordPrefix::Leaf leaf = prefix.Complete(leaves_.size(), last_, time_ += 1000);
    last_ = leaf.hash;
    tree_.Append(leaf.hash, [this](const NodeId& node, const Hash& hash) {
      nodes_[{node.level, node.index}] = hash;
    });
    leaves_.push_back(std::move(leaf.bytes));
    roots_.push_back(tree_.Root());
  }
  uint64_t size() const { return leaves_.size(); }
  const std::string& leaf(uint64_t i) const { return leaves_[i]; }
  std::string CheckpointAt(uint64_t size) const {
    const memoria::Checkpoint checkpoint{.origin = LogKey().name(), .size = size,
                                .root = size == 0 ? EmptyRoot() : roots_[size - 1]};
    return Must(SignCheckpoint(checkpoint, LogKey()), "sign checkpoint");
  }
  std::string Checkpoint() const { return CheckpointAt(size()); }
  std::vector<Hash> Proof(uint64_t index, uint64_t size) const {
    return Must(ComputeInclusionProof(index, size, Nodes()), "inclusion proof");
  }
  std::vector<Hash> Consistency(uint64_t size1, uint64_t size2) const {
    return Must(ComputeConsistencyProof(size1, size2, Nodes()), "consistency proof");
  }
  NodeSource Nodes() const {
    return [this](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
      std::vector<Hash> out;
      for (const NodeId& id : ids) out.push_back(nodes_.at({id.level, id.index}));
      return out;
    };
  }

 private:
  std::vector<std::string> leaves_;
  std::vector<Hash> roots_;
  CompactRange tree_;
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
  Hash last_{};
  int64_t time_ = kTime;
};

class Source final : public BundleSource {
 public:
  explicit Source(const SmallLog& log) : log_(log) {}
  absl::StatusOr<std::string> LatestCheckpoint() override { return log_.Checkpoint(); }
  absl::StatusOr<std::string> AdminVkey() override { return AdminKey().verifier().ToString(); }
  absl::StatusOr<std::vector<v1::WriterInfo>> Writers() override {
    v1::WriterInfo info;
    info.set_vkey(WriterKey().verifier().ToString());
    info.set_registered_at(1);
    info.set_description("fuzz writer");
    return std::vector<v1::WriterInfo>{info};
  }
  absl::Status ScanRecords(uint64_t begin, uint64_t end,
                           const std::function<absl::Status(uint64_t, std::string)>& visit) override {
    for (uint64_t i = begin; i < end && i < log_.size(); ++i) {
      if (absl::Status status = visit(i, log_.leaf(i)); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) override {
    return log_.Proof(index, tree_size);
  }

 private:
  const SmallLog& log_;
};

v1::Entry Base(const std::string& writer, const std::string& request_id) {
  v1::Entry entry;
  entry.set_writer(writer);
  entry.set_request_id(request_id);
  entry.set_event_time_micros(kTime);
  return entry;
}

void Generate() {
  const Signer& log_key = LogKey();
  const Signer& admin = AdminKey();
  const Signer& writer = WriterKey();
  const Signer& w1 = Witness1Key();
  const Signer& w2 = Witness2Key();
  const Signer vector1 = Must(Signer::Parse(kVector1Skey), "vector 1 key");
  const Signer other_writer = Must(
      Signer::Parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"),
      "other writer");

  // ---- The entries: every kind, signed as the server expects.
  std::vector<std::pair<std::string, v1::SignedEntry>> entries;
  {
    v1::Entry e = Base(writer.name(), "r-generic");
    e.mutable_generic()->set_type("post.published");
    (*e.mutable_generic()->mutable_attributes())["url"] = "https://facebook.com/alcaldiapasto/1";
    entries.emplace_back("generic", Sign(writer, e));
    e.mutable_generic()->mutable_attributes()->clear();
    e.set_request_id("r-generic-bare");
    entries.emplace_back("generic-bare", Sign(writer, e));

    v1::Entry reg = Base(admin.name(), "register-other");
    reg.mutable_writer_registered()->set_vkey(other_writer.verifier().ToString());
    reg.mutable_writer_registered()->set_description("another service");
    entries.emplace_back("writer-registered", Sign(admin, reg));
    v1::Entry rev = Base(admin.name(), "revoke-other");
    rev.mutable_writer_revoked()->set_vkey(other_writer.verifier().ToString());
    rev.mutable_writer_revoked()->set_reason("rotated");
    entries.emplace_back("writer-revoked", Sign(admin, rev));

    v1::Entry genesis = Base(log_key.name(), "genesis");
    genesis.mutable_genesis()->set_admin_vkey(admin.verifier().ToString());
    entries.emplace_back("genesis", Sign(log_key, genesis));

    v1::SignedEntry bad_signature = Sign(writer, e);
    bad_signature.mutable_signature()->at(3) ^= 1;
    entries.emplace_back("bad-signature", bad_signature);
    v1::SignedEntry by_admin = Sign(admin, e);
    entries.emplace_back("generic-by-admin", by_admin);
  }
  int n = 0;
  for (auto& [event, openings] : PolicyEvents()) {
    v1::Entry e = Base(writer.name(), "r-policy-" + std::to_string(n));
    *e.mutable_policy() = event;
    v1::SignedEntry signed_entry = Sign(writer, e);
    for (const v1::PersonalDataOpening& opening : openings) *signed_entry.add_personal_data() = opening;
    const std::string name = std::string(
        v1::PolicyEvent::descriptor()->FindOneofByName("kind")->field(n)->name());
    entries.emplace_back("policy-" + name, signed_entry);
    ++n;
  }
  for (const auto& [name, signed_entry] : entries) {
    Write("entry", name, signed_entry.SerializeAsString());
    if (name.rfind("policy-", 0) == 0) Write("policy_event", name, signed_entry.SerializeAsString());
  }

  // ---- The log: genesis, registrations, entries, a policy event with
  // personal data, a revocation.
  SmallLog log;
  {
    v1::Entry genesis = Base(log_key.name(), "genesis");
    genesis.clear_event_time_micros();
    genesis.mutable_genesis()->set_admin_vkey(admin.verifier().ToString());
    log.Append(log_key, genesis);
    v1::Entry reg = Base(admin.name(), "register-svc-fuzz");
    reg.mutable_writer_registered()->set_vkey(writer.verifier().ToString());
    reg.mutable_writer_registered()->set_description("fuzz writer");
    log.Append(admin, reg);
    for (int i = 0; i < 3; ++i) {
      v1::Entry e = Base(writer.name(), "r-" + std::to_string(i));
      e.mutable_generic()->set_type("post.published");
      (*e.mutable_generic()->mutable_attributes())["url"] = "https://example.org/" + std::to_string(i);
      log.Append(writer, e);
    }
  }
  // Record 5: a reply_published with its citizen's personal data.
  std::vector<v1::PersonalDataOpening> reply_openings;
  {
    v1::Entry e = Base(writer.name(), "r-reply");
    v1::PolicyEvent& event = *e.mutable_policy();
    event.mutable_actor()->set_email("jperez@pasto.gov.co");
    event.mutable_account()->set_platform(v1::FACEBOOK);
    event.mutable_account()->set_handle("@AlcaldiaPasto");
    int64_t counter = 0;
    Fill(*event.mutable_reply_published(), counter);
    char salt = 'a';
    for (std::string_view field : policy::RequiredCommitments(event.kind_case())) {
      reply_openings.push_back(Opening(std::string(field), "citizen " + std::string(field), salt++));
      *event.add_personal_data() = policy::CommitmentOf(reply_openings.back());
    }
    log.Append(writer, e);
    v1::Entry reg = Base(admin.name(), "register-other");
    reg.mutable_writer_registered()->set_vkey(other_writer.verifier().ToString());
    log.Append(admin, reg);
    v1::Entry rev = Base(admin.name(), "revoke-other");
    rev.mutable_writer_revoked()->set_vkey(other_writer.verifier().ToString());
    log.Append(admin, rev);
  }
  const uint64_t size = log.size();  // 8

  for (uint64_t i = 0; i < size; ++i) Write("record", "leaf-" + std::to_string(i), log.leaf(i));
  {
    std::string truncated = log.leaf(2);
    truncated.resize(truncated.size() - 5);
    Write("record", "truncated", truncated);
  }

  // ---- Notes and checkpoints.
  const std::string checkpoint = log.Checkpoint();
  const Checkpoint body = Must(ParseCheckpointBody(Must(ParseNote(checkpoint), "note").text), "body");
  const std::string cosigned = checkpoint + Must(CosignCheckpoint(body.Body(), 1'767'225'600, w1), "cosign") +
                               Must(CosignCheckpoint(body.Body(), 1'767'225'601, w2), "cosign");
  Write("note", "vector1", kVector1Note);
  Write("note", "vector2", kVector2Note);
  Write("note", "checkpoint", checkpoint);
  Write("note", "cosigned", cosigned);
  Write("note", "two-signers",
        Must(SignNote("memoria fuzz\n", std::vector<const Signer*>{&log_key, &admin}), "two signers"));
  Write("note", "no-blank-line", "text\n\xe2\x80\x94 memoria.fuzz/log AAAA\n");
  Write("note", "unknown-signer", Must(SignNote("hello\n", std::vector<const Signer*>{&vector1}), "v1"));

  Write("checkpoint", "body-8", body.Body());
  Write("checkpoint", "body-0", Checkpoint{.origin = log_key.name(), .size = 0, .root = EmptyRoot()}.Body());
  Write("checkpoint", "body-extensions",
        Checkpoint{.origin = log_key.name(), .size = 3, .root = {}, .extensions = {"ext one", "ext two"}}.Body());
  Write("checkpoint", "signed-8", checkpoint);
  Write("checkpoint", "signed-3", log.CheckpointAt(3));
  Write("checkpoint", "signed-0", log.CheckpointAt(0));
  Write("checkpoint", "cosigned", cosigned);
  Write("checkpoint", "other-origin",
        Must(SignCheckpoint(Checkpoint{.origin = vector1.name(), .size = 1, .root = {}}, vector1), "other"));

  Write("cosignature", "cosigned", cosigned);
  Write("cosignature", "cosigned-w2-only",
        checkpoint + Must(CosignCheckpoint(body.Body(), 1, w2), "cosign"));
  Write("cosignature", "checkpoint", checkpoint);
  {
    // A cosignature line of the wrong length.
    const std::string short_line = "\xe2\x80\x94 " + w1.name() + " " +
                                   Base64Encode(EncodeBigEndian32(w1.key_id()) + std::string(40, 'x')) + "\n";
    Write("cosignature", "short-cosignature", checkpoint + short_line);
  }

  // ---- Keys.
  int k = 0;
  for (const Signer* key : {&log_key, &admin, &writer, &w1, &w2, &vector1}) {
    Write("keys", "skey-" + std::to_string(k), key->ToString());
    Write("keys", "vkey-" + std::to_string(k), key->verifier().ToString());
    ++k;
  }
  Write("keys", "vkey-vector2", kVector2Vkey);
  Write("keys", "vkey-vector1", kVector1Vkey);
  Write("keys", "key-file", writer.ToString() + "\n");
  Write("keys", "key-file-two-lines", writer.ToString() + "\n" + admin.ToString() + "\n");

  // ---- Receipts.
  for (uint64_t i : {uint64_t{0}, uint64_t{2}, uint64_t{5}, uint64_t{7}}) {
    TlogProof proof{.extra = log.leaf(i), .index = i, .hashes = log.Proof(i, size), .checkpoint = checkpoint};
    Write("tlog_proof", "receipt-" + std::to_string(i), FormatTlogProof(proof));
    v1::Receipt receipt;
    receipt.set_index(i);
    receipt.set_leaf_hash(std::string(AsBytes(LeafHash(log.leaf(i)))));
    receipt.set_tree_size(size);
    for (const Hash& hash : proof.hashes) receipt.add_inclusion_proof(std::string(AsBytes(hash)));
    receipt.set_checkpoint(checkpoint);
    receipt.set_duplicate(i == 2);
    if (i != 7) receipt.set_leaf(log.leaf(i));
    Write("receipt_json", "receipt-" + std::to_string(i), FormatReceiptJson(receipt));
  }
  {
    TlogProof proof{.index = 3, .hashes = log.Proof(3, size), .checkpoint = checkpoint};
    Write("tlog_proof", "no-extra", FormatTlogProof(proof));
    TlogProof small{.extra = log.leaf(1), .index = 1, .hashes = log.Proof(1, 3), .checkpoint = log.CheckpointAt(3)};
    Write("tlog_proof", "tree-3", FormatTlogProof(small));
  }

  // ---- Bundles.
  Source source(log);
  auto bundle = [&](const ExportOptions& options) {
    std::ostringstream out;
    if (absl::Status s = ExportBundle(source, log_key.verifier(), options, out); !s.ok()) {
      std::fprintf(stderr, "export: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    return out.str();
  };
  auto selection = [&](std::vector<uint64_t> indexes, bool disclosed) {
    std::ostringstream out;
    SelectionExportOptions options{.indexes = indexes, .query = "fuzz selection"};
    if (disclosed) {
      options.openings = [&](uint64_t index) -> absl::StatusOr<std::vector<v1::PersonalDataOpening>> {
        if (index == 5) return reply_openings;
        return std::vector<v1::PersonalDataOpening>{};
      };
    }
    if (absl::Status s = ExportSelection(source, log_key.verifier(), options, out); !s.ok()) {
      std::fprintf(stderr, "selection: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    return out.str();
  };
  const std::map<std::string, std::string> bundles = {
      {"full", bundle({})},
      {"full-proofs", bundle({.proofs = true})},
      {"partial", bundle({.from = 3, .to = 6})},
      {"prefix", bundle({.from = 0, .to = 2})},
      {"selection", selection({2, 5}, false)},
      {"selection-disclosed", selection({5}, true)},
      {"selection-empty", selection({}, false)},
  };
  for (const auto& [name, text] : bundles) {
    Write("bundle", name, text);
    Write("bundle_line", name, text);
  }
  {
    const std::string& full = bundles.at("full");
    Write("bundle", "truncated", full.substr(0, full.size() / 2));
  }

  // ---- Queries and page tokens.
  std::vector<std::pair<std::string, v1::QueryRequest>> requests;
  {
    v1::QueryRequest r;
    requests.emplace_back("empty", r);
    r.mutable_filter()->add_event_types(query::EventTypeNames().front());
    r.mutable_filter()->add_event_types(query::EventTypeNames().back());
    r.mutable_filter()->add_generic_types("post.published");
    r.set_order(v1::NEWEST_FIRST);
    r.set_page_size(50);
    requests.emplace_back("types", r);
    v1::QueryRequest t;
    t.mutable_filter()->mutable_event_time()->set_from_micros(kTime);
    t.mutable_filter()->mutable_event_time()->set_to_micros(kTime + 86'400'000'000LL * 40);
    t.mutable_filter()->mutable_integrated()->set_from_micros(kTime);
    t.mutable_filter()->mutable_indexes()->set_from(2);
    t.mutable_filter()->mutable_indexes()->set_to(9);
    requests.emplace_back("times", t);
    v1::QueryRequest a;
    v1::AccountRef* account = a.mutable_filter()->add_accounts();
    account->set_platform(v1::FACEBOOK);
    account->set_handle("@AlcaldiaPasto");
    a.mutable_filter()->add_platforms(v1::INSTAGRAM);
    a.mutable_filter()->add_actors("jperez@pasto.gov.co");
    a.mutable_filter()->add_writers(writer.name());
    a.mutable_filter()->add_findings(std::string(policy::kRecordRuleNames[0]));
    requests.emplace_back("accounts", a);
  }
  for (auto& [name, request] : requests) {
    Write("query_filter", name, request.SerializeAsString());
    v1::QueryRequest with_token = request;
    with_token.set_page_token(query::EncodePageToken(request.filter(), request.order(),
                                                     {.tree_size = 100, .next = 42}));
    Write("page_token", name, with_token.SerializeAsString());
    Write("query_filter", name + "-token", with_token.SerializeAsString());
  }
  Write("page_token", "raw-token",
        query::EncodePageToken(v1::QueryFilter(), v1::OLDEST_FIRST, {.tree_size = 8, .next = 0}));

  // ---- The config file (TOML / INI, as CLI11 reads it).
  Write("server_config", "toml",
        "data-dir = \"/var/lib/memoria\"\nlisten = \"127.0.0.1:50051\"\norigin = \"memoria.example/log\"\n"
        "max-entry-bytes = 65536\nbatch-max-entries = 500\nbatch-max-wait-micros = 200\n"
        "log-level = \"warn\"\nallowed-email-domains = [\"pasto.gov.co\", \"example.org\"]\n"
        "plaintext = false\nmin-event-time = \"1900-01-01T00:00:00Z\"\nmax-event-time-ahead = \"24h\"\n");
  Write("server_config", "ini",
        "; memoria-server\n[default]\ndata_dir=data\nlisten=0.0.0.0:50051\nplaintext=true\n"
        "max_long_reads=64\nstream_stall_timeout_seconds=30\nkeepalive_seconds=60\n");
  Write("server_config", "tls",
        "listen = \"10.0.0.1:443\"\ntls-cert = \"cert.pem\"\ntls-key = \"key.pem\"\nclient-ca = \"ca.pem\"\n"
        "reader-token-file = \"token\"\nno-reflection = true\nshutdown-grace-seconds = 5\n");
  Write("server_config", "numbers",
        "tree-memory-mib = 64\nreserved-disk-mib = 256\nmax-streams-per-connection = 100\n"
        "grpc-memory-mib = 256\npqrd-referral-business-days = 2\nalternate-inactive-days = 90\n"
        "credentials-rotation-days = 90\nmax-message-bytes = 4194304\nmax-batch-entries = 1000\n");
  Write("server_config", "bad", "max-entry-bytes = -1\nlisten = \"nowhere\"\nunknown-flag = 3\n");

  // ---- tlog-witness add-checkpoint requests.
  for (uint64_t old_size : {uint64_t{0}, uint64_t{3}, uint64_t{5}}) {
    AddCheckpointRequest request{.old_size = old_size, .checkpoint = checkpoint};
    if (old_size > 0) request.proof = log.Consistency(old_size, size);
    Write("add_checkpoint", "old-" + std::to_string(old_size), FormatAddCheckpointRequest(request));
  }
  Write("add_checkpoint", "cosigned",
        FormatAddCheckpointRequest({.old_size = 8, .checkpoint = cosigned}));

  // ---- tlog-policy files.
  const std::string log_line = "log " + log_key.verifier().ToString() + " https://log.example/\n";
  const std::string witnesses = "witness w1 " + w1.verifier().ToString() + " https://w1.example/\n" +
                                "witness w2 " + w2.verifier().ToString() + "\n";
  Write("witness_policy", "any", log_line + witnesses + "group g any w1 w2\nquorum g\n");
  Write("witness_policy", "all", "# two of two\n\n" + witnesses + "group g all w1 w2\nquorum g\n");
  Write("witness_policy", "nested",
        log_line + witnesses + "group a 1 w1\ngroup b 2 a w2\n  quorum\tb  \n");
  Write("witness_policy", "none", log_line + "quorum none");
  Write("witness_policy", "single", witnesses + "quorum w2\n");
  Write("witness_policy", "bad-type", "witness w1 " + log_key.verifier().ToString() + "\nquorum w1\n");
}

}  // namespace
}  // namespace memoria::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  memoria::InitCrypto();
  memoria::fuzz::g_out = argv[1];
  memoria::fuzz::Generate();
  std::printf("%d files written under %s\n", memoria::fuzz::g_files, argv[1]);
  return 0;
}
