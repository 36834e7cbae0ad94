#include "ledger/sequencer/sequencer.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/log_escape.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/trust_chain.h"
#include "spdlog/spdlog.h"

namespace memoria {

// ---- Submission -----------------------------------------------------------------

Submission::Submission(std::vector<ValidatedEntry> entries, OnAnswered on_answered)
    : entries_(std::move(entries)),
      enqueued_(absl::Now()),
      on_answered_(std::move(on_answered)),
      result_(absl::UnknownError("not answered")) {
  for (const ValidatedEntry& e : entries_) bytes_ += e.pending.entry.size();
}

bool Submission::WaitFor(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ == State::kDone || state_ == State::kWithdrawn;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&answered), timeout);
}

bool Submission::Withdraw() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kQueued) return state_ == State::kWithdrawn;
  state_ = State::kWithdrawn;
  result_ = absl::CancelledError("the call was cancelled before its entries were sequenced");
  return true;
}

const absl::StatusOr<BatchOutcome>& Submission::result() const {
  absl::MutexLock lock(&mu_);
  assert(state_ == State::kDone || state_ == State::kWithdrawn);
  return result_;  // immutable once answered
}

bool Submission::Take() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kQueued) return false;
  state_ = State::kTaken;
  return true;
}

void Submission::Finish(absl::StatusOr<BatchOutcome> result) {
  {
    absl::MutexLock lock(&mu_);
    assert(state_ == State::kTaken);
    result_ = std::move(result);
    state_ = State::kDone;
  }
  if (on_answered_) on_answered_(result_);  // immutable once answered
}

// ---- Sequencer ------------------------------------------------------------------

Sequencer::Sequencer(Log& log, WriterRegistry& registry, const BatchLimits& limits,
                     BatchObserver* observer, OnBatchWritten on_written)
    : log_(log),
      registry_(registry),
      limits_(limits),
      on_written_(std::move(on_written)),
      observer_(observer) {
  {
    absl::MutexLock lock(&growth_mu_);
    published_size_ = log_.Size();
  }
  thread_ = std::thread([this] { Run(); });
  completion_thread_ = std::thread([this] { Complete(); });
}

Sequencer::~Sequencer() { Stop(); }

absl::StatusOr<std::shared_ptr<Submission>> Sequencer::Submit(
    std::vector<ValidatedEntry> entries, Submission::OnAnswered on_answered) {
  assert(!entries.empty());
  auto submission = std::make_shared<Submission>(std::move(entries), std::move(on_answered));
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  queued_entries_ += submission->entries_.size();
  queued_bytes_ += submission->bytes_;
  queue_.push_back(submission);
  return submission;
}

void Sequencer::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock lock(&flight_mu_);
    planning_done_ = true;
  }
  if (completion_thread_.joinable()) completion_thread_.join();
  absl::MutexLock lock(&growth_mu_);
  finished_ = true;
}

bool Sequencer::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool Sequencer::WaitForGrowth(uint64_t size, absl::Duration timeout) const {
  absl::MutexLock lock(&growth_mu_);
  auto ready = [this, size]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(growth_mu_) {
    return published_size_ > size || finished_;
  };
  growth_mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  return published_size_ > size;
}

SequencerStats Sequencer::stats() const {
  SequencerStats stats;
  {
    absl::MutexLock lock(&stats_mu_);
    stats = stats_;
  }
  absl::MutexLock lock(&mu_);
  stats.queued = queued_entries_;
  return stats;
}

void Sequencer::Run() {
  while (true) {
    std::vector<std::shared_ptr<Submission>> batch = NextBatch();
    if (batch.empty()) {
      absl::MutexLock lock(&mu_);
      if (stopping_ && queue_.empty()) return;
      continue;  // everything taken was withdrawn
    }
    Process(batch);
  }
}

