#include "tools/audit/commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/bundle_source.h"
#include "client/export_range_source.h"
#include "client/ledger_client.h"
#include "client/tile_http_source.h"
#include "client/trusted_state.h"
#include "client/witness_check.h"
#include "ledger/verify/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/policy/commitment.h"
#include "ledger/query/event_type.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/store_check.h"
#include "ledger/tile_path.h"
#include "ledger/verify/auditor_resume.h"
#include "ledger/verify/checkpoint_tracker.h"
#include "ledger/verify/tiled_log.h"
#include "ledger/verify/receipt.h"
#include "ledger/verify/witness_policy.h"
#include "ledger/verify/witness_quorum.h"
#include "tools/audit/completeness.h"

namespace memoria::audit {

namespace {

using Clock = std::chrono::steady_clock;
// How long monitor waits for a witnessed checkpoint to cover the next record
// before it leaves the stream and tries again (below a server's 30 s stall timeout).
constexpr std::chrono::seconds kWitnessWait{20};
using client::TrustedCheckpoint;
using client::TrustedState;

// ---- Progress bar ----------------------------------------------------------------

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(bool wanted) : enabled_(wanted && ::isatty(STDERR_FILENO) == 1) {}
  ~Progress() { Done(); }

  void Update(uint64_t done, uint64_t total) {
    if (!enabled_) return;
    const Clock::time_point now = Clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(200) && done < total) return;
    last_ = now;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(std::min(1.0, fraction) * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r[%s] %3.0f%% %lu/%lu records, %.0f records/s ", bar.c_str(),
                 fraction * 100, static_cast<unsigned long>(done), static_cast<unsigned long>(total),
                 seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  }
  void Done() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }

 private:
  const bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_;
};

// ---- Trusted state -----------------------------------------------------------------

// Why the log cannot be the continuation of the trusted checkpoint.
struct Inconsistency {
  FindingKind kind;  // kRollback or kFork
  std::string reason;
};

// memoria-audit's wording of the tracker's evidence (ledger/verify/checkpoint_tracker.h).
Inconsistency Describe(const CheckpointEvidence& evidence) {
  const Checkpoint& trusted = evidence.trusted.checkpoint;
  const Checkpoint& latest = evidence.presented.checkpoint;
  if (evidence.kind == CheckpointEvidence::Kind::kRollback) {
    return Inconsistency{FindingKind::kRollback,
                         absl::StrCat("rollback: the log's checkpoint signs ", latest.size,
                                      " records, fewer than the trusted checkpoint's ", trusted.size)};
  }
  if (evidence.proof_failure.ok()) {
    return Inconsistency{FindingKind::kFork,
                         absl::StrCat("fork: checkpoint ", latest.size,
                                      " has a different root than the trusted checkpoint of the same size")};
  }
  return Inconsistency{FindingKind::kFork,
                       absl::StrCat("fork: checkpoint ", latest.size, " is not consistent with trusted ",
                                    trusted.size, ": ", std::string(evidence.proof_failure.message()))};
}

// Judges `latest` against `tracker`'s trusted checkpoint: a smaller one is a
// rollback, the same size with another root a fork, a larger one is checked
// by `proofs` (no proof at all, or one that fails, is a fork) or, when
// `proofs` is null, later (by recomputing the trusted root from the records).
// With a witness `policy`, `latest` is a witnessed checkpoint, and a trusted
// checkpoint the policy's quorum did not cosign (kept by a run without the
// policy) may be ahead of the witnesses: a smaller `latest` must then be its
// prefix (by `proofs`), which is not a rollback; `*prefix` is set when so.
std::optional<Inconsistency> Inconsistent(const CheckpointTracker& tracker, TrustedCheckpoint latest,
                                          const CheckpointTracker::ConsistencyProofs& proofs,
                                          const WitnessPolicy* policy = nullptr,
                                          bool* prefix = nullptr) {
  const uint64_t size = latest.checkpoint.size;
  if (policy != nullptr && proofs != nullptr && tracker.trusted().has_value() &&
      size < tracker.size()) {
    const Checkpoint& trusted = tracker.trusted()->checkpoint;
    absl::StatusOr<QuorumEvaluation> quorum = EvaluateQuorum(tracker.trusted()->note, *policy);
    if (!quorum.ok() || !quorum->quorum_met) {
      absl::Status consistent;
      if (size > 0) {
        absl::StatusOr<std::vector<Hash>> hashes = proofs(size, trusted.size);
        consistent = hashes.ok() ? VerifyConsistency(size, trusted.size, latest.checkpoint.root,
                                                     trusted.root, *hashes)
                                 : hashes.status();
      }
      if (!consistent.ok()) {
        return Inconsistency{
            FindingKind::kFork,
            absl::StrCat("fork: witnessed checkpoint ", size, " is not a prefix of trusted ",
                         trusted.size, " (trusted without the witness policy): ",
                         std::string(consistent.message()))};
      }
      if (prefix != nullptr) *prefix = true;
      return std::nullopt;
    }
  }
  absl::StatusOr<CheckpointJudgement> judged = tracker.Judge(std::move(latest), proofs);
  if (!judged.ok()) {
    return Inconsistency{FindingKind::kFork,
                         absl::StrCat("fork or rewritten history: no consistency proof from trusted ",
                                      tracker.size(), " to ", size, ": ",
                                      std::string(judged.status().message()))};
  }
  if (judged->evidence.has_value()) return Describe(*judged->evidence);
  return std::nullopt;
}

// Consistency of the log with the auditor's trusted checkpoint, checked by
// recomputation: the root of the first trusted.size records the auditor reads
// must be the trusted root.
class TrustCheck {
 public:
  explicit TrustCheck(std::optional<TrustedCheckpoint> trusted) : trusted_(std::move(trusted)) {}

  const std::optional<TrustedCheckpoint>& trusted() const { return trusted_; }

  // Compares the log's checkpoint with the trusted one before reading
  // records; a larger one through `proofs` if given (server mode), else by
  // recomputation (After).
  // With a witness `policy`, `latest` is a witnessed checkpoint (Inconsistent).
  void Before(LogAuditor& auditor, TrustedCheckpoint latest,
              const CheckpointTracker::ConsistencyProofs& proofs = nullptr,
              const WitnessPolicy* policy = nullptr) {
    if (!trusted_.has_value()) return;
    const uint64_t size = latest.checkpoint.size;
    const CheckpointTracker tracker(auditor.log_key(), trusted_);
    bool prefix = false;
    if (std::optional<Inconsistency> broken =
            Inconsistent(tracker, std::move(latest), proofs, policy, &prefix)) {
      Fail(auditor, size, broken->kind, std::move(broken->reason));
    } else if (prefix || size == trusted_->checkpoint.size) {
      checked_ = true;
    }
  }

