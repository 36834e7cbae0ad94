#include "ledger/verify/log_auditor.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "ledger/verify/bundle.h"
#include "ledger/encoding.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria {

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kIndex: return "index";
    case FindingKind::kMalformed: return "malformed";
    case FindingKind::kChain: return "chain";
    case FindingKind::kTime: return "time";
    case FindingKind::kTrust: return "trust";
    case FindingKind::kSignature: return "signature";
    case FindingKind::kInclusion: return "inclusion";
    case FindingKind::kTree: return "tree";
    case FindingKind::kCheckpoint: return "checkpoint";
    case FindingKind::kRoot: return "root";
    case FindingKind::kRollback: return "rollback";
    case FindingKind::kFork: return "fork";
    case FindingKind::kTruncated: return "truncated";
    case FindingKind::kPersonalData: return "personal_data";
    case FindingKind::kCompleteness: return "completeness";
    case FindingKind::kDamaged: return "damaged";
    case FindingKind::kWitness: return "witness";
  }
  return "unknown";
}

std::string FindingText(const AuditFinding& finding) {
  const char* what = "record";
  switch (finding.kind) {
    case FindingKind::kTree: what = "tree"; break;
    case FindingKind::kCheckpoint:
    case FindingKind::kRoot:
    case FindingKind::kRollback:
    case FindingKind::kFork:
    case FindingKind::kTruncated:
    case FindingKind::kDamaged:
    case FindingKind::kWitness: what = "size"; break;
    default: break;
  }
  return absl::StrCat(what, " ", finding.index, ": ", std::string(FindingKindName(finding.kind)), ": ",
                      finding.reason);
}

struct LogAuditor::SignatureTask {
  uint64_t index = 0;
  std::string message;
  std::array<uint8_t, kSignatureSize> signature{};
  PublicKey key{};
  std::string key_text;  // for the finding
  bool already_bad = false;
  bool counted = false;
};

namespace {

bool VerifyTask(std::string_view message, const uint8_t* signature, const PublicKey& key) {
  return crypto_sign_verify_detached(signature, reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

}  // namespace

// Verifies chunks of signatures on `threads` threads; reports failures through
// the callback (from those threads).
class LogAuditor::Pool {
 public:
  using OnFailure = std::function<void(const SignatureTask&)>;

  Pool(int threads, size_t max_pending, OnFailure on_failure)
      : max_pending_(max_pending), on_failure_(std::move(on_failure)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Pool() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    for (std::thread& thread : threads_) thread.join();
  }

  // Blocks while `max_pending` chunks wait.
  void Submit(std::vector<SignatureTask> chunk) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Pool::HasRoom));
    queue_.push_back(std::move(chunk));
  }

  // Blocks until every submitted chunk is verified.
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Pool::Idle));
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.size() < max_pending_; }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.empty() && busy_ == 0; }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queue_.empty(); }

  void Run() {
    for (;;) {
      std::vector<SignatureTask> chunk;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &Pool::HasWork));
        if (queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      for (const SignatureTask& task : chunk) {
        if (!VerifyTask(task.message, task.signature.data(), task.key)) on_failure_(task);
      }
      absl::MutexLock lock(&mu_);
      --busy_;
    }
  }

  const size_t max_pending_;
  const OnFailure on_failure_;
  absl::Mutex mu_;
  std::deque<std::vector<SignatureTask>> queue_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Findings arrive from the feeding thread and from the pool.
struct LogAuditor::Findings {
  absl::Mutex mu;
  std::vector<AuditFinding> list ABSL_GUARDED_BY(mu);
  uint64_t omitted ABSL_GUARDED_BY(mu) = 0;
  uint64_t invalid_from_pool ABSL_GUARDED_BY(mu) = 0;
};

LogAuditor::LogAuditor(Verifier log_key, AuditOptions options)
    : log_key_(std::move(log_key)),
      options_(options),
      findings_(std::make_unique<Findings>()) {
  InitCrypto();
  if (options_.threads > 0) {
    pool_ = std::make_unique<Pool>(
        options_.threads, static_cast<size_t>(options_.threads) * 2,
        [this](const SignatureTask& task) { SignatureFailed(task); });
  }
  chunk_.reserve(options_.chunk_records);
}

