#include "server/witnessing.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/checkpoint.h"
#include "ledger/durable_file.h"
#include "ledger/verify/witness_quorum.h"
#include "server/round_throttle.h"
#include "spdlog/spdlog.h"

namespace memoria::server {
namespace {

// How often the scheduler looks at the log's head.
constexpr absl::Duration kPollPeriod = absl::Milliseconds(10);
// Checkpoints collected without a quorum yet, at most (older ones are dropped).
constexpr size_t kMaxCollected = 16;
// After the first failure of a witness, one in this many is logged.
constexpr uint64_t kLogEveryNthFailure = 60;

bool PolicyListsLog(const WitnessPolicy& policy, const Verifier& log_key) {
  if (policy.logs.empty()) return true;
  return std::any_of(policy.logs.begin(), policy.logs.end(), [&](const PolicyLog& listed) {
    return listed.key.ToString() == log_key.ToString();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Witnessing>> Witnessing::Create(const Log& log,
                                                               WitnessingOptions options) {
  if (options.interval <= absl::ZeroDuration() || options.idle <= absl::ZeroDuration() ||
      options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "the witnessing interval, idle time and timeout must be positive");
  }
  if (!PolicyListsLog(options.policy, log.verifier())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the witness policy lists logs, but not this log's key ", log.verifier().ToString()));
  }
  if (options.policy.witnesses.empty()) {
    return absl::InvalidArgumentError("the witness policy names no witness");
  }
  std::unique_ptr<Witnessing> witnessing(new Witnessing(log, options));
  for (const PolicyWitness& witness : options.policy.witnesses) {
    absl::StatusOr<std::unique_ptr<WitnessClient>> client =
        WitnessClient::Create(witness, options.timeout);
    if (!client.ok()) return client.status();
    Witness& added = witnessing->witnesses_.emplace_back();
    added.client = *std::move(client);
    absl::MutexLock lock(&witnessing->mu_);
    witnessing->status_.push_back(WitnessStatus{.name = witness.name});
  }

  absl::StatusOr<std::optional<std::string>> stored = ReadFileIfExists(options.state_file);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return witnessing;
  const std::string& note = **stored;
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(note, log.verifier());
  if (!checkpoint.ok()) {
    return absl::DataLossError(absl::StrCat("the witnessed checkpoint ", options.state_file,
                                            " does not verify under the log key: ",
                                            checkpoint.status().message()));
  }
  if (checkpoint->size > log.Size()) {
    return absl::DataLossError(absl::StrCat(
        "witnesses cosigned a checkpoint of ", checkpoint->size, " records (", options.state_file,
        "), but the log holds only ", log.Size(),
        ": the store lost acknowledged records or an old copy was put back; restore the data "
        "directory from a backup, or copy the log from a mirror"));
  }
  absl::StatusOr<Hash> root = log.RootAt(checkpoint->size);
  if (!root.ok()) return root.status();
  if (*root != checkpoint->root) {
    return absl::DataLossError(absl::StrCat(
        "the log's tree of ", checkpoint->size, " records is not the one witnesses cosigned (",
        options.state_file, "): its history forked from what was published"));
  }
  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(note, options.policy);
  if (!evaluation.ok() || !evaluation->quorum_met) {
    spdlog::warn("the stored witnessed checkpoint of size {} does not meet the witness policy's "
                 "quorum now ({}); it is not served until witnesses cosign again",
                 checkpoint->size,
                 evaluation.ok() ? evaluation->shortfall : std::string(evaluation.status().message()));
    return witnessing;
  }
  absl::MutexLock lock(&witnessing->mu_);
  witnessing->latest_ = CosignedCheckpoint{checkpoint->size, note};
  return witnessing;
}

Witnessing::Witnessing(const Log& log, WitnessingOptions options)
    : log_(log), options_(std::move(options)) {}

Witnessing::~Witnessing() { Stop(); }

absl::StatusOr<std::string> Witnessing::Submit(size_t i, const SignedHead& head) {
  Witness& witness = witnesses_[i];
  const std::string& name = witness.client->witness().name;
  const uint64_t size = head.checkpoint.size;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const uint64_t old_size = witness.known_size.value_or(0);
    if (old_size > size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "witness ", name, " holds a checkpoint of ", old_size,
          " records cosigned for this log, which has only ", size,
          ": the store lost acknowledged records or an old copy was put back"));
    }
    AddCheckpointRequest request{.old_size = old_size, .checkpoint = head.note};
    if (old_size != 0 && old_size != size) {
      absl::StatusOr<std::vector<Hash>> proof = log_.ConsistencyProof(old_size, size);
      if (!proof.ok()) return proof.status();
      request.proof = *std::move(proof);
    }
    absl::StatusOr<WitnessAnswer> answer = witness.client->AddCheckpoint(request);
    if (!answer.ok()) {
      if (absl::IsFailedPrecondition(answer.status())) {
        return absl::FailedPreconditionError(absl::StrCat(
            answer.status().message(), " (it refuses this log's checkpoint of ", size,
            " records as inconsistent with the one of ", old_size,
            " it cosigned: the log's history forked from what the witness saw)"));
      }
      return answer.status();
    }
    if (answer->cosignature) {
      witness.known_size = size;
      return *answer->cosignature;
    }
    witness.known_size = answer->witness_size;
  }
  return absl::UnavailableError(absl::StrCat("witness ", name, " keeps answering 409"));
}

absl::Status Witnessing::CheckWitnesses() {
  const SignedHead head = log_.Head();
  std::vector<absl::StatusOr<std::string>> results(witnesses_.size(),
                                                   absl::UnknownError("not asked"));
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < witnesses_.size(); ++i) {
      threads.emplace_back([this, i, &head, &results] { results[i] = Submit(i, head); });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::vector<std::string> refusals;
  for (size_t i = 0; i < witnesses_.size(); ++i) {
    if (results[i].ok()) {
      Collect(i, head, *results[i]);
    } else if (absl::IsFailedPrecondition(results[i].status())) {
      refusals.emplace_back(results[i].status().message());
    } else {
      RecordFailure(i, results[i].status());
    }
  }
  if (!refusals.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve a log its witnesses contradict: ", absl::StrJoin(refusals, "; "),
        ". Restore the data directory from a backup or copy the log from a mirror"));
  }
  absl::MutexLock lock(&mu_);
  target_ = head;
  return absl::OkStatus();
}