  // After each record fed in full-log mode.
  void After(LogAuditor& auditor) {
    if (!trusted_.has_value() || auditor.size() != trusted_->checkpoint.size) return;
    if (auditor.Root() != trusted_->checkpoint.root) {
      Fail(auditor, auditor.size(), FindingKind::kFork,
           absl::StrCat("fork: the root of the first ", auditor.size(),
                        " records differs from the trusted checkpoint's root (history rewritten)"));
    } else {
      checked_ = true;
    }
  }

  // Consistency established another way (a resume point at the trusted
  // checkpoint: the records read next extend the trusted tree itself).
  void MarkConsistent() { checked_ = true; }

  // True when consistency was established and nothing failed.
  bool consistent() const { return !trusted_.has_value() || (checked_ && !failed_); }
  bool failed() const { return failed_; }

 private:
  void Fail(LogAuditor& auditor, uint64_t index, FindingKind kind, std::string reason) {
    failed_ = true;
    auditor.Report(index, kind, std::move(reason));
  }

  std::optional<TrustedCheckpoint> trusted_;
  bool checked_ = false;
  bool failed_ = false;
};

// ---- Reporting ---------------------------------------------------------------------

struct VerifyOutcome {
  std::string source;
  AuditReport report;
  std::optional<Checkpoint> checkpoint;  // the log's latest, if it opened
  std::string checkpoint_note;
  std::optional<TrustedCheckpoint> trusted;
  bool consistent = false;
  // "", or what a bundle holds: "records [A, B) of N, ..." or "filtered selection of ..."
  std::string scope;
  std::string query;  // a filtered bundle's (informative) query
  // A filtered bundle: what its completeness check found (completeness.h).
  std::optional<std::string> completeness;
  // Personal-data openings verified (a disclosed bundle only).
  std::optional<uint64_t> openings_verified;
  bool state_saved = false;
  std::string state_note;
  // With --witness-policy: the policy witnesses that cosigned the checkpoint.
  bool witness_policy = false;
  std::vector<std::string> witnesses;
};

bool HasKind(const AuditReport& report, std::initializer_list<FindingKind> kinds) {
  for (const AuditFinding& finding : report.findings) {
    for (const FindingKind kind : kinds) {
      if (finding.kind == kind) return true;
    }
  }
  return false;
}

std::string Summary(const VerifyOutcome& outcome) {
  const AuditReport& report = outcome.report;
  std::string text = absl::StrCat(report.records - std::min(report.records, report.invalid_records),
                                  "/", report.records, " records valid");
  if (!outcome.scope.empty()) absl::StrAppend(&text, " (", outcome.scope, ")");
  absl::StrAppend(&text, HasKind(report, {FindingKind::kChain, FindingKind::kTime, FindingKind::kIndex})
                             ? ", chain BROKEN"
                             : ", chain intact");
  if (!outcome.checkpoint.has_value()) {
    absl::StrAppend(&text, ", no valid checkpoint");
  } else {
    const bool root_bad = HasKind(report, {FindingKind::kRoot, FindingKind::kTruncated,
                                           FindingKind::kCheckpoint, FindingKind::kInclusion});
    absl::StrAppend(&text, ", checkpoint ", outcome.checkpoint->size,
                    root_bad ? " NOT matched by the records" : "");
    if (outcome.trusted.has_value()) {
      const uint64_t trusted = outcome.trusted->checkpoint.size;
      if (HasKind(report, {FindingKind::kRollback})) {
        absl::StrAppend(&text, " is a ROLLBACK from trusted ", trusted);
      } else if (HasKind(report, {FindingKind::kFork})) {
        absl::StrAppend(&text, " is INCONSISTENT with trusted ", trusted, " (fork)");
      } else if (outcome.consistent) {
        absl::StrAppend(&text, " consistent with trusted ", trusted);
      } else {
        absl::StrAppend(&text, ", consistency with trusted ", trusted, " not checked");
      }
    } else if (!root_bad) {
      absl::StrAppend(&text, " verified");
    }
    if (outcome.witness_policy) {
      absl::StrAppend(&text, HasKind(report, {FindingKind::kWitness})
                                 ? ", NOT cosigned by the witness policy's quorum"
                                 : absl::StrCat(", witnessed by ",
                                                outcome.witnesses.empty()
                                                    ? std::string("(quorum none)")
                                                    : absl::StrJoin(outcome.witnesses, ", ")));
    }
  }
  if (outcome.openings_verified.has_value()) {
    absl::StrAppend(&text, ", ", *outcome.openings_verified,
                    " personal-data openings verified against their commitments");
  }
  if (outcome.completeness.has_value()) absl::StrAppend(&text, "; ", *outcome.completeness);
  if (!report.ok()) {
    absl::StrAppend(&text, "; ", report.findings.size() + report.findings_omitted, " problem(s)");
  }
  return text;
}

void PrintOutcome(const VerifyOutcome& outcome, bool json) {
  const AuditReport& report = outcome.report;
  if (json) {
    std::string out = absl::StrCat("{\"ok\":", report.ok() ? "true" : "false",
                                   ",\"source\":", JsonQuote(outcome.source),
                                   ",\"records\":", report.records,
                                   ",\"valid_records\":", report.records - std::min(report.records, report.invalid_records),
                                   ",\"first_index\":", report.first_index);
    if (!outcome.scope.empty()) absl::StrAppend(&out, ",\"scope\":", JsonQuote(outcome.scope));
    if (!outcome.query.empty()) absl::StrAppend(&out, ",\"query\":", JsonQuote(outcome.query));
    if (outcome.completeness.has_value()) {
      absl::StrAppend(&out, ",\"completeness\":", JsonQuote(*outcome.completeness));
    }
    if (outcome.openings_verified.has_value()) {
      absl::StrAppend(&out, ",\"openings_verified\":", *outcome.openings_verified);
    }
    if (report.root.has_value()) {
      absl::StrAppend(&out, ",\"root\":", JsonQuote(Base64Encode(AsBytes(*report.root))));
    }
    if (outcome.checkpoint.has_value()) {
      absl::StrAppend(&out, ",\"checkpoint\":{\"tree_size\":", outcome.checkpoint->size,
                      ",\"root\":", JsonQuote(Base64Encode(AsBytes(outcome.checkpoint->root))),
                      ",\"note\":", JsonQuote(outcome.checkpoint_note), "}");
    }
    if (outcome.trusted.has_value()) {
      absl::StrAppend(&out, ",\"trusted\":{\"tree_size\":", outcome.trusted->checkpoint.size,
                      ",\"consistent\":", outcome.consistent ? "true" : "false", "}");
    }
    if (outcome.witness_policy) {
      absl::StrAppend(&out, ",\"witnesses\":[");
      for (size_t i = 0; i < outcome.witnesses.size(); ++i) {
        absl::StrAppend(&out, i > 0 ? "," : "", JsonQuote(outcome.witnesses[i]));
      }
      out.push_back(']');
    }
    absl::StrAppend(&out, ",\"state_saved\":", outcome.state_saved ? "true" : "false");
    absl::StrAppend(&out, ",\"admin_vkey\":", JsonQuote(report.admin_vkey), ",\"writers\":[");
    for (size_t i = 0; i < report.writers.size(); ++i) {
      const AuditedWriter& writer = report.writers[i];
      absl::StrAppend(&out, i > 0 ? "," : "", "{\"vkey\":", JsonQuote(writer.vkey),
                      ",\"registered_at\":", writer.registered_at);
      if (writer.revoked_at.has_value()) absl::StrAppend(&out, ",\"revoked_at\":", *writer.revoked_at);
      out.push_back('}');
    }
    absl::StrAppend(&out, "],\"findings\":[");
    for (size_t i = 0; i < report.findings.size(); ++i) {
      const AuditFinding& finding = report.findings[i];
      absl::StrAppend(&out, i > 0 ? "," : "", "{\"index\":", finding.index,
                      ",\"kind\":", JsonQuote(FindingKindName(finding.kind)),
                      ",\"reason\":", JsonQuote(finding.reason), "}");
    }
    absl::StrAppend(&out, "],\"findings_omitted\":", report.findings_omitted,
                    ",\"summary\":", JsonQuote(Summary(outcome)), "}\n");
    std::fputs(out.c_str(), stdout);
    return;
  }
  for (const AuditFinding& finding : report.findings) {
    std::printf("%s\n", FindingText(finding).c_str());
  }
  if (report.findings_omitted > 0) {
    std::printf("... and %lu more problems\n", static_cast<unsigned long>(report.findings_omitted));
  }
  std::printf("%s\n", Summary(outcome).c_str());
  if (!outcome.state_note.empty()) std::fprintf(stderr, "%s\n", outcome.state_note.c_str());
}