std::vector<std::shared_ptr<Submission>> Sequencer::NextBatch() {
  std::vector<std::shared_ptr<Submission>> batch;
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  };
  mu_.Await(absl::Condition(&has_work));
  if (queue_.empty()) return batch;

  const absl::Time deadline = queue_.front()->enqueued_ + limits_.max_wait;
  // Concurrent callers: the previous batch answered more than one call, or
  // more than one is queued. Their batches gather until as many calls as the
  // last batch took are in, max_wait, or full, even when the log is idle;
  // a lone caller is written at once.
  const bool concurrent = last_batch_calls_ > 1 || queue_.size() > 1;
  size_t count = 0;
  size_t bytes = 0;
  bool waited_enough = false;
  while (true) {
    while (!queue_.empty()) {
      const std::shared_ptr<Submission>& next = queue_.front();
      const size_t n = next->entries_.size();
      if (!batch.empty() &&
          (count + n > limits_.max_entries || bytes + next->bytes_ > limits_.max_bytes)) {
        last_batch_calls_ = batch.size();
        return batch;  // full: the next submission opens the next batch
      }
      if (next->Take()) {
        count += n;
        bytes += next->bytes_;
        batch.push_back(next);
      }
      queued_entries_ -= n;
      queued_bytes_ -= next->bytes_;
      queue_.pop_front();
    }
    if (count >= limits_.max_entries || bytes >= limits_.max_bytes || stopping_) break;
    // Group commit: gather more while a write is in progress, or while
    // callers are concurrent; an idle log with a lone caller writes at once,
    // so that caller never waits for max_wait.
    if (!concurrent && writes_in_progress_.load() == 0) break;
    // As many callers as the last batch took are here: the ones that were
    // waiting for it came back; waiting for more would only add latency.
    if (concurrent && batch.size() >= last_batch_calls_) break;
    if (waited_enough) break;
    // Sleep until the batch would be full, the deadline, stopping, or (lone
    // caller) the log going idle; not once per arriving call: the calls
    // queued meanwhile are taken on waking.
    auto ready = [this, concurrent, &count, &bytes, &batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || count + queued_entries_ >= limits_.max_entries ||
             bytes + queued_bytes_ >= limits_.max_bytes ||
             (!concurrent && writes_in_progress_.load() == 0) ||
             (concurrent && batch.size() + queue_.size() >= last_batch_calls_);
    };
    waited_enough = !mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  }
  last_batch_calls_ = batch.size();
  return batch;
}

namespace {

// Where one entry of a submission ends up.
struct Slot {
  enum class Kind { kNew, kDuplicateInBatch, kDuplicateInLog } kind = Kind::kNew;
  size_t position = 0;  // kNew, kDuplicateInBatch: position in the batch's entries
  uint64_t index = 0;   // kDuplicateInLog
};

// The batch being assembled, and one submission's tentative additions to it.
struct BatchPlan {
  uint64_t base = 0;  // log size before the batch
  std::vector<PendingEntry> entries;
  // The parsed form of each of `entries` (owned by its submission's
  // ValidatedEntry), for the observer.
  std::vector<const v1::Entry*> parsed;
  std::vector<StatePut> state_puts;
  std::unordered_map<std::string, size_t> dedup;  // dedup key -> position
  std::map<std::string, v1::WriterInfo> writers;  // state key -> new state
};

std::string WriterLabel(const Verifier& key) {
  return absl::StrFormat("writer %s key %08x", key.name(), key.key_id());
}

std::string WriterLabel(uint32_t key_id, std::string_view name) {
  return absl::StrFormat("writer %s key %08x", name, key_id);
}

}  // namespace

struct Sequencer::PlannedBatch {
  std::vector<std::shared_ptr<Submission>> submissions;
  std::vector<std::vector<Slot>> slots;  // per submission
  std::vector<absl::Status> failures;    // per submission
  std::map<std::string, v1::WriterInfo> writers;  // state key -> new state
  size_t new_entries = 0;
  // When the batch's write started.
  absl::Time write_started;
  // The batch's write; absent when the batch appends nothing.
  std::optional<std::future<absl::StatusOr<AppendResult>>> append;
};