LogAuditor::~LogAuditor() {
  if (pool_ != nullptr) pool_->Wait();
}

void LogAuditor::SetNodeObserver(std::function<void(const NodeId&, const Hash&)> observer) {
  node_observer_ = std::move(observer);
}

void LogAuditor::AddFinding(uint64_t index, FindingKind kind, std::string reason) {
  // Keeps the max_findings findings of smallest index (a max-heap by index
  // once full), so that the first problems of a log are the ones listed.
  auto by_index = [](const AuditFinding& a, const AuditFinding& b) { return a.index < b.index; };
  absl::MutexLock lock(&findings_->mu);
  std::vector<AuditFinding>& list = findings_->list;
  if (list.size() < options_.max_findings) {
    list.push_back({.index = index, .kind = kind, .reason = std::move(reason)});
    if (list.size() == options_.max_findings) std::make_heap(list.begin(), list.end(), by_index);
    return;
  }
  ++findings_->omitted;
  if (list.empty() || index >= list.front().index) return;
  std::pop_heap(list.begin(), list.end(), by_index);
  list.back() = {.index = index, .kind = kind, .reason = std::move(reason)};
  std::push_heap(list.begin(), list.end(), by_index);
}

void LogAuditor::Report(uint64_t index, FindingKind kind, std::string reason) {
  AddFinding(index, kind, std::move(reason));
}

void LogAuditor::SignatureFailed(const SignatureTask& task) {
  AddFinding(task.index, FindingKind::kSignature,
             absl::StrCat("writer signature does not verify under ", task.key_text));
  if (task.counted && !task.already_bad) {
    absl::MutexLock lock(&findings_->mu);
    ++findings_->invalid_from_pool;
  }
}

void LogAuditor::RecordFinding(uint64_t index, FindingKind kind, std::string reason,
                               bool counted) {
  if (counted && last_invalid_ != index) {
    ++invalid_sequential_;
    last_invalid_ = index;
  }
  AddFinding(index, kind, std::move(reason));
}

uint64_t LogAuditor::FindingCount() {
  Flush();
  if (pool_ != nullptr) pool_->Wait();
  absl::MutexLock lock(&findings_->mu);
  return findings_->list.size() + findings_->omitted;
}

void LogAuditor::Add(uint64_t index, std::string leaf) {
  assert(!partial_ && !finished_);
  if (fed_ == 0) first_index_ = index;
  if (index != tree_.size()) {
    if (index < tree_.size()) {
      RecordFinding(index, FindingKind::kIndex,
                    absl::StrCat("record received again or out of order (expected record ",
                                 tree_.size(), ")"),
                    false);
      return;
    }
    RecordFinding(tree_.size(), FindingKind::kIndex,
                  absl::StrCat("records ", tree_.size(), " to ", index - 1, " are missing"), false);
  }
  ++fed_;
  const Hash leaf_hash = LeafHash(leaf);
  CheckRecord(index, leaf, leaf_hash, /*chained=*/true, /*counted=*/true);
  if (node_observer_) {
    tree_.Append(leaf_hash, node_observer_);
  } else {
    tree_.Append(leaf_hash, [](const NodeId&, const Hash&) {});
  }
  last_index_ = index;
  last_leaf_hash_ = leaf_hash;
}

absl::Status LogAuditor::Resume(const AuditorResume& resume) {
  assert(fed_ == 0 && tree_.size() == 0 && !partial_ && !finished_);
  ASSIGN_OR_RETURN(CompactRange tree, CompactRange::FromNodes(resume.size, resume.range));
  TrustChain trust;
  if (!resume.admin_vkey.empty()) {
    absl::StatusOr<Verifier> admin = Verifier::Parse(resume.admin_vkey);
    if (!admin.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "administrator key: ", std::string(admin.status().message())));
    }
    trust.SetAdministrator(*std::move(admin), resume.admin_vkey);
  }
  for (const AuditedWriter& writer : resume.writers) {
    absl::StatusOr<Verifier> key = Verifier::Parse(writer.vkey);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("writer key: ", std::string(key.status().message())));
    }
    const uint32_t key_id = key->key_id();
    const std::string name = key->name();
    if (trust.Find(key_id, name) != nullptr || writer.registered_at >= resume.size ||
        (writer.revoked_at.has_value() &&
         (*writer.revoked_at <= writer.registered_at || *writer.revoked_at >= resume.size))) {
      return absl::InvalidArgumentError(
          absl::StrCat("writer ", writer.vkey, ": inconsistent registration"));
    }
    trust.Register(*std::move(key), writer.registered_at);
    if (writer.revoked_at.has_value()) trust.Revoke(key_id, name, *writer.revoked_at);
  }
  tree_ = std::move(tree);
  trust_ = std::move(trust);
  if (resume.size > 0) last_index_ = resume.size - 1;
  last_leaf_hash_ = resume.last_leaf_hash;
  last_time_ = resume.last_time;
  return absl::OkStatus();
}

