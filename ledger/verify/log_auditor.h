// Auditing a log without trusting whoever serves it: a streaming verifier of
// records. (Receipts and single inclusion proofs: ledger/verify/receipt.h.)
//
//   LogAuditor auditor(log_key);                      // the pinned log key
//   for (each record, in index order from 0)
//     auditor.Add(index, std::move(leaf_bytes));
//   auditor.CheckCheckpoint(signed_note);              // root of all the leaves
//   AuditReport report = auditor.Finish();
//   if (!report.ok()) for (const AuditFinding& f : report.findings) ...
//
// What Add checks, for every record (each problem is one AuditFinding, and
// checking goes on after it):
//   - index continuity (the records fed are 0, 1, 2, ...);
//   - the bytes parse as a memoria.v1.Record (DecodeRecord) holding a
//     memoria.v1.Entry;
//   - the chain link: Record.index, Record.prev_leaf_hash = leaf hash of the
//     record before (index 0: 32 zero bytes), integration time never
//     decreasing (CheckChainLink);
//   - the trust chain, replayed from the records themselves:
//       record 0 is the genesis entry (Entry.writer = the log's origin,
//       request_id "genesis", LogGenesis.admin_vkey) signed by the log key;
//       WriterRegistered / WriterRevoked entries are signed by that
//       administrator key; every other entry is signed by a writer key
//       registered at an earlier index and not revoked at an earlier index,
//       named by (Record.writer_key_id, Entry.writer);
//   - the writer's Ed25519 signature over EntrySignedMessage(entry) under that
//     key. Signatures are verified by a pool of `threads` threads over chunks
//     of records while the caller goes on feeding; everything else runs in the
//     caller's thread, in order;
//   - the Merkle root (RFC 6962, accumulated with CompactRange), compared by
//     CheckCheckpoint with a checkpoint opened under the pinned log key.
//
// A partial range (an export bundle of records [A, B), or a selection of them)
// is fed with AddProven instead: each record is checked against its inclusion
// proof to a signed checkpoint, chain links are checked between consecutive
// records present (gaps are allowed), and the trust chain comes from AddTrust
// records (genesis and the writer registrations and revocations not fed as
// records, each with its own proof), fed in index order among the AddProven
// records: a key counts from its registration's index on, whenever that was fed.
//
// Memory is bounded: at most a few chunks of records wait for their
// signatures; findings are capped at AuditOptions::max_findings (the rest are
// counted).
//
// Thread-safety: a LogAuditor is fed from one thread; its pool is internal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/verify/trust_chain.h"
#include "memoria/v1/record.pb.h"

namespace memoria {

// What kind of problem a finding is; the names are stable (JSON reports).
enum class FindingKind {
  kIndex,       // a record is missing, repeated or out of order
  kMalformed,   // bytes that are not a Record / Entry
  kChain,       // chain link or index field does not match
  kTime,        // integration time goes backwards
  kTrust,       // genesis missing or wrong; entry signed by a key not allowed to
  kSignature,   // the writer's signature does not verify
  kInclusion,   // an inclusion proof does not lead to the checkpoint root
  kTree,        // a stored tree hash differs from the recomputed tree
  kCheckpoint,  // a checkpoint does not open, or its root differs
  kRoot,        // recomputed root differs from the signed checkpoint
  kRollback,    // the log is smaller than the trusted checkpoint
  kFork,        // the log is inconsistent with the trusted checkpoint
  kTruncated,   // records promised by a checkpoint are missing
  kPersonalData,  // a personal-data opening (export bundle) does not open its commitment
  kDamaged,     // the store's files fail their checksums (memoria-audit verify --data)
  kWitness,     // a checkpoint is not cosigned by a witness policy's quorum (memoria-audit)
  kCompleteness,  // a request's answer leaves out a match, holds a non-match, or its searched range falls short
};
std::string_view FindingKindName(FindingKind kind);

struct AuditFinding {
  uint64_t index = 0;  // the record (or tree size, for checkpoints) concerned
  FindingKind kind = FindingKind::kMalformed;
  std::string reason;  // one line, naming what is wrong
};

// "record 12: writer signature does not verify" style text of a finding.
std::string FindingText(const AuditFinding& finding);

struct AuditOptions {
  // Threads verifying signatures; 0 verifies in the caller's thread.
  int threads = 2;
  // Records per chunk handed to the pool.
  size_t chunk_records = 512;
  // Findings kept (those of smallest index); further ones are only counted.
  size_t max_findings = 1000;
};

// The keys the log's own records established, as of the last record fed.
struct AuditedWriter {
  std::string vkey;
  uint64_t registered_at = 0;
  std::optional<uint64_t> revoked_at;
};

struct AuditReport {
  uint64_t records = 0;          // records fed (Add / AddProven)
  uint64_t invalid_records = 0;  // records with at least one record-level finding
  uint64_t first_index = 0;      // index of the first record fed
  std::optional<Hash> root;      // recomputed root (full log only)
  std::string admin_vkey;        // named by the genesis record, if seen
  std::vector<AuditedWriter> writers;
  std::vector<AuditFinding> findings;  // sorted by index; the first max_findings
  uint64_t findings_omitted = 0;       // beyond max_findings
  bool ok() const { return findings.empty() && findings_omitted == 0; }
};

// Where a full-log audit stands after the records fed: what Add needs to go
// on from the next record without the earlier ones (memoria-audit's resumed
// --state). Encoded as text by ledger/verify/auditor_resume.h.
struct AuditorResume {
  uint64_t size = 0;          // records audited: the next one is `size`
  std::vector<Hash> range;    // their tree: CompactRange::NodesFor(size)'s hashes
  Hash last_leaf_hash{};      // the chain's tip (record size - 1)
  int64_t last_time = 0;      // its integration time
  std::string admin_vkey;     // named by the genesis ("" before it)
  std::vector<AuditedWriter> writers;  // the trust chain, in registration order
};

class LogAuditor {
 public:
  explicit LogAuditor(Verifier log_key, AuditOptions options = {});
  // Waits for the pool.
  ~LogAuditor();
  LogAuditor(const LogAuditor&) = delete;
  LogAuditor& operator=(const LogAuditor&) = delete;