// The --log-key flag; INVALID_ARGUMENT naming the flag if it does not parse.
absl::StatusOr<Verifier> PinnedLogKey(const std::string& vkey) {
  absl::StatusOr<Verifier> log_key = Verifier::Parse(vkey);
  if (!log_key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-key: ", std::string(log_key.status().message())));
  }
  return log_key;
}

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "memoria-audit: %s\n", std::string(status.message()).c_str());
  return kExitUsage;
}

// The --witness-policy file, if given (nullopt when not).
absl::StatusOr<std::optional<WitnessPolicy>> LoadPolicy(const std::string& path) {
  if (path.empty()) return std::optional<WitnessPolicy>();
  absl::StatusOr<WitnessPolicy> policy = ReadWitnessPolicyFile(path);
  if (!policy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--witness-policy: ", std::string(policy.status().message())));
  }
  return std::optional<WitnessPolicy>(*std::move(policy));
}

// Advances the trusted state after a clean, consistent run.
void MaybeSaveState(TrustedState& state, VerifyOutcome& outcome) {
  if (state.path().empty()) return;
  if (!outcome.report.ok() || !outcome.checkpoint.has_value()) {
    outcome.state_note = "trusted state not advanced: the log did not verify";
    return;
  }
  if (outcome.trusted.has_value() && !outcome.consistent) {
    outcome.state_note = "trusted state not advanced: consistency with it was not established";
    return;
  }
  if (outcome.trusted.has_value() && outcome.trusted->checkpoint.size >= outcome.checkpoint->size) {
    outcome.state_saved = false;
    return;
  }
  absl::Status saved = state.Advance({*outcome.checkpoint, outcome.checkpoint_note});
  if (!saved.ok()) {
    outcome.state_note = absl::StrCat("cannot save the trusted state: ", std::string(saved.message()));
    return;
  }
  outcome.state_saved = true;
}

// ---- Sources ------------------------------------------------------------------------

// A client for unchecked reads: the auditor verifies everything it is sent.
absl::StatusOr<std::unique_ptr<client::LedgerClient>> Connect(
    const client::ConnectionOptions& connection) {
  client::ClientOptions options;
  options.connection = connection;
  options.timeout = absl::Seconds(30);
  return client::LedgerClient::Create(std::move(options));
}

// The server's consistency proof from `first` to `second` leaves, unchecked.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(client::LedgerClient& remote, uint64_t first,
                                                   uint64_t second) {
  ASSIGN_OR_RETURN(v1::ConsistencyProof proof, remote.FetchConsistencyProof(first, second));
  return client::ProofHashes(proof.hashes());
}

// Live server: latest checkpoint, consistency proof from the trusted one, all
// records streamed through GetRecords. Returns an error for I/O failures.
// With a witness policy, the checkpoint is the server's latest witnessed one,
// which must meet the policy's quorum.
absl::Status VerifyServer(const VerifyOptions& options, const WitnessPolicy* policy,
                          LogAuditor& auditor, TrustCheck& trust, VerifyOutcome& outcome,
                          Progress& progress) {
  ASSIGN_OR_RETURN(std::unique_ptr<client::LedgerClient> remote, Connect(options.connection));
  client::LedgerBundleSource source(*remote);
  outcome.source = absl::StrCat("server ", options.connection.target);
  if (policy != nullptr) {
    ASSIGN_OR_RETURN(v1::CheckpointResponse witnessed, remote->FetchWitnessedCheckpoint());
    outcome.checkpoint_note = witnessed.note();
  } else {
    ASSIGN_OR_RETURN(outcome.checkpoint_note, source.LatestCheckpoint());
  }
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(outcome.checkpoint_note, auditor.log_key());
  if (!checkpoint.ok()) {
    // Nothing to compare the records with: the finding says it all.
    auditor.Report(0, FindingKind::kCheckpoint,
                   absl::StrCat("the server's latest checkpoint does not open under the log key: ",
                                std::string(checkpoint.status().message())));
    return absl::OkStatus();
  }
  outcome.checkpoint = *checkpoint;
  if (policy != nullptr) {
    // The records are verified all the same: the finding fails the run.
    absl::StatusOr<QuorumEvaluation> quorum =
        client::CheckWitnessQuorum(outcome.checkpoint_note, *policy);
    if (quorum.ok()) {
      outcome.witnesses = quorum->witnessed;
    } else {
      auditor.Report(checkpoint->size, FindingKind::kWitness,
                     std::string(quorum.status().message()));
    }
  }
  trust.Before(
      auditor, {*checkpoint, outcome.checkpoint_note},
      [&](uint64_t first, uint64_t second) { return ConsistencyProof(*remote, first, second); },
      policy);
  const uint64_t total = checkpoint->size;
  RETURN_IF_ERROR(source.ScanRecords(0, total, [&](uint64_t index, std::string leaf) {
    auditor.Add(index, std::move(leaf));
    trust.After(auditor);
    progress.Update(auditor.size(), total);
    return absl::OkStatus();
  }));
  (void)auditor.CheckCheckpoint(outcome.checkpoint_note);
  return absl::OkStatus();
}