AuditorResume LogAuditor::ResumePoint() const {
  assert(!partial_);
  AuditorResume resume;
  resume.size = tree_.size();
  NodeSet nodes;
  tree_.AddNodesTo(nodes);
  nodes.Seal();
  const std::vector<NodeId> ids = CompactRange::NodesFor(tree_.size());
  absl::StatusOr<std::vector<Hash>> hashes = nodes.Source()(ids);
  assert(hashes.ok());
  if (hashes.ok()) resume.range = *std::move(hashes);
  resume.last_leaf_hash = last_leaf_hash_;
  resume.last_time = last_time_;
  resume.admin_vkey = trust_.administrator_vkey();
  for (const std::unique_ptr<TrustChain::Writer>& writer : trust_.writers()) {
    resume.writers.push_back({.vkey = writer->verifier.ToString(),
                              .registered_at = writer->standing.registered_at,
                              .revoked_at = writer->standing.revoked_at});
  }
  return resume;
}

void LogAuditor::AddProven(uint64_t index, std::string leaf, std::span<const Hash> proof,
                           const Checkpoint& checkpoint) {
  assert(tree_.size() == 0 && !finished_);
  if (fed_ == 0) first_index_ = index;
  partial_ = true;
  if (last_index_.has_value() && index <= *last_index_) {
    RecordFinding(index, FindingKind::kIndex,
                  absl::StrCat("record out of order (after record ", *last_index_, ")"), false);
    return;
  }
  ++fed_;
  const Hash leaf_hash = LeafHash(leaf);
  if (absl::Status status = ProofsInto(checkpoint).Verify(index, leaf_hash, proof);
      !status.ok()) {
    RecordFinding(index, FindingKind::kInclusion,
                  absl::StrCat("not included in checkpoint ", checkpoint.size, ": ",
                               status.message()),
                  true);
  }
  const bool chained = last_index_.has_value() && index == *last_index_ + 1;
  if (!chained) last_time_ = 0;
  CheckRecord(index, leaf, leaf_hash, chained, /*counted=*/true);
  last_index_ = index;
  last_leaf_hash_ = leaf_hash;
}

InclusionVerifier& LogAuditor::ProofsInto(const Checkpoint& checkpoint) {
  if (!proofs_ || proofs_checkpoint_ != std::make_pair(checkpoint.size, checkpoint.root)) {
    proofs_.emplace(checkpoint.size, checkpoint.root);
    proofs_checkpoint_ = {checkpoint.size, checkpoint.root};
  }
  return *proofs_;
}

void LogAuditor::AddTrust(uint64_t index, std::string leaf, std::span<const Hash> proof,
                          const Checkpoint& checkpoint) {
  const Hash leaf_hash = LeafHash(leaf);
  if (absl::Status status = ProofsInto(checkpoint).Verify(index, leaf_hash, proof);
      !status.ok()) {
    RecordFinding(index, FindingKind::kInclusion,
                  absl::StrCat("trust record not included in checkpoint ", checkpoint.size, ": ",
                               status.message()),
                  false);
    return;  // an unproven registration establishes nothing
  }
  CheckRecord(index, leaf, leaf_hash, /*chained=*/false, /*counted=*/false);
}