  const Verifier& log_key() const { return log_key_; }

  // Full-log mode: the next record, starting at index 0.
  void Add(uint64_t index, std::string leaf);
  // Called with every perfect subtree hash the recomputed tree completes (the
  // leaf itself at level 0 first), in Add's thread. For comparing with a
  // stored tree.
  void SetNodeObserver(std::function<void(const NodeId&, const Hash&)> observer);
  // Full-log mode, before any record: goes on from `resume` (the next record
  // fed is resume.size), as if its records had been fed without a finding.
  // INVALID_ARGUMENT for a resume point that does not hold together (a tree
  // of the wrong shape, a key that does not parse); nothing changes then.
  absl::Status Resume(const AuditorResume& resume);
  // Full-log mode: where the audit stands (meaningful when no finding was
  // made: a resume point is only saved after a clean run).
  AuditorResume ResumePoint() const;

  // Records fed by Add so far, and the root of their tree.
  uint64_t size() const { return tree_.size(); }
  Hash Root() const { return tree_.Root(); }

  // Partial mode: a record checked by its inclusion proof to `checkpoint`
  // (already opened under the log key). Records come in increasing order.
  void AddProven(uint64_t index, std::string leaf, std::span<const Hash> proof,
                 const Checkpoint& checkpoint);
  // Partial mode: a record that establishes trust (genesis, writer registered
  // or revoked) and is not fed with AddProven, with its inclusion proof. Not
  // counted as an audited record; any problem is a finding. Call it before the
  // AddProven of any record after it (so a registration is known when a record
  // signed by its key is checked; registrations need the genesis first).
  void AddTrust(uint64_t index, std::string leaf, std::span<const Hash> proof,
                const Checkpoint& checkpoint);

  // Opens `signed_note` under the log key; in full-log mode, if its size is
  // size(), compares its root with Root(), and if its size is larger, reports
  // the missing records (kTruncated). Returns the checkpoint when it opens
  // (whatever the root), or the error after recording it as a finding.
  absl::StatusOr<Checkpoint> CheckCheckpoint(std::string_view signed_note);

  // Records a finding found by the caller (tree hashes, consistency, ...).
  void Report(uint64_t index, FindingKind kind, std::string reason);
  // Findings so far (waits for pending signatures first).
  uint64_t FindingCount();

  // Waits for every pending signature and returns the report. The auditor
  // accepts no more records afterwards.
  AuditReport Finish();

 private:
  struct SignatureTask;
  struct Findings;
  class Pool;

  // Decodes `leaf`, checks its chain link to the previous record (if
  // `chained`), applies the trust chain and queues its signature. `counted`:
  // problems make the record count as invalid.
  void CheckRecord(uint64_t index, std::string_view leaf, const Hash& leaf_hash, bool chained,
                   bool counted);
  // The writer key (key_id, name) valid for a record at `at`; nullptr and the
  // reason in `why` if none.
  const Verifier* FindWriter(uint32_t key_id, std::string_view name, uint64_t at,
                              std::string* why) const;
  void QueueSignature(uint64_t index, const v1::Record& record, const Verifier& key,
                      const std::string& key_text, bool already_bad, bool counted);
  // Hands the current chunk to the pool (or verifies it here without one).
  void Flush();
  // The verifier of inclusion proofs into `checkpoint` (partial mode), kept
  // while the checkpoint stays the same so that shared paths are hashed once.
  InclusionVerifier& ProofsInto(const Checkpoint& checkpoint);
  void AddFinding(uint64_t index, FindingKind kind, std::string reason);
  void RecordFinding(uint64_t index, FindingKind kind, std::string reason, bool counted);
  void SignatureFailed(const SignatureTask& task);

  const Verifier log_key_;
  const AuditOptions options_;
  const std::unique_ptr<Findings> findings_;  // shared with the pool
  std::unique_ptr<Pool> pool_;

  // Feeding state (the caller's thread only).
  CompactRange tree_;
  std::function<void(const NodeId&, const Hash&)> node_observer_;
  std::optional<InclusionVerifier> proofs_;
  std::pair<uint64_t, Hash> proofs_checkpoint_;
  bool partial_ = false;
  bool finished_ = false;
  uint64_t fed_ = 0;
  uint64_t first_index_ = 0;
  std::optional<uint64_t> last_index_;
  Hash last_leaf_hash_{};
  int64_t last_time_ = 0;
  std::optional<uint64_t> last_invalid_;
  uint64_t invalid_sequential_ = 0;

  // The trust chain replayed so far (its rules: ledger/verify/trust_chain.h).
  TrustChain trust_;
  std::vector<SignatureTask> chunk_;
};

}  // namespace memoria