absl::Status VerifyBundleFile(const VerifyOptions& options, TrustCheck& trust,
                              VerifyOutcome& outcome, Progress& progress) {
  outcome.source = absl::StrCat("bundle ", options.bundle_path);
  std::ifstream in(options.bundle_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open bundle ", options.bundle_path));
  ASSIGN_OR_RETURN(const Verifier log_key, Verifier::Parse(options.log_vkey));
  bool full = false;
  std::string note;  // the bundle's checkpoint
  const policy::CommitmentOpeningChecker opening_checker;
  BundleHooks hooks;
  hooks.opening_checker = &opening_checker;
  hooks.progress = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  hooks.before_records = [&](LogAuditor& auditor, const std::optional<Checkpoint>& checkpoint) {
    if (checkpoint.has_value()) trust.Before(auditor, {*checkpoint, note});
  };
  hooks.after_record = [&](LogAuditor& auditor) {
    if (full) trust.After(auditor);
  };
  // The header is read twice: once here to learn whether the bundle is full.
  {
    std::ifstream peek(options.bundle_path, std::ios::binary);
    BundleReader reader(peek);
    ASSIGN_OR_RETURN(BundleHeader header, reader.ReadHeader());
    full = header.full();
    note = header.checkpoint;
  }
  ASSIGN_OR_RETURN(BundleAudit audit, VerifyBundle(in, log_key, options.audit, hooks));
  outcome.report = std::move(audit.report);
  outcome.checkpoint_note = audit.header.checkpoint;
  if (absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(audit.header.checkpoint, log_key);
      checkpoint.ok()) {
    outcome.checkpoint = *checkpoint;
  }
  if (audit.header.filtered) {
    outcome.scope = absl::StrCat("filtered selection of ", outcome.report.records,
                                 " records of [", audit.header.from, ", ", audit.header.to,
                                 ") of ", audit.header.tree_size, ", through inclusion proofs");
    outcome.query = audit.header.query;
  } else if (!audit.full) {
    outcome.scope = absl::StrCat("records [", audit.header.from, ", ", audit.header.to, ") of ",
                                 audit.header.tree_size, ", through inclusion proofs");
  }
  if (audit.header.disclosed) outcome.openings_verified = audit.openings_verified;
  if (!audit.header.filtered) return absl::OkStatus();
  // A request's answer: proven complete when it states its searched range
  // and a source of the range is given.
  if (audit.header.search.has_value() && options.connection.target.empty()) {
    outcome.completeness = absl::StrCat(
        "completeness stated over [", audit.header.search->from, ", ", audit.header.search->to,
        ") but NOT CHECKED (add --server HOST:PORT to read that range and re-apply the filter)");
    return absl::OkStatus();
  }
  if (!audit.header.search.has_value()) {
    outcome.completeness = CompletenessText(Completeness{});  // not stated
    return absl::OkStatus();
  }
  client::ClientOptions client_options;
  client_options.connection = options.connection;
  client_options.timeout = absl::Seconds(60);
  client_options.log_key = log_key;
  ASSIGN_OR_RETURN(std::unique_ptr<client::LedgerClient> remote,
                   client::LedgerClient::Create(std::move(client_options)));
  client::ExportRangeSource source(*remote);
  ASSIGN_OR_RETURN(Completeness completeness,
                   CheckCompleteness(options.bundle_path, log_key, source));
  outcome.completeness = CompletenessText(completeness);
  if (completeness.verdict == Completeness::Verdict::kNotCheckable) {
    outcome.report.findings.push_back(
        {completeness.from, FindingKind::kCompleteness,
         absl::StrCat("the bundle states a searched range, but ", completeness.reason)});
  }
  for (AuditFinding& finding : completeness.findings) {
    if (outcome.report.findings.size() < options.audit.max_findings) {
      outcome.report.findings.push_back(std::move(finding));
    } else {
      ++outcome.report.findings_omitted;
    }
  }
  return absl::OkStatus();
}

// A stopped server's RocksDB directory, read directly (ledger/store_check.h).
absl::Status VerifyData(const VerifyOptions& options, LogAuditor& auditor, TrustCheck& trust,
                        VerifyOutcome& outcome, Progress& progress) {
  StoreCheckHooks hooks;
  hooks.before_records = [&](LogAuditor& fed, const TrustedCheckpoint& latest) {
    trust.Before(fed, latest);
  };
  hooks.after_record = [&](LogAuditor& fed) { trust.After(fed); };
  hooks.progress = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  ASSIGN_OR_RETURN(StoreCheck check, CheckStore(options.data_dir, auditor, hooks));
  outcome.source = absl::StrCat("data ", check.path);
  outcome.checkpoint = check.checkpoint;
  outcome.checkpoint_note = std::move(check.checkpoint_note);
  return absl::OkStatus();
}


// ---- Tiles ---------------------------------------------------------------------------

// The auditor's resume point kept beside the state file, if it is usable for
// `trusted` (its size and root); nullopt otherwise, with the reason in *why.
std::optional<AuditorResume> LoadResume(const std::string& state_path,
                                        const std::optional<TrustedCheckpoint>& trusted,
                                        std::string* why) {
  if (state_path.empty() || !trusted.has_value() || trusted->checkpoint.size == 0) return std::nullopt;
  const std::string path = AuditorResumePath(state_path);
  absl::StatusOr<std::string> text = client::ReadFile(path);
  if (!text.ok()) {
    *why = absl::IsNotFound(text.status()) ? absl::StrCat("no ", path)
                                           : std::string(text.status().message());
    return std::nullopt;
  }
  absl::StatusOr<AuditorResume> resume = DecodeAuditorResume(*text);
  if (!resume.ok()) {
    *why = absl::StrCat(path, ": ", std::string(resume.status().message()));
    return std::nullopt;
  }
  absl::StatusOr<CompactRange> range = CompactRange::FromNodes(resume->size, resume->range);
  if (resume->size != trusted->checkpoint.size || !range.ok() ||
      range->Root() != trusted->checkpoint.root) {
    *why = absl::StrCat(path, " is not at the trusted checkpoint (size ", resume->size, ", trusted ",
                        trusted->checkpoint.size, ")");
    return std::nullopt;
  }
  return *std::move(resume);
}

absl::Status SaveResume(const std::string& state_path, const AuditorResume& resume) {
  return client::WriteFileAtomically(AuditorResumePath(state_path), EncodeAuditorResume(resume));
}

absl::StatusOr<std::unique_ptr<TileSource>> OpenTiles(const TilesOptions& options) {
  absl::StatusOr<std::unique_ptr<TileSource>> source =
      client::OpenTileSource(options.location, options.http);
  if (!source.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tiles: ", std::string(source.status().message())));
  }
  return source;
}

// Reads [auditor.size(), checkpoint.size) from the tiles into the auditor
// (`after` after each record). A tile or bundle that disagrees with the
// signed checkpoint is a finding; other errors (a missing resource, the
// network) are returned.
absl::Status FeedFromTiles(TiledLog& tiled, const Checkpoint& checkpoint, LogAuditor& auditor,
                           const std::function<void()>& after) {
  const AuditorResume point = auditor.ResumePoint();
  ASSIGN_OR_RETURN(CompactRange before, CompactRange::FromNodes(point.size, point.range));
  absl::Status read = tiled.ReadEntries(checkpoint, std::move(before), [&](uint64_t index, std::string leaf) {
    auditor.Add(index, std::move(leaf));
    if (after) after();
    return absl::OkStatus();
  });
  if (absl::IsDataLoss(read)) {
    auditor.Report(auditor.size(), FindingKind::kTree, std::string(read.message()));
    return absl::OkStatus();
  }
  return read;
}

// A tiled log: its checkpoint, consistency with the trusted one from the
// tiles, then every record (or, with a usable resume point, the records
// after the trusted checkpoint) read in parallel and audited.
absl::Status VerifyTiles(const VerifyOptions& options, LogAuditor& auditor, TrustCheck& trust, VerifyOutcome& outcome,
                         Progress& progress) {
  ASSIGN_OR_RETURN(std::unique_ptr<TileSource> source, OpenTiles(options.tiles));
  TiledLog tiled(*source, auditor.log_key(), options.tiles.parallel);
  outcome.source = absl::StrCat("tiles ", source->Describe());
  ASSIGN_OR_RETURN(outcome.checkpoint_note, source->Fetch(tiles::kCheckpointPath));
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(outcome.checkpoint_note, auditor.log_key());
  if (!checkpoint.ok()) {
    auditor.Report(0, FindingKind::kCheckpoint,
                   absl::StrCat("the tiles' checkpoint does not open under the log key: ",
                                std::string(checkpoint.status().message())));
    return absl::OkStatus();
  }
  outcome.checkpoint = *checkpoint;
  absl::Status proof_error;  // a proof the tiles could not give (not a fork)
  trust.Before(auditor, {*checkpoint, outcome.checkpoint_note},
               [&](uint64_t first, uint64_t second) -> absl::StatusOr<std::vector<Hash>> {
                 absl::StatusOr<std::vector<Hash>> proof = tiled.ConsistencyProof(first, second);
                 if (!proof.ok() && !absl::IsDataLoss(proof.status())) proof_error = proof.status();
                 return proof;
               });
  RETURN_IF_ERROR(proof_error);
  if (trust.failed()) return absl::OkStatus();  // rollback or fork: nothing to read against
  std::string why;
  if (std::optional<AuditorResume> resume = LoadResume(options.state_path, trust.trusted(), &why)) {
    if (absl::Status resumed = auditor.Resume(*resume); resumed.ok()) {
      trust.MarkConsistent();
      outcome.scope = absl::StrCat("records [", resume->size, ", ", checkpoint->size, ") of ",
                                   checkpoint->size, ", after the resume point at the trusted checkpoint");
    } else {
      why = std::string(resumed.message());
    }
  }
  if (!why.empty() && trust.trusted().has_value()) {
    std::fprintf(stderr, "memoria-audit: replaying from record 0 (%s)\n", why.c_str());
  }
  const uint64_t total = checkpoint->size;
  RETURN_IF_ERROR(FeedFromTiles(tiled, *checkpoint, auditor, [&]() {
    trust.After(auditor);
    progress.Update(auditor.size(), total);
  }));
  (void)auditor.CheckCheckpoint(outcome.checkpoint_note);
  return absl::OkStatus();
}

}  // namespace