const Verifier* LogAuditor::FindWriter(uint32_t key_id, std::string_view name, uint64_t at,
                                       std::string* why) const {
  const std::optional<WriterStanding> standing = trust_.StandingAt(key_id, name, at);
  const TrustVerdict verdict = MayWriterSign(standing);
  if (verdict == TrustVerdict::kAllowed) return &trust_.Find(key_id, name)->verifier;
  // Only for a finding: the key's text costs an allocation per record.
  const std::string key = absl::StrCat(std::string(name), "+", HexEncode(EncodeBigEndian32(key_id)));
  if (verdict == TrustVerdict::kRevoked) {
    *why = absl::StrCat("signed by writer key ", key, " revoked at record ", *standing->revoked_at);
  } else if (const TrustChain::RetiredAdministrator* retired = trust_.FindRetiredAdministrator(key_id, name);
             retired != nullptr) {
    *why = absl::StrCat("signed by ", key, ", the administrator key retired at record ", retired->retired_at,
                        " (not a writer key)");
  } else {
    *why = absl::StrCat("signed by writer key ", key, " not registered before this record");
  }
  return nullptr;
}

void LogAuditor::CheckRecord(uint64_t index, std::string_view leaf, const Hash& leaf_hash,
                             bool chained, bool counted) {
  (void)leaf_hash;
  bool bad = false;
  auto finding = [&](FindingKind kind, std::string reason) {
    bad = true;
    RecordFinding(index, kind, std::move(reason), counted);
  };

  absl::StatusOr<v1::Record> decoded = DecodeRecord(leaf);
  if (!decoded.ok()) {
    finding(FindingKind::kMalformed, std::string(decoded.status().message()));
    return;
  }
  const v1::Record& record = *decoded;
  if (record.index() != index) {
    finding(FindingKind::kChain, absl::StrCat("carries index ", record.index()));
  }
  if (chained) {
    if (index == 0) {
      if (record.prev_leaf_hash() != std::string(kHashSize, '\0')) {
        finding(FindingKind::kChain, "previous leaf hash of record 0 is not 32 zero bytes");
      }
    } else if (record.prev_leaf_hash() != AsBytes(last_leaf_hash_)) {
      finding(FindingKind::kChain,
              absl::StrCat("chain link does not match the leaf hash of record ", index - 1));
    }
    if (index > 0 && record.integration_time_micros() < last_time_) {
      finding(FindingKind::kTime, absl::StrCat("integration time ", record.integration_time_micros(),
                                               " goes backwards (record ", index - 1, ": ",
                                               last_time_, ")"));
    }
  }
  last_time_ = record.integration_time_micros();

  v1::Entry entry;
  if (!entry.ParseFromString(record.entry())) {
    finding(FindingKind::kMalformed, "entry bytes are not a memoria.v1.Entry");
    return;
  }
  const std::string key_text = absl::StrCat(
      entry.writer(), "+", HexEncode(EncodeBigEndian32(record.writer_key_id())));

  if (index == 0 && entry.event_case() != v1::Entry::kGenesis) {
    finding(FindingKind::kTrust, "record 0 is not the genesis entry");
  }

  // For a finding: the signer is an administrator key retired earlier.
  auto retired_text = [&]() -> std::string {
    const TrustChain::RetiredAdministrator* retired =
        trust_.FindRetiredAdministrator(record.writer_key_id(), entry.writer());
    return retired == nullptr
               ? std::string()
               : absl::StrCat(" (the administrator key retired at record ", retired->retired_at, ")");
  };

  switch (entry.event_case()) {
    case v1::Entry::kGenesis: {
      if (index != 0) {
        finding(FindingKind::kTrust, "genesis entry after record 0");
        return;
      }
      if (!SignedBy(log_key_, record.writer_key_id(), entry.writer())) {
        finding(FindingKind::kTrust,
                absl::StrCat("genesis entry signed by ", key_text, ", not by the log key ",
                             log_key_.name(), "+", HexEncode(EncodeBigEndian32(log_key_.key_id()))));
        return;
      }
      if (entry.request_id() != "genesis") {
        finding(FindingKind::kTrust, "genesis entry request id is not \"genesis\"");
      }
      if (!log_key_.Verify(EntrySignedMessage(record.entry()), record.writer_signature())) {
        finding(FindingKind::kSignature, "genesis signature does not verify under the log key");
        return;
      }
      absl::StatusOr<Verifier> admin = Verifier::Parse(entry.genesis().admin_vkey());
      if (!admin.ok()) {
        finding(FindingKind::kMalformed,
                absl::StrCat("genesis administrator key: ", admin.status().message()));
        return;
      }
      // A second genesis (partial mode) changes nothing: the first stays.
      trust_.SetAdministrator(*std::move(admin), entry.genesis().admin_vkey());
      return;
    }
    case v1::Entry::kWriterRegistered:
    case v1::Entry::kWriterRevoked: {
      const bool registering = entry.event_case() == v1::Entry::kWriterRegistered;
      const std::string& subject_text =
          registering ? entry.writer_registered().vkey() : entry.writer_revoked().vkey();
      const std::optional<Verifier>& admin = trust_.administrator();
      if (!admin.has_value()) {
        finding(FindingKind::kTrust, "writer administration with no administrator key (no valid genesis)");
        return;
      }
      if (!SignedBy(*admin, record.writer_key_id(), entry.writer())) {
        finding(FindingKind::kTrust,
                absl::StrCat("writer administration signed by ", key_text, retired_text(),
                             ", not by the administrator key ", trust_.administrator_vkey()));
        return;
      }
      if (!admin->Verify(EntrySignedMessage(record.entry()), record.writer_signature())) {
        finding(FindingKind::kSignature, "signature does not verify under the administrator key");
        return;
      }
      absl::StatusOr<Verifier> subject = Verifier::Parse(subject_text);
      if (!subject.ok()) {
        finding(FindingKind::kMalformed, absl::StrCat("writer key: ", subject.status().message()));
        return;
      }
      if (registering) {
        const TrustChain::Writer* existing = trust_.Find(subject->key_id(), subject->name());
        if (MayRegister(existing == nullptr ? std::nullopt
                                            : std::optional<WriterStanding>(existing->standing)) !=
            TrustVerdict::kAllowed) {
          finding(FindingKind::kTrust,
                  absl::StrCat("registers ", subject_text, " again (registered at record ",
                               existing->standing.registered_at, ")"));
          return;
        }
        trust_.Register(*std::move(subject), index);
      } else {
        switch (MayRevoke(trust_.StandingAt(subject->key_id(), subject->name(), index))) {
          case TrustVerdict::kAllowed:
            // (A revocation fed twice, at its own index, records the same index.)
            trust_.Revoke(subject->key_id(), subject->name(), index);
            break;
          case TrustVerdict::kAlreadyRevoked:
            finding(FindingKind::kTrust, absl::StrCat("revokes ", subject_text, " again"));
            return;
          default:
            finding(FindingKind::kTrust, absl::StrCat("revokes ", subject_text, ", not registered"));
            return;
        }
      }
      return;
    }
    case v1::Entry::kAdministratorAppointed: {
      const std::optional<Verifier>& admin = trust_.administrator();
      if (!admin.has_value()) {
        finding(FindingKind::kTrust, "administrator appointment with no administrator key (no valid genesis)");
        return;
      }
      if (!SignedBy(*admin, record.writer_key_id(), entry.writer())) {
        finding(FindingKind::kTrust,
                absl::StrCat("administrator appointment signed by ", key_text, retired_text(),
                             ", not by the administrator key ", trust_.administrator_vkey()));
        return;
      }
      if (!admin->Verify(EntrySignedMessage(record.entry()), record.writer_signature())) {
        finding(FindingKind::kSignature, "signature does not verify under the administrator key");
        return;
      }
      const std::string& successor_text = entry.administrator_appointed().successor_vkey();
      absl::StatusOr<Verifier> successor = Verifier::Parse(successor_text);
      if (!successor.ok()) {
        finding(FindingKind::kMalformed, absl::StrCat("successor administrator key: ", successor.status().message()));
        return;
      }
      switch (MayAppoint(trust_, *successor, log_key_)) {
        case TrustVerdict::kAllowed:
          trust_.Appoint(*std::move(successor), successor_text, index);
          return;
        case TrustVerdict::kSameAdministrator:
          finding(FindingKind::kTrust, absl::StrCat("appoints the current administrator ", successor_text));
          return;
        case TrustVerdict::kRetiredForever:
          finding(FindingKind::kTrust, absl::StrCat("appoints the retired administrator ", successor_text));
          return;
        case TrustVerdict::kWriterKey:
          finding(FindingKind::kTrust, absl::StrCat("appoints the writer key ", successor_text, " as administrator"));
          return;
        default:
          finding(FindingKind::kTrust, absl::StrCat("appoints the log key ", successor_text, " as administrator"));
          return;
      }
    }
    case v1::Entry::EVENT_NOT_SET:
      finding(FindingKind::kMalformed, "entry has no event");
      break;
    default:
      break;
  }

  std::string why;
  const Verifier* writer = FindWriter(record.writer_key_id(), entry.writer(), index, &why);
  if (writer == nullptr) {
    finding(FindingKind::kTrust, why);
    return;
  }
  QueueSignature(index, record, *writer, key_text, bad, counted);
}