void Sequencer::Process(std::vector<std::shared_ptr<Submission>>& batch) {
  if (log_.WriteFailed()) {
    // Appends are suspended (a full disk, an I/O error). Once the failed
    // batches are answered (their derived state abandoned), the log tries
    // to write again from what is durable; while it cannot, the batch fails
    // with its error (RESOURCE_EXHAUSTED for a full disk).
    {
      absl::MutexLock lock(&flight_mu_);
      auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mu_) { return planned_batches_.empty(); };
      flight_mu_.Await(absl::Condition(&answered));
    }
    if (absl::Status recovered = log_.Recover(); !recovered.ok()) {
      auto planned = std::make_unique<PlannedBatch>();
      planned->slots.resize(batch.size());
      planned->failures.assign(batch.size(), recovered);
      planned->submissions = std::move(batch);
      absl::MutexLock lock(&flight_mu_);
      planned_batches_.push_back(std::move(planned));
      return;
    }
    spdlog::info("appends resumed after a failed write, at tree size {}", log_.Size());
  }
  BatchPlan plan;
  plan.base = log_.NextIndex();
  std::vector<std::vector<Slot>> slots(batch.size());
  std::vector<absl::Status> failures(batch.size());

  // Writer state as of the batches before this one (in flight, then the
  // durable registry), looked up once per writer and batch: only this thread
  // plans, so it cannot change while the batch is planned.
  std::unordered_map<std::string, std::optional<v1::WriterInfo>> earlier_writers;
  // The writer state as of the plan so far (`group` first, then the batch,
  // then the batches before it).
  auto writer_state = [&](const std::map<std::string, v1::WriterInfo>& group, uint32_t key_id,
                          const std::string& name) -> std::optional<v1::WriterInfo> {
    const std::string key = WriterStateKey(key_id, name);
    if (auto it = group.find(key); it != group.end()) return it->second;
    if (auto it = plan.writers.find(key); it != plan.writers.end()) return it->second;
    auto [it, added] = earlier_writers.try_emplace(key);
    if (added) {
      {
        absl::MutexLock lock(&flight_mu_);
        if (auto jt = writers_in_flight_.find(key); jt != writers_in_flight_.end()) {
          it->second = jt->second;
        }
      }
      if (!it->second.has_value()) it->second = registry_.Find(key_id, name);
    }
    return it->second;
  };
  for (size_t s = 0; s < batch.size(); ++s) {
    std::vector<ValidatedEntry>& entries = batch[s]->entries_;
    std::vector<PendingEntry> group_entries;
    std::vector<const v1::Entry*> group_parsed;
    std::unordered_map<std::string, size_t> group_dedup;
    std::map<std::string, v1::WriterInfo> group_writers;
    std::vector<Slot>& group_slots = slots[s];
    absl::Status status;

    for (size_t i = 0; i < entries.size() && status.ok(); ++i) {
      ValidatedEntry& e = entries[i];
      const std::string& key = e.pending.dedup_key;
      auto fail = [&](absl::Status error) {
        status = entries.size() == 1
                     ? std::move(error)
                     : absl::Status(error.code(), absl::StrCat("entry ", i, ": ", error.message()));
      };
      auto reused = [&](uint64_t where) {
        return absl::AlreadyExistsError(absl::StrCat(
            "request_id \"", absl::CHexEscape(e.request_id), "\" of ",
            WriterLabel(e.pending.writer_key_id, e.writer), " was already used for a different entry",
            where == UINT64_MAX ? std::string(" in this batch") : absl::StrCat(" at index ", where)));
      };

      // Idempotency: earlier in this submission, earlier in the batch, or in
      // the log (durable or in a batch in flight: the Log owns dedup keys).
      const PendingEntry* earlier = nullptr;
      size_t earlier_position = 0;
      if (auto it = group_dedup.find(key); it != group_dedup.end()) {
        earlier = &group_entries[it->second - plan.entries.size()];
        earlier_position = it->second;
      } else if (auto jt = plan.dedup.find(key); jt != plan.dedup.end()) {
        earlier = &plan.entries[jt->second];
        earlier_position = jt->second;
      }
      if (earlier != nullptr) {
        if (earlier->entry != e.pending.entry) {
          fail(reused(UINT64_MAX));
          break;
        }
        group_slots.push_back({Slot::Kind::kDuplicateInBatch, earlier_position, 0});
        continue;
      }
      absl::StatusOr<DedupMatch> found = log_.FindDedup(key);
      if (found.ok()) {
        absl::StatusOr<v1::Record> record = DecodeRecord(found->record);
        if (!record.ok()) {
          fail(record.status());
          break;
        }
        if (record->entry() != e.pending.entry) {
          fail(reused(found->index));
          break;
        }
        // Answered once its batch is durable (in flight: batches are answered
        // in order).
        group_slots.push_back({Slot::Kind::kDuplicateInLog, 0, found->index});
        continue;
      }
      if (!absl::IsNotFound(found.status())) {
        fail(found.status());
        break;
      }

      // A new entry: re-check what may have changed since validation, by the
      // trust chain's rules (ledger/verify/trust_chain.h).
      const uint64_t index = plan.base + plan.entries.size() + group_entries.size();
      auto standing = [](const std::optional<v1::WriterInfo>& writer) {
        return writer.has_value() ? std::optional(StandingOf(*writer)) : std::nullopt;
      };
      switch (e.kind) {
        case EntryKind::kGeneric: {
          std::optional<v1::WriterInfo> writer =
              writer_state(group_writers, e.pending.writer_key_id, e.writer);
          const TrustVerdict verdict = MayWriterSign(standing(writer));
          if (verdict != TrustVerdict::kAllowed) {
            fail(absl::PermissionDeniedError(absl::StrCat(
                WriterLabel(e.pending.writer_key_id, e.writer),
                verdict == TrustVerdict::kRevoked
                    ? absl::StrCat(" was revoked at index ", writer->revoked_at())
                    : std::string(" is not registered in this ledger"))));
          }
          break;
        }
        case EntryKind::kRegisterWriter: {
          const Verifier& subject = *e.subject;
          std::optional<v1::WriterInfo> writer =
              writer_state(group_writers, subject.key_id(), subject.name());
          const TrustVerdict verdict = MayRegister(standing(writer));
          if (verdict != TrustVerdict::kAllowed) {
            fail(absl::FailedPreconditionError(
                verdict == TrustVerdict::kRevokedForever
                    ? absl::StrCat(WriterLabel(subject), " was revoked at index ",
                                   writer->revoked_at(),
                                   "; a revoked key is never registered again")
                    : absl::StrCat(WriterLabel(subject), " is already registered (index ",
                                   writer->registered_at(), ")")));
            break;
          }
          v1::WriterInfo info;
          info.set_vkey(subject.ToString());
          info.set_registered_at(index);
          info.set_description(e.description);
          group_writers[WriterStateKey(subject.key_id(), subject.name())] = std::move(info);
          break;
        }
        case EntryKind::kRevokeWriter: {
          const Verifier& subject = *e.subject;
          std::optional<v1::WriterInfo> writer =
              writer_state(group_writers, subject.key_id(), subject.name());
          const TrustVerdict verdict = MayRevoke(standing(writer));
          if (verdict != TrustVerdict::kAllowed) {
            fail(absl::FailedPreconditionError(
                verdict == TrustVerdict::kAlreadyRevoked
                    ? absl::StrCat(WriterLabel(subject), " was already revoked at index ",
                                   writer->revoked_at())
                    : absl::StrCat(WriterLabel(subject), " is not registered")));
            break;
          }
          writer->set_revoked(true);
          writer->set_revoked_at(index);
          group_writers[WriterStateKey(subject.key_id(), subject.name())] = *std::move(writer);
          break;
        }
      }
      if (!status.ok()) break;
      group_dedup.emplace(key, index - plan.base);
      group_slots.push_back({Slot::Kind::kNew, static_cast<size_t>(index - plan.base), 0});
      group_entries.push_back(std::move(e.pending));
      group_parsed.push_back(&e.parsed);
    }

    if (!status.ok()) {
      failures[s] = std::move(status);
      continue;
    }
    for (auto& [key, position] : group_dedup) plan.dedup.emplace(key, position);
    for (PendingEntry& p : group_entries) plan.entries.push_back(std::move(p));
    plan.parsed.insert(plan.parsed.end(), group_parsed.begin(), group_parsed.end());
    for (auto& [key, info] : group_writers) plan.writers.insert_or_assign(key, std::move(info));
  }

  // Start the batch's synced write; the completion thread answers once it
  // is durable.
  auto planned = std::make_unique<PlannedBatch>();
  planned->submissions = std::move(batch);
  planned->slots = std::move(slots);
  planned->failures = std::move(failures);
  planned->new_entries = plan.entries.size();
  if (!plan.entries.empty()) {
    for (const auto& [key, info] : plan.writers) {
      plan.state_puts.push_back({key, info.SerializeAsString()});
    }
    const int64_t time = log_.NextIntegrationTime();
    planned->write_started = absl::Now();
    absl::Status observed = ObserveBatch(plan.base, time, plan.parsed, plan.state_puts);
    planned->append = observed.ok()
                         ? log_.AppendAsync(plan.entries, plan.state_puts, time)
                         : Failed(std::move(observed));
    // The next batches see this one's writer changes until it is answered
    // (and its entries' dedup keys through the Log).
    absl::MutexLock lock(&flight_mu_);
    for (const auto& [key, info] : plan.writers) writers_in_flight_[key] = info;
    planned->writers = std::move(plan.writers);
  }
  if (planned->append.has_value()) ++writes_in_progress_;
  absl::MutexLock lock(&flight_mu_);
  planned_batches_.push_back(std::move(planned));
}