std::string AuditorResumePath(const std::string& state_path) { return state_path + ".auditor"; }

int RunVerify(const VerifyOptions& options) {
  absl::StatusOr<Verifier> log_key = PinnedLogKey(options.log_vkey);
  if (!log_key.ok()) return UsageError(log_key.status());
  // An empty path: nothing trusted, nothing saved.
  absl::StatusOr<TrustedState> state = TrustedState::Load(options.state_path, *log_key);
  if (!state.ok()) return UsageError(state.status());
  absl::StatusOr<std::optional<WitnessPolicy>> policy = LoadPolicy(options.witness_policy_path);
  if (!policy.ok()) return UsageError(policy.status());
  if (policy->has_value() && options.source != SourceKind::kServer) {
    return UsageError(absl::InvalidArgumentError(
        "--witness-policy checks the server's witnessed checkpoint: use it with --server (a "
        "bundle's or a store's checkpoint is signed by the log only)"));
  }
  VerifyOutcome outcome;
  outcome.witness_policy = policy->has_value();
  outcome.trusted = state->current();
  TrustCheck trust(state->current());
  Progress progress(options.progress);
  absl::Status status;
  if (options.source == SourceKind::kBundle) {
    status = VerifyBundleFile(options, trust, outcome, progress);
  } else if (options.source == SourceKind::kTiles) {
    LogAuditor auditor(*log_key, options.audit);
    status = VerifyTiles(options, auditor, trust, outcome, progress);
    if (status.ok()) {
      outcome.report = auditor.Finish();
      outcome.consistent = trust.consistent();
      MaybeSaveState(*state, outcome);
      // The resume point of a clean run at the (now) trusted checkpoint.
      if (!options.state_path.empty() && outcome.report.ok() && outcome.checkpoint.has_value() &&
          state->size() == auditor.size() && outcome.checkpoint->size == auditor.size()) {
        if (absl::Status saved = SaveResume(options.state_path, auditor.ResumePoint()); !saved.ok()) {
          std::fprintf(stderr, "memoria-audit: cannot save the resume point: %s\n",
                       std::string(saved.message()).c_str());
        }
      }
      progress.Done();
      PrintOutcome(outcome, options.json);
      return outcome.report.ok() ? kExitOk : kExitIntegrity;
    }
  } else {
    LogAuditor auditor(*log_key, options.audit);
    status = options.source == SourceKind::kServer
                 ? VerifyServer(options, policy->has_value() ? &**policy : nullptr, auditor, trust,
                                outcome, progress)
                 : VerifyData(options, auditor, trust, outcome, progress);
    if (status.ok()) outcome.report = auditor.Finish();
  }
  progress.Done();
  if (!status.ok()) return UsageError(status);
  outcome.consistent = trust.consistent();
  MaybeSaveState(*state, outcome);
  PrintOutcome(outcome, options.json);
  if (!outcome.report.ok()) return kExitIntegrity;
  return kExitOk;
}