void LogAuditor::QueueSignature(uint64_t index, const v1::Record& record, const Verifier& key,
                                const std::string& key_text, bool already_bad, bool counted) {
  SignatureTask& task = chunk_.emplace_back();
  task.index = index;
  task.message.reserve(kEntrySignaturePrefix.size() + record.entry().size());
  task.message.append(kEntrySignaturePrefix).append(record.entry());
  std::copy(record.writer_signature().begin(), record.writer_signature().end(),
            task.signature.begin());  // DecodeRecord checked: 64 bytes
  task.key = key.public_key();
  task.key_text = key_text;
  task.already_bad = already_bad;
  task.counted = counted;
  if (chunk_.size() >= options_.chunk_records) Flush();
}

void LogAuditor::Flush() {
  if (chunk_.empty()) return;
  if (pool_ == nullptr) {
    for (const SignatureTask& task : chunk_) {
      if (!VerifyTask(task.message, task.signature.data(), task.key)) SignatureFailed(task);
    }
    chunk_.clear();
    return;
  }
  std::vector<SignatureTask> full;
  full.reserve(options_.chunk_records);
  full.swap(chunk_);
  pool_->Submit(std::move(full));
}

absl::StatusOr<Checkpoint> LogAuditor::CheckCheckpoint(std::string_view signed_note) {
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(signed_note, log_key_);
  if (!checkpoint.ok()) {
    Report(tree_.size(), FindingKind::kCheckpoint,
           absl::StrCat("checkpoint does not open under the log key: ",
                        checkpoint.status().message()));
    return checkpoint.status();
  }
  if (partial_) return checkpoint;
  if (checkpoint->size == tree_.size()) {
    const Hash root = tree_.Root();
    if (root != checkpoint->root) {
      Report(checkpoint->size, FindingKind::kRoot,
             absl::StrCat("recomputed root ", Base64Encode(AsBytes(root)),
                          " differs from the signed checkpoint root ",
                          Base64Encode(AsBytes(checkpoint->root))));
    }
  } else if (checkpoint->size > tree_.size()) {
    Report(tree_.size(), FindingKind::kTruncated,
           absl::StrCat("the checkpoint signs ", checkpoint->size, " records but only ",
                        tree_.size(), " were read"));
  }
  return checkpoint;
}

AuditReport LogAuditor::Finish() {
  Flush();
  if (pool_ != nullptr) pool_->Wait();
  finished_ = true;
  AuditReport report;
  report.records = fed_;
  report.first_index = first_index_;
  if (!partial_) report.root = tree_.Root();
  report.admin_vkey = trust_.administrator_vkey();
  for (const std::unique_ptr<TrustChain::Writer>& writer : trust_.writers()) {
    report.writers.push_back({.vkey = writer->verifier.ToString(),
                              .registered_at = writer->standing.registered_at,
                              .revoked_at = writer->standing.revoked_at});
  }
  {
    absl::MutexLock lock(&findings_->mu);
    report.findings = findings_->list;
    report.findings_omitted = findings_->omitted;
    report.invalid_records = invalid_sequential_ + findings_->invalid_from_pool;
  }
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) { return a.index < b.index; });
  return report;
}

}  // namespace memoria