absl::Status Sequencer::ObserveBatch(uint64_t base, int64_t time,
                                     const std::vector<const v1::Entry*>& entries,
                                     std::vector<StatePut>& puts) {
  if (observer_ == nullptr) return absl::OkStatus();
  absl::Status status;
  {
    absl::MutexLock lock(&observer_mu_);
    for (size_t i = 0; i < entries.size() && status.ok(); ++i) {
      status = observer_->OnRecord(base + i, time, *entries[i], puts);
      if (!status.ok()) {
        status = absl::Status(status.code(), absl::StrCat("deriving views for record ", base + i,
                                                          ": ", status.message()));
      }
    }
    if (status.ok()) status = observer_->OnBatchEnd(puts);
  }
  if (status.ok()) return status;
  // Let the batches in flight complete (OnDurable), then forget this one's
  // partial derivations: OnAbandoned covers everything since the last OnDurable.
  {
    absl::MutexLock lock(&flight_mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mu_) { return planned_batches_.empty(); };
    flight_mu_.Await(absl::Condition(&drained));
  }
  absl::MutexLock lock(&observer_mu_);
  observer_->OnAbandoned();
  return status;
}

std::future<absl::StatusOr<AppendResult>> Sequencer::Failed(absl::Status status) {
  std::promise<absl::StatusOr<AppendResult>> promise;
  promise.set_value(std::move(status));
  return promise.get_future();
}