// ---- monitor -------------------------------------------------------------------------

// ---- monitor --tiles -------------------------------------------------------------------

namespace {

// Follows a tiled log: polls its checkpoint every interval; each new one must
// open under the log key and be consistent with the trusted one (a proof from
// the tiles); the records it adds are read from the tiles and audited; once
// their root is the checkpoint's, the trusted state (and the resume point
// beside it) advance. A network or missing-resource error is reported and
// retried at the next poll; an integrity failure is an alert (exit 1).
int MonitorTiles(const MonitorOptions& options, const Verifier& log_key, TrustedState& state) {
  absl::StatusOr<std::unique_ptr<TileSource>> source = OpenTiles(options.tiles);
  if (!source.ok()) return UsageError(source.status());
  TiledLog tiled(**source, log_key, options.tiles.parallel);
  CheckpointTracker tracker(log_key, state.current(),
                            [&](const TrustedCheckpoint& next) { return state.Advance(next); });
  LogAuditor auditor(log_key, options.audit);
  bool alerted = false;
  auto alert = [&](const std::string& what) {
    std::fprintf(stderr, "memoria-audit monitor: ALERT: %s\n", what.c_str());
    alerted = true;
  };
  std::string why;
  if (std::optional<AuditorResume> resume = LoadResume(options.state_path, tracker.trusted(), &why)) {
    if (absl::Status resumed = auditor.Resume(*resume); !resumed.ok()) why = std::string(resumed.message());
  }
  if (!why.empty() && tracker.trusted().has_value()) {
    std::fprintf(stderr, "memoria-audit monitor: replaying from record 0 (%s)\n", why.c_str());
  }
  const std::optional<TrustedCheckpoint> trusted_at_start = tracker.trusted();
  const Clock::time_point start = Clock::now();
  auto deadline_passed = [&]() {
    return options.max_seconds > 0 &&
           Clock::now() - start >= std::chrono::duration<double>(options.max_seconds);
  };
  bool first_round = true;
  for (;;) {
    absl::Status io;
    absl::StatusOr<std::string> note = (*source)->Fetch(tiles::kCheckpointPath);
    if (!note.ok()) {
      io = note.status();
    } else {
      absl::StatusOr<TrustedCheckpoint> latest = tracker.Open(*note);
      if (!latest.ok()) {
        alert(absl::StrCat("the tiles' checkpoint does not open under the log key: ",
                           std::string(latest.status().message())));
        break;
      }
      const Checkpoint target = latest->checkpoint;
      absl::Status proof_error;
      auto proofs = [&](uint64_t first, uint64_t second) -> absl::StatusOr<std::vector<Hash>> {
        absl::StatusOr<std::vector<Hash>> proof = tiled.ConsistencyProof(first, second);
        if (!proof.ok() && !absl::IsDataLoss(proof.status())) proof_error = proof.status();
        return proof;
      };
      std::optional<Inconsistency> broken = Inconsistent(tracker, *latest, proofs);
      if (!proof_error.ok()) {
        io = proof_error;
      } else if (broken.has_value()) {
        alert(broken->reason);
        break;
      } else if (target.size < auditor.size()) {
        alert(absl::StrCat("rollback: the tiles' checkpoint signs ", target.size,
                           " records, fewer than the ", auditor.size(), " already verified"));
        break;
      } else {
        const uint64_t trusted_size = trusted_at_start.has_value() ? trusted_at_start->checkpoint.size : 0;
        io = FeedFromTiles(tiled, target, auditor, [&]() {
          if (auditor.size() == trusted_size && trusted_at_start.has_value() &&
              auditor.Root() != trusted_at_start->checkpoint.root) {
            alert(absl::StrCat("fork: the root of the first ", trusted_size,
                               " records differs from the trusted checkpoint's (history rewritten)"));
          }
        });
        if (io.ok()) {
          (void)auditor.CheckCheckpoint(*note);
          if (auditor.FindingCount() > 0 || alerted) {
            AuditReport report = auditor.Finish();
            for (const AuditFinding& finding : report.findings) alert(FindingText(finding));
            if (report.findings_omitted > 0) alert(absl::StrCat(report.findings_omitted, " more problems"));
            break;
          }
          if (target.size > tracker.size() || !tracker.trusted().has_value()) {
            if (absl::Status saved = tracker.Advance(*latest); !saved.ok()) {
              std::fprintf(stderr, "memoria-audit monitor: cannot save state: %s\n",
                           std::string(saved.message()).c_str());
              return kExitUsage;
            }
            if (absl::Status saved = SaveResume(options.state_path, auditor.ResumePoint()); !saved.ok()) {
              std::fprintf(stderr, "memoria-audit monitor: cannot save the resume point: %s\n",
                           std::string(saved.message()).c_str());
            }
            if (!options.json) {
              std::printf("checkpoint %lu verified (%lu records), trusted state advanced\n",
                          static_cast<unsigned long>(target.size),
                          static_cast<unsigned long>(auditor.size()));
              std::fflush(stdout);
            }
          }
          if (options.once) break;
        }
      }
    }
    if (!io.ok()) {
      if (first_round && options.once) return UsageError(io);
      std::fprintf(stderr, "memoria-audit monitor: %s; retrying in %.1fs\n",
                   std::string(io.message()).c_str(), options.interval_seconds);
    }
    first_round = false;
    if (deadline_passed()) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_seconds));
    if (deadline_passed()) break;
  }
  return alerted ? kExitIntegrity : kExitOk;
}

}  // namespace