void Witnessing::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  scheduler_ = std::thread([this] { ScheduleLoop(); });
  for (size_t i = 0; i < witnesses_.size(); ++i) {
    witnesses_[i].thread = std::thread([this, i] { WitnessLoop(i); });
  }
}

void Witnessing::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (scheduler_.joinable()) scheduler_.join();
  for (Witness& witness : witnesses_) {
    if (witness.thread.joinable()) witness.thread.join();
  }
}

std::optional<CosignedCheckpoint> Witnessing::LatestCosigned() const {
  absl::MutexLock lock(&mu_);
  return latest_;
}

std::vector<WitnessStatus> Witnessing::Status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

void Witnessing::ScheduleLoop() {
  RoundThrottle throttle(options_.interval, options_.idle);
  absl::MutexLock lock(&mu_);
  // CheckWitnesses handed out the head of start-up.
  if (target_) throttle.Done(target_->note);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kPollPeriod);
    if (stopping_) break;
    mu_.Unlock();
    SignedHead head = log_.Head();
    mu_.Lock();
    const absl::Time now = absl::Now();
    if (!throttle.Due(head.note, now)) continue;
    throttle.Started(now);
    throttle.Done(head.note);
    target_ = std::move(head);
  }
}

void Witnessing::WitnessLoop(size_t i) {
  uint64_t done_size = 0;  // the largest checkpoint this thread got cosigned (or gave up on)
  bool had_error = false;
  for (;;) {
    SignedHead head;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&] {
        return stopping_ || (target_.has_value() && target_->checkpoint.size > done_size);
      };
      if (had_error) {
        // Try again after the interval, with the target of that time.
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
        done_size = 0;
      }
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      head = *target_;
      // Already cosigned (at start-up, by CheckWitnesses).
      if (head.checkpoint.size <= status_[i].cosigned_size) {
        done_size = head.checkpoint.size;
        had_error = false;
        continue;
      }
    }
    absl::StatusOr<std::string> line = Submit(i, head);
    if (line.ok()) {
      Collect(i, head, *line);
      done_size = head.checkpoint.size;
      had_error = false;
    } else {
      RecordFailure(i, line.status());
      had_error = true;
    }
  }
}

void Witnessing::RecordFailure(size_t i, const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  WitnessStatus& witness = status_[i];
  ++witness.failures;
  const std::string error(status.message());
  if (witness.last_error != error || witness.failures % kLogEveryNthFailure == 1) {
    if (absl::IsFailedPrecondition(status)) {
      spdlog::error("witnessing: {} (failure {})", error, witness.failures);
    } else {
      spdlog::warn("witnessing: {} (failure {})", error, witness.failures);
    }
  }
  witness.last_error = error;
}

void Witnessing::Collect(size_t i, const SignedHead& head, const std::string& line) {
  const uint64_t size = head.checkpoint.size;
  absl::MutexLock collect_lock(&collect_mu_);
  {
    absl::MutexLock lock(&mu_);
    WitnessStatus& witness = status_[i];
    witness.cosigned_size = std::max(witness.cosigned_size, size);
    witness.last_success = absl::Now();
    if (!witness.last_error.empty()) {
      spdlog::info("witnessing: witness {} cosigns again (checkpoint {})", witness.name, size);
      witness.last_error.clear();
    }
    if (latest_ && latest_->size > size) return;
  }
  Collected& collected = collected_[size];
  collected.note = head.note;
  collected.lines[i] = line;
  std::string cosigned = collected.note;
  for (const auto& [index, witness_line] : collected.lines) cosigned += witness_line;

  absl::StatusOr<QuorumEvaluation> evaluation = EvaluateQuorum(cosigned, options_.policy);
  if (!evaluation.ok()) {
    spdlog::error("witnessing: the cosigned checkpoint of size {} does not evaluate: {}", size,
                  std::string(evaluation.status().message()));
  } else if (evaluation->quorum_met) {
    if (absl::Status written = WriteFileDurably(options_.state_file, cosigned); !written.ok()) {
      spdlog::error("witnessing: cannot store the cosigned checkpoint of size {}: {}", size,
                    std::string(written.message()));
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      latest_ = CosignedCheckpoint{size, std::move(cosigned)};
    }
    // Keep this size: later lines for it are added to it.
    collected_.erase(collected_.begin(), collected_.find(size));
  }
  while (collected_.size() > kMaxCollected) collected_.erase(collected_.begin());
}

}  // namespace memoria::server