void Sequencer::Complete() {
  while (true) {
    std::unique_ptr<PlannedBatch> planned;
    {
      absl::MutexLock lock(&flight_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mu_) {
        return !planned_batches_.empty() || planning_done_;
      };
      flight_mu_.Await(absl::Condition(&ready));
      if (planned_batches_.empty()) return;
      planned = std::move(planned_batches_.front());
      planned_batches_.pop_front();
    }
    Answer(*planned);
    if (planned->append.has_value() && --writes_in_progress_ == 0) {
      absl::MutexLock lock(&mu_);  // lets NextBatch re-check that the log is idle
    }
  }
}

void Sequencer::Answer(PlannedBatch& planned) {
  absl::StatusOr<AppendResult> appended = absl::UnknownError("nothing appended");
  BatchOutcome head;
  if (planned.append.has_value()) {
    appended = planned.append->get();
    if (appended.ok() && on_written_ != nullptr) {
      on_written_(planned.new_entries, absl::Now() - planned.write_started);
    }
    if (observer_ != nullptr) {
      absl::MutexLock lock(&observer_mu_);
      if (appended.ok()) {
        observer_->OnDurable(appended->tree_size - 1);
      } else {
        observer_->OnAbandoned();
      }
    }
    if (appended.ok()) {
      assert(appended->records.size() == planned.new_entries);
      head.tree_size = appended->tree_size;
      head.checkpoint = appended->checkpoint;
      head.proof_nodes = appended->proof_nodes;
      for (const auto& [key, info] : planned.writers) registry_.Apply(info);
    } else {
      spdlog::error("append of a batch of {} entries failed: {}", planned.new_entries,
                    EscapeForLog(appended.status().ToString()));
    }
    absl::MutexLock lock(&flight_mu_);
    for (const auto& [key, info] : planned.writers) {
      // A later batch in flight may have changed the same writer again.
      auto it = writers_in_flight_.find(key);
      if (it != writers_in_flight_.end() &&
          it->second.SerializeAsString() == info.SerializeAsString()) {
        writers_in_flight_.erase(it);
      }
    }
  } else {
    SignedHead signed_head = log_.Head();
    head.tree_size = signed_head.checkpoint.size;
    head.checkpoint = std::move(signed_head.note);
  }

  SequencerStats delta;
  for (size_t s = 0; s < planned.submissions.size(); ++s) {
    Submission& submission = *planned.submissions[s];
    if (!planned.failures[s].ok()) {
      ++delta.failed;
      submission.Finish(std::move(planned.failures[s]));
      continue;
    }
    BatchOutcome outcome;
    outcome.tree_size = head.tree_size;
    outcome.checkpoint = head.checkpoint;
    outcome.proof_nodes = head.proof_nodes;
    absl::Status status;
    for (const Slot& slot : planned.slots[s]) {
      EntryOutcome entry;
      if (slot.kind == Slot::Kind::kDuplicateInLog) {
        absl::StatusOr<std::string> leaf = log_.GetRecord(slot.index);
        if (!leaf.ok()) {
          status = leaf.status();
          break;
        }
        entry = {slot.index, LeafHash(*leaf), true, *std::move(leaf)};
        ++delta.duplicates;
      } else {
        if (!appended.ok()) {
          status = appended.status();
          break;
        }
        const Appended& record = appended->records[slot.position];
        entry = {record.index, record.leaf_hash, slot.kind == Slot::Kind::kDuplicateInBatch,
                 record.leaf};
        if (entry.duplicate) ++delta.duplicates;
      }
      outcome.entries.push_back(entry);
    }
    if (!status.ok()) {
      ++delta.failed;
      submission.Finish(std::move(status));
    } else {
      uint64_t last_index = 0;
      for (const EntryOutcome& entry : outcome.entries) last_index = std::max(last_index, entry.index);
      if (outcome.tree_size <= last_index) {
        // A retry of an entry whose batch is durable now, answered with a
        // checkpoint from before it: use the latest.
        SignedHead latest = log_.Head();
        outcome.tree_size = latest.checkpoint.size;
        outcome.checkpoint = std::move(latest.note);
        outcome.proof_nodes = nullptr;
      }
      submission.Finish(std::move(outcome));
    }
  }
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.batches += planned.new_entries == 0 || !appended.ok() ? 0 : 1;
    stats_.appended += appended.ok() ? planned.new_entries : 0;
    stats_.duplicates += delta.duplicates;
    stats_.failed += delta.failed;
  }
  if (appended.ok()) {
    absl::MutexLock lock(&growth_mu_);
    published_size_ = appended->tree_size;
  }
}

}  // namespace memoria