int RunMonitor(const MonitorOptions& options) {
  absl::StatusOr<Verifier> log_key = PinnedLogKey(options.log_vkey);
  if (!log_key.ok()) return UsageError(log_key.status());
  absl::StatusOr<TrustedState> state = TrustedState::Load(options.state_path, *log_key);
  if (!state.ok()) return UsageError(state.status());
  if (!options.tiles.location.empty()) {
    if (!options.witness_policy_path.empty()) {
      return UsageError(absl::InvalidArgumentError(
          "--witness-policy follows the server's witnessed checkpoints: use it with --server"));
    }
    return MonitorTiles(options, *log_key, *state);
  }
  absl::StatusOr<std::optional<WitnessPolicy>> loaded = LoadPolicy(options.witness_policy_path);
  if (!loaded.ok()) return UsageError(loaded.status());
  const WitnessPolicy* policy = loaded->has_value() ? &**loaded : nullptr;
  absl::StatusOr<std::unique_ptr<client::LedgerClient>> remote = Connect(options.connection);
  if (!remote.ok()) return UsageError(remote.status());
  client::LedgerBundleSource source(**remote);

  const Clock::time_point start = Clock::now();
  auto deadline_passed = [&]() {
    return options.max_seconds > 0 &&
           Clock::now() - start >= std::chrono::duration<double>(options.max_seconds);
  };
  // The trusted checkpoint: judged and advanced by the tracker, persisted in the state file.
  CheckpointTracker tracker(*log_key, state->current(),
                            [&](const TrustedCheckpoint& next) { return state->Advance(next); });
  LogAuditor auditor(*log_key, options.audit);
  bool alerted = false;
  auto alert = [&](const std::string& what) {
    std::fprintf(stderr, "memoria-audit monitor: ALERT: %s\n", what.c_str());
    alerted = true;
  };
  // The checkpoint to verify up to: the latest or, with a policy, the latest
  // witnessed, polled (every 100 ms, for up to kWitnessWait) until it covers
  // `min_size` records; the last one seen if none does by then.
  auto latest_checkpoint = [&](uint64_t min_size) -> absl::StatusOr<std::string> {
    if (policy == nullptr) return source.LatestCheckpoint();
    const Clock::time_point give_up = Clock::now() + kWitnessWait;
    for (;;) {
      absl::StatusOr<v1::CheckpointResponse> witnessed = (*remote)->FetchWitnessedCheckpoint();
      if (!witnessed.ok() && !absl::IsNotFound(witnessed.status())) return witnessed.status();
      const bool covers = witnessed.ok() && witnessed->tree_size() >= min_size;
      if (covers || Clock::now() >= give_up || deadline_passed()) {
        if (!witnessed.ok()) return witnessed.status();
        return witnessed->note();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  // Checks a new checkpoint against the trusted one (rollback, fork by proof)
  // and, with a policy, its quorum.
  auto check_new_checkpoint = [&](const std::string& note) -> std::optional<Checkpoint> {
    absl::StatusOr<TrustedCheckpoint> checkpoint = tracker.Open(note);
    if (!checkpoint.ok()) {
      alert(absl::StrCat("checkpoint does not open under the log key: ",
                         std::string(checkpoint.status().message())));
      return std::nullopt;
    }
    if (policy != nullptr) {
      absl::StatusOr<QuorumEvaluation> quorum = client::CheckWitnessQuorum(note, *policy);
      if (!quorum.ok()) {
        alert(std::string(quorum.status().message()));
        return std::nullopt;
      }
    }
    Checkpoint opened = checkpoint->checkpoint;
    auto proofs = [&](uint64_t first, uint64_t second) {
      return ConsistencyProof(**remote, first, second);
    };
    if (std::optional<Inconsistency> broken =
            Inconsistent(tracker, *std::move(checkpoint), proofs, policy)) {
      alert(broken->reason);
      return std::nullopt;
    }
    return opened;
  };
  auto report_findings = [&]() {
    AuditReport report = auditor.Finish();
    for (const AuditFinding& finding : report.findings) alert(FindingText(finding));
    if (report.findings_omitted > 0) alert(absl::StrCat(report.findings_omitted, " more problems"));
  };

  // The first checkpoint.
  absl::StatusOr<std::string> note = latest_checkpoint(0);
  if (!note.ok()) return UsageError(note.status());
  std::optional<Checkpoint> target = check_new_checkpoint(*note);
  if (!target.has_value()) return kExitIntegrity;
  std::string target_note = *note;

  // Advances the trusted state to `target` once the records reach it.
  auto reach_target = [&]() -> bool {
    if (auditor.Root() != target->root) {
      alert(absl::StrCat("size ", target->size, ": the root recomputed from the records differs from the checkpoint's"));
      return false;
    }
    if (auditor.FindingCount() > 0) return false;
    if (tracker.size() > target->size) return true;
    if (absl::Status saved = tracker.Advance({*target, target_note}); !saved.ok()) {
      std::fprintf(stderr, "memoria-audit monitor: cannot save state: %s\n",
                   std::string(saved.message()).c_str());
      return false;
    }
    if (!options.json) {
      std::printf("checkpoint %lu verified (%lu records)%s, trusted state advanced\n",
                  static_cast<unsigned long>(target->size),
                  static_cast<unsigned long>(auditor.size()),
                  policy != nullptr ? ", cosigned by the witness policy's quorum" : "");
      std::fflush(stdout);
    }
    return true;
  };

  const uint64_t trusted_size_at_start = tracker.size();
  std::optional<Hash> trusted_root_at_start;
  if (tracker.trusted().has_value()) trusted_root_at_start = tracker.trusted()->checkpoint.root;

  if (target->size == 0 && options.once) {
    if (!reach_target()) report_findings();
    return alerted ? kExitIntegrity : kExitOk;
  }
  bool stopped = false;  // by --once or --max-seconds
  absl::Status status;
  for (;;) {
    // One Watch stream, from the first record not yet verified.
    absl::Time deadline = absl::InfiniteFuture();
    if (options.max_seconds > 0) {
      const double left = options.max_seconds -
                          std::chrono::duration<double>(Clock::now() - start).count();
      deadline = absl::Now() + absl::Seconds(std::max(0.0, left));
    }
    absl::Status interrupted;  // why the stream was left early, if not an alert
    // Moves the target to a newer checkpoint covering `min_size` records;
    // false (after an alert, or setting `interrupted`) if there is none.
    auto advance_target = [&](uint64_t min_size) -> bool {
      absl::StatusOr<std::string> newer = latest_checkpoint(min_size);
      if (!newer.ok()) {
        interrupted = newer.status();
        return false;
      }
      std::optional<Checkpoint> checked = check_new_checkpoint(*newer);
      if (!checked.has_value()) return false;
      if (checked->size < min_size) {
        if (policy != nullptr) {
          // The witnesses are behind (or down): not an integrity failure.
          interrupted = absl::UnavailableError(
              absl::StrCat("no witnessed checkpoint covers record ", min_size - 1,
                           " yet (the latest witnessed has ", checked->size, " records)"));
        } else {
          alert(absl::StrCat("the server streamed record ", min_size - 1,
                             " beyond its latest checkpoint ", checked->size));
        }
        return false;
      }
      target = checked;
      target_note = *newer;
      return true;
    };
    status = (*remote)->WatchLeaves(auditor.size(), deadline, [&](uint64_t index, std::string leaf) {
      // With a policy, a record is taken only once a witnessed checkpoint
      // covers it: the records are checked against that checkpoint's root.
      if (policy != nullptr && index >= target->size && !advance_target(index + 1)) return false;
      auditor.Add(index, std::move(leaf));
      if (auditor.size() == trusted_size_at_start && trusted_root_at_start.has_value() &&
          auditor.Root() != *trusted_root_at_start) {
        alert(absl::StrCat("fork: the root of the first ", auditor.size(),
                           " records differs from the trusted checkpoint's (history rewritten)"));
        return false;
      }
      // Records beyond the checkpoint we hold: fetch the newer one.
      if (auditor.size() > target->size && !advance_target(auditor.size())) return false;
      if (auditor.size() == target->size) {
        if (!reach_target()) {
          if (!alerted) report_findings();
          interrupted = absl::AbortedError("the trusted state could not advance");
          return false;
        }
        if (options.once) stopped = true;
      }
      if (deadline_passed()) stopped = true;
      return !alerted && !stopped;
    });
    if (!interrupted.ok()) status = interrupted;
    if (alerted || stopped || deadline_passed() || absl::IsDeadlineExceeded(status)) {
      stopped = !alerted;
      break;
    }
    if (options.once) break;  // the stream failed before catching up
    // The stream ended (server restarted or gone): reconnect after the
    // interval, and check whatever checkpoint it serves then.
    std::fprintf(stderr, "memoria-audit monitor: stream ended (%s); retrying in %.1fs\n",
                 std::string(status.message()).c_str(), options.interval_seconds);
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_seconds));
    if (deadline_passed()) {
      stopped = true;
      break;
    }
    absl::StatusOr<std::string> latest = latest_checkpoint(0);
    if (!latest.ok()) continue;
    std::optional<Checkpoint> checked = check_new_checkpoint(*latest);
    if (!checked.has_value()) break;
    if (checked->size < auditor.size()) {
      alert(absl::StrCat("rollback: the server now signs ", checked->size, " records, fewer than the ",
                         auditor.size(), " already verified"));
      break;
    }
    if (checked->size >= target->size) {
      target = checked;
      target_note = *latest;
    }
  }
  if (!alerted) {
    // Problems found by the pool after the last checkpoint reached.
    AuditReport report = auditor.Finish();
    for (const AuditFinding& finding : report.findings) alert(FindingText(finding));
  }
  if (alerted) return kExitIntegrity;
  if (stopped) return kExitOk;
  std::fprintf(stderr, "memoria-audit monitor: %s\n", std::string(status.message()).c_str());
  return kExitUsage;
}

// ---- receipt ----------------------------------------------------------------------

namespace {

// The event of an entry for people: "post_published", "generic post.deleted".
std::string EventText(const std::string& entry_bytes) {
  v1::Entry entry;
  if (!entry.ParseFromString(entry_bytes)) return "(not a memoria.v1.Entry)";
  const std::string_view generic = query::GenericTypeName(entry);
  return absl::StrCat(std::string(query::EventTypeName(entry)),
                      generic.empty() ? "" : absl::StrCat(" ", std::string(generic)));
}

}  // namespace

int RunReceipt(const ReceiptOptions& options) {
  absl::StatusOr<Verifier> log_key = PinnedLogKey(options.log_vkey);
  if (!log_key.ok()) return UsageError(log_key.status());
  std::optional<Verifier> writer;
  if (!options.writer_vkey.empty()) {
    absl::StatusOr<Verifier> parsed = Verifier::Parse(options.writer_vkey);
    if (!parsed.ok()) {
      return UsageError(absl::InvalidArgumentError(
          absl::StrCat("--writer: ", std::string(parsed.status().message()))));
    }
    writer = *std::move(parsed);
  }
  absl::StatusOr<std::optional<WitnessPolicy>> policy = LoadPolicy(options.witness_policy_path);
  if (!policy.ok()) return UsageError(policy.status());
  absl::StatusOr<std::string> text = client::ReadFile(options.path);
  if (!text.ok()) return UsageError(text.status());
  absl::StatusOr<Receipt> receipt = ParseSavedReceipt(*text, *log_key);
  if (!receipt.ok()) {
    return UsageError(absl::InvalidArgumentError(
        absl::StrCat(options.path, ": ", std::string(receipt.status().message()))));
  }
  absl::StatusOr<v1::Record> record = ReceiptRecord(*receipt);
  absl::StatusOr<Checkpoint> checkpoint =
      record.ok() ? VerifyReceipt(*receipt, *log_key) : absl::StatusOr<Checkpoint>(record.status());
  absl::Status verdict = checkpoint.status();
  std::vector<std::string> witnesses;  // with a policy: those that cosigned
  if (verdict.ok() && policy->has_value()) {
    absl::StatusOr<QuorumEvaluation> quorum =
        client::CheckWitnessQuorum(receipt->checkpoint, **policy);
    if (quorum.ok()) {
      witnesses = quorum->witnessed;
    } else {
      verdict = quorum.status();
    }
  }
  if (verdict.ok()) verdict = CheckExpectedEntry(receipt->index, *record, writer, options.request_id);
  if (options.json) {
    std::string out = absl::StrCat("{\"ok\":", verdict.ok() ? "true" : "false",
                                   ",\"index\":", receipt->index, ",\"tree_size\":",
                                   receipt->tree_size);
    if (policy->has_value() && verdict.ok()) {
      absl::StrAppend(&out, ",\"witnesses\":[");
      for (size_t i = 0; i < witnesses.size(); ++i) {
        absl::StrAppend(&out, i > 0 ? "," : "", JsonQuote(witnesses[i]));
      }
      out.push_back(']');
    }
    if (record.ok()) {
      v1::Entry entry;
      const bool parsed = entry.ParseFromString(record->entry());
      absl::StrAppend(&out, ",\"writer_key_id\":",
                      JsonQuote(HexEncode(EncodeBigEndian32(record->writer_key_id()))),
                      ",\"writer\":", JsonQuote(parsed ? entry.writer() : ""),
                      ",\"request_id\":", JsonQuote(parsed ? entry.request_id() : ""),
                      ",\"event\":", JsonQuote(EventText(record->entry())));
    }
    if (!verdict.ok()) absl::StrAppend(&out, ",\"error\":", JsonQuote(std::string(verdict.message())));
    std::printf("%s}\n", out.c_str());
  } else if (verdict.ok()) {
    const std::string cosigned =
        !policy->has_value() ? std::string()
        : witnesses.empty()  ? std::string(", no cosignature needed (quorum none)")
                             : absl::StrCat(", cosigned by ", absl::StrJoin(witnesses, ", "));
    std::printf("receipt valid: record %lu is in the log %s of %lu records (checkpoint signed by "
                "the log key%s)\nit holds %s, event %s\n",
                static_cast<unsigned long>(receipt->index), checkpoint->origin.c_str(),
                static_cast<unsigned long>(checkpoint->size), cosigned.c_str(),
                EntryLabel(record->writer_key_id(), record->entry()).c_str(),
                EventText(record->entry()).c_str());
    if (!writer.has_value() && options.request_id.empty()) {
      std::fprintf(stderr,
                   "memoria-audit receipt: not checked against an expected entry; give --writer "
                   "and --request-id to check that it is the one you expect\n");
    }
  } else {
    std::printf("receipt INVALID: %s\n", std::string(verdict.message()).c_str());
  }
  return verdict.ok() ? kExitOk : kExitIntegrity;
}

}  // namespace memoria::audit
