#include "ledger/log.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <filesystem>
#include <set>
#include <tuple>

#include "ledger/encoding.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria {

Log::Log(const LogOptions& options, Signer log_key, std::unique_ptr<Store> store)
    : clock_(options.clock != nullptr ? *options.clock : SystemClock()),
      log_key_(std::move(log_key)),
      before_write_for_testing_(options.before_write_for_testing),
      before_mark_for_testing_(options.before_mark_for_testing),
      store_(std::move(store)),
      store_path_(options.path),
      node_memory_(options.node_memory_bytes),
      writer_([this] { WriteFlights(); }),
      acknowledger_([this] { AcknowledgeFlights(); }) {}

Log::~Log() {
  stop_loading_ = true;
  if (loader_.joinable()) loader_.join();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();        // after the flights in the queue are written
  acknowledger_.join();  // and answered
}

namespace {

constexpr std::string_view kHowToRecover =
    " Restore the data directory from a backup, or copy the log from a mirror (do not remove "
    "the high-water mark: it is what detected this).";

}  // namespace

absl::StatusOr<std::unique_ptr<Log>> Log::Open(const LogOptions& options, Signer log_key) {
  InitCrypto();
  std::optional<MarkedCheckpoint> mark;
  if (!options.high_water_mark_path.empty()) {
    ASSIGN_OR_RETURN(mark, ReadHighWaterMark(options.high_water_mark_path, log_key.verifier()));
    std::error_code error;
    if (mark.has_value() &&
        !std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", error)) {
      return absl::DataLossError(
          "the high-water mark " + options.high_water_mark_path +
          " records that this log acknowledged and signed " +
          std::to_string(mark->checkpoint.size) + " records, but there is no store at " +
          options.path + " (a new log is not created over a lost one)." +
          std::string(kHowToRecover));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open({.path = options.path,
                                .create_if_missing = options.create_if_missing,
                                .block_cache_bytes = options.block_cache_bytes,
                                .reserved_disk_bytes = options.reserved_disk_bytes,
                                .file_system = options.file_system_for_testing}));
  const std::string vkey = log_key.verifier().ToString();
  absl::StatusOr<std::string> stored_vkey = store->Get(Column::kMeta, kMetaLogKey);
  if (stored_vkey.ok() && *stored_vkey != vkey) {
    return absl::FailedPreconditionError("the log at " + options.path + " was created with key " +
                                         *stored_vkey + ", not " + vkey);
  }
  if (!stored_vkey.ok() && !absl::IsNotFound(stored_vkey.status())) return stored_vkey.status();
  if (stored_vkey.ok()) RETURN_IF_ERROR(store->CheckFormat());

  if (absl::IsNotFound(stored_vkey.status())) {
    // A new log: its key, and the signed checkpoint of the empty tree.
    ASSIGN_OR_RETURN(auto any_record, store->Last(Column::kRecords));
    if (any_record.has_value()) {
      return absl::DataLossError("the store at " + options.path + " holds records but no log key");
    }
    Checkpoint empty;
    empty.origin = log_key.name();
    empty.root = EmptyRoot();
    ASSIGN_OR_RETURN(std::string note, SignCheckpoint(empty, log_key));
    Store::Batch batch = store->NewBatch();
    batch.Put(Column::kMeta, kMetaFormat, kStoreFormat);
    batch.Put(Column::kMeta, kMetaLogKey, vkey);
    batch.Put(Column::kCheckpoints, CheckpointKey(0), note);
    RETURN_IF_ERROR(store->Write(batch));
  }

  std::unique_ptr<Log> log(new Log(options, std::move(log_key), std::move(store)));
  RETURN_IF_ERROR(log->Load());
  RETURN_IF_ERROR(log->OpenHighWaterMark(options.high_water_mark_path, mark));
  log->loader_ = std::thread([raw = log.get(), size = log->Size()] { raw->LoadNodes(size); });
  return log;
}

absl::Status Log::Load() {
  // The latest signed checkpoint must verify under our key...
  ASSIGN_OR_RETURN(auto latest, store_->Last(Column::kCheckpoints));
  if (!latest.has_value()) return absl::DataLossError("the log has no signed checkpoint");
  const uint64_t size = DecodeBigEndian64(latest->first);
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(latest->second, log_key_.verifier());
  if (!checkpoint.ok()) {
    return absl::DataLossError("the latest stored checkpoint (size " + std::to_string(size) +
                               ") does not verify under the log key: " +
                               std::string(checkpoint.status().message()));
  }
  if (checkpoint->size != size) {
    return absl::DataLossError("the checkpoint stored under size " + std::to_string(size) +
                               " is of size " + std::to_string(checkpoint->size));
  }
  // ...cover exactly the stored records...
  ASSIGN_OR_RETURN(auto last_record, store_->Last(Column::kRecords));
  const uint64_t records = last_record ? DecodeBigEndian64(last_record->first) + 1 : 0;
  if (records != size) {
    return absl::DataLossError("the stored records end at size " + std::to_string(records) +
                               " but the latest signed checkpoint is of size " + std::to_string(size));
  }
  // ...and have the root of the stored tree.
  std::vector<NodeId> ids = CompactRange::NodesFor(size);
  if (size > 0) ids.push_back({0, size - 1});
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, store_->GetNodes(ids));
  if (size > 0) {
    last_leaf_hash_ = hashes.back();
    hashes.pop_back();
  }
  ASSIGN_OR_RETURN(frontier_, CompactRange::FromNodes(size, std::move(hashes)));
  node_memory_.Grow(size);
  if (frontier_.Root() != checkpoint->root) {
    return absl::DataLossError("the stored tree's root at size " + std::to_string(size) +
                               " does not match the root of the signed checkpoint");
  }
  if (size > 0) {
    if (LeafHash(last_record->second) != last_leaf_hash_) {
      return absl::DataLossError("record " + std::to_string(size - 1) +
                                 " does not match its leaf hash in the tree");
    }
    ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(last_record->second));
    last_time_micros_ = record.integration_time_micros();
  }
  absl::MutexLock lock(&mu_);
  head_ = SignedHead{*std::move(checkpoint), std::move(latest->second)};
  return absl::OkStatus();
}

absl::Status Log::OpenHighWaterMark(const std::string& path,
                                    const std::optional<MarkedCheckpoint>& mark) {
  if (path.empty()) return absl::OkStatus();
  const SignedHead head = Head();
  if (!mark.has_value()) {  // a new log, or one from before the mark existed
    ASSIGN_OR_RETURN(high_water_mark_, HighWaterMark::Create(path, head.note));
    return absl::OkStatus();
  }
  const uint64_t size = head.checkpoint.size;
  const uint64_t marked = mark->checkpoint.size;
  if (size < marked) {
    return absl::DataLossError(
        "the store at " + store_path_ + " holds " + std::to_string(size) +
        " records (its latest signed checkpoint), but the high-water mark " + path +
        " records that the log acknowledged and signed " + std::to_string(marked) +
        ": the store came back shorter (a damaged or lost write-ahead log, or an older copy of "
        "the store put back)." + std::string(kHowToRecover));
  }
  ASSIGN_OR_RETURN(Hash root, RootAt(marked));
  if (root != mark->checkpoint.root) {
    return absl::DataLossError(
        "the tree in the store at " + store_path_ + " has another root at size " +
        std::to_string(marked) + " than the checkpoint of that size in the high-water mark " +
        path + ": the store is not the log that was acknowledged (a fork)." +
        std::string(kHowToRecover));
  }
  ASSIGN_OR_RETURN(high_water_mark_, HighWaterMark::OpenForWriting(path, mark->slot));
  // A batch written but not acknowledged before a crash: durable, so marked.
  if (size > marked) RETURN_IF_ERROR(high_water_mark_->Write(head.note));
  return absl::OkStatus();
}

absl::StatusOr<AppendResult> Log::Append(std::span<const PendingEntry> entries,
                                         std::span<const StatePut> state_puts) {
  RETURN_IF_ERROR(Recover());
  return AppendAsync(entries, state_puts).get();
}

absl::Status Log::SuspendedError() const {
  return absl::Status(failed_.code(),
                      "appends are suspended since a write failed (" +
                          std::string(failed_.message()) +
                          "); they resume once the store accepts writes again");
}

absl::Status Log::Recover() {
  if (!WriteFailed()) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return flights_.empty(); };
    mu_.Await(absl::Condition(&answered));
  }
  if (absl::Status resumed = store_->Resume(); !resumed.ok()) {
    return absl::Status(resumed.code(), "appends are suspended: " + std::string(resumed.message()));
  }
  // The batches that failed advanced the right edge; the store did not.
  RETURN_IF_ERROR(Load());
  absl::MutexLock lock(&mu_);
  failed_ = absl::OkStatus();
  mark_failed_ = false;
  write_failed_.store(false, std::memory_order_release);
  return absl::OkStatus();
}

namespace {
std::future<absl::StatusOr<AppendResult>> Resolved(absl::Status status) {
  std::promise<absl::StatusOr<AppendResult>> promise;
  promise.set_value(std::move(status));
  return promise.get_future();
}
}  // namespace

int64_t Log::NextIntegrationTime() const {
  return std::max(clock_.NowMicros(), last_time_micros_);
}

std::future<absl::StatusOr<AppendResult>> Log::AppendAsync(
    std::span<const PendingEntry> entries, std::span<const StatePut> state_puts,
    std::optional<int64_t> integration_time_micros) {
  if (entries.empty()) return Resolved(absl::InvalidArgumentError("empty batch"));
  if (integration_time_micros && *integration_time_micros < last_time_micros_) {
    return Resolved(absl::InvalidArgumentError("integration time would go backwards"));
  }
  auto flight = std::make_unique<Flight>();
  std::set<std::string_view> dedup_in_batch;
  for (const PendingEntry& entry : entries) {
    if (entry.writer_signature.size() != kSignatureSize) {
      return Resolved(absl::InvalidArgumentError("writer signature must be 64 bytes"));
    }
    if (entry.dedup_key.empty()) continue;
    if (!dedup_in_batch.insert(entry.dedup_key).second) {
      return Resolved(absl::AlreadyExistsError("dedup key appears twice in the batch"));
    }
    flight->dedup_keys.push_back(entry.dedup_key);
  }
  {
    absl::MutexLock lock(&mu_);
    if (!failed_.ok()) return Resolved(SuspendedError());
    for (const std::string& key : flight->dedup_keys) {
      if (dedup_in_flight_.contains(key)) {
        return Resolved(absl::AlreadyExistsError("dedup key is already in the log"));
      }
    }
  }
  if (!flight->dedup_keys.empty()) {
    absl::StatusOr<std::vector<std::optional<std::string>>> found =
        store_->MultiGet(Column::kDedup, flight->dedup_keys);
    if (!found.ok()) return Resolved(found.status());
    for (const auto& value : *found) {
      if (value.has_value()) return Resolved(absl::AlreadyExistsError("dedup key is already in the log"));
    }
  }

  // Build the batch on copies of the right edge, so that an error leaves the
  // log as it was.
  const int64_t time = integration_time_micros.value_or(NextIntegrationTime());
  CompactRange frontier = frontier_;
  Hash prev = last_leaf_hash_;
  size_t reserve = 1024;
  for (const PendingEntry& entry : entries) reserve += entry.entry.size() + 400;
  flight->batch = store_->NewBatch(reserve);
  Store::Batch& batch = flight->batch;
  AppendResult& result = flight->result;
  result.records.reserve(entries.size());
  auto proof_nodes = std::make_shared<NodeSet>();
  frontier.AddNodesTo(*proof_nodes);
  for (const PendingEntry& entry : entries) {
    const uint64_t index = frontier.size();
    RecordPrefix::Leaf leaf =
        entry.prefix ? entry.prefix->Complete(index, prev, time)
                     : RecordPrefix(entry.writer_key_id, entry.entry, entry.writer_signature)
                           .Complete(index, prev, time);
    batch.Put(Column::kRecords, RecordKey(index), leaf.bytes);
    batch.Put(Column::kLeaves, AsBytes(leaf.hash), EncodeBigEndian64(index));
    if (!entry.dedup_key.empty()) batch.Put(Column::kDedup, entry.dedup_key, EncodeBigEndian64(index));
    frontier.Append(leaf.hash, [&batch, &proof_nodes](const NodeId& id, const Hash& hash) {
      batch.Put(Column::kTree, TreeKey(id), AsBytes(hash));
      proof_nodes->Add(id, hash);
    });
    result.records.push_back({index, leaf.hash, std::move(leaf.bytes)});
    prev = leaf.hash;
  }
  for (const StatePut& put : state_puts) batch.Put(Column::kState, put.key, put.value);

  Checkpoint checkpoint;
  checkpoint.origin = origin();
  checkpoint.size = frontier.size();
  checkpoint.root = frontier.Root();
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key_);
  if (!note.ok()) return Resolved(note.status());
  batch.Put(Column::kCheckpoints, CheckpointKey(checkpoint.size), *note);
  result.tree_size = checkpoint.size;
  result.checkpoint = *note;
  proof_nodes->Seal();
  result.proof_nodes = std::move(proof_nodes);
  flight->head = SignedHead{std::move(checkpoint), *std::move(note)};

  // Hand it to the writer; from here on the batch's indexes are taken.
  std::future<absl::StatusOr<AppendResult>> done = flight->done.get_future();
  absl::MutexLock lock(&mu_);
  auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return flights_.size() < kMaxBatchesInFlight || !failed_.ok();
  };
  mu_.Await(absl::Condition(&room));
  if (!failed_.ok()) return Resolved(SuspendedError());
  frontier_ = std::move(frontier);
  last_leaf_hash_ = prev;
  last_time_micros_ = time;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].dedup_key.empty()) {
      dedup_in_flight_.emplace(entries[i].dedup_key, &flight->result.records[i]);
    }
  }
  flights_.push_back(std::move(flight));
  return done;
}

void Log::WriteFlights() {
  while (true) {
    Flight* flight = nullptr;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stored_flights_ < flights_.size() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (stored_flights_ == flights_.size()) {  // stopping, and everything is written
        writer_done_ = true;
        return;
      }
      flight = flights_[stored_flights_].get();
      // A batch built on top of a failed one must not be written: it would
      // leave a gap.
      if (!failed_.ok()) {
        status = absl::Status(failed_.code(), "not written: an earlier batch failed (" +
                                                  std::string(failed_.message()) + ")");
      }
    }
    if (status.ok()) {
      if (before_write_for_testing_) before_write_for_testing_();
      status = store_->Write(flight->batch);
    }
    if (status.ok()) {
      // Durable now: proofs of the new head find its nodes in memory.
      node_memory_.Grow(flight->head.checkpoint.size);
      node_memory_.Put(*flight->result.proof_nodes);
    }
    absl::MutexLock lock(&mu_);
    flight->write_status = std::move(status);
    if (!flight->write_status.ok() && failed_.ok()) {
      failed_ = flight->write_status;
      write_failed_.store(true, std::memory_order_release);
    }
    ++stored_flights_;
  }
}

void Log::AcknowledgeFlights() {
  while (true) {
    // Every batch stored since the last mark (the front of the queue): one
    // mark covers them all. They stay queued (and count as in flight) until
    // they are answered.
    std::vector<Flight*> stored;
    absl::Status mark_failed;  // an earlier mark failed: nothing more is acknowledged
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stored_flights_ > 0 || writer_done_;
      };
      mu_.Await(absl::Condition(&ready));
      if (stored_flights_ == 0) return;  // the writer stopped, and everything is answered
      for (size_t i = 0; i < stored_flights_; ++i) stored.push_back(flights_[i].get());
      if (mark_failed_) {
        mark_failed = absl::Status(failed_.code(), "not acknowledged: an earlier batch failed (" +
                                                       std::string(failed_.message()) + ")");
      }
    }
    // The durable prefix: batches written before the first failed write.
    size_t durable = 0;
    while (mark_failed.ok() && durable < stored.size() && stored[durable]->write_status.ok()) {
      ++durable;
    }
    // Marked before they are acknowledged. If the mark cannot be written the
    // batches stay durable but unacknowledged (Recover reloads the head).
    absl::Status mark_status;
    if (durable > 0 && high_water_mark_ != nullptr) {
      if (before_mark_for_testing_) mark_status = before_mark_for_testing_();
      if (mark_status.ok()) mark_status = high_water_mark_->Write(stored[durable - 1]->head.note);
    }
    std::vector<std::unique_ptr<Flight>> finished;
    {
      absl::MutexLock lock(&mu_);
      if (durable > 0 && mark_status.ok()) {
        head_ = stored[durable - 1]->head;
      } else if (!mark_status.ok()) {
        mark_failed_ = true;
        if (failed_.ok()) {
          failed_ = mark_status;
          write_failed_.store(true, std::memory_order_release);
        }
      }
      for (Flight* flight : stored) {
        for (const std::string& key : flight->dedup_keys) dedup_in_flight_.erase(key);
        finished.push_back(std::move(flights_.front()));
        flights_.pop_front();
      }
      stored_flights_ -= stored.size();
    }
    for (size_t i = 0; i < finished.size(); ++i) {
      absl::Status status = i < durable                 ? mark_status
                            : !mark_failed.ok()           ? mark_failed
                                                          : finished[i]->write_status;
      if (status.ok()) {
        finished[i]->done.set_value(std::move(finished[i]->result));
      } else {
        finished[i]->done.set_value(std::move(status));
      }
    }
  }
}

uint64_t Log::Size() const {
  absl::MutexLock lock(&mu_);
  return head_.checkpoint.size;
}

SignedHead Log::Head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::Status Log::CheckTreeSize(uint64_t tree_size) const {
  const uint64_t size = Size();
  if (tree_size > size) {
    return absl::OutOfRangeError("tree size " + std::to_string(tree_size) +
                                 " is beyond the log's size " + std::to_string(size));
  }
  return absl::OkStatus();
}

void Log::LoadNodes(uint64_t leaves) {
  const auto start = std::chrono::steady_clock::now();
  const uint8_t lowest = node_memory_.lowest_level();
  if (lowest >= 64 || (leaves >> lowest) == 0) {  // the budget holds no level of this tree
    load_finished_ = true;
    return;
  }
  // In slices, so that appends and proofs wait for the lock only briefly.
  constexpr size_t kSlice = 4096;
  auto slice = std::make_unique<NodeSet>();
  size_t in_slice = 0;
  const auto flush = [&] {
    slice->Seal();
    node_memory_.Put(*slice);
    slice = std::make_unique<NodeSet>();
    in_slice = 0;
  };
  const absl::Status scanned = store_->ScanNodes(
      lowest, leaves, [&](const NodeId& id, const Hash& hash) {
        slice->Add(id, hash);
        if (++in_slice == kSlice) flush();
        return !stop_loading_.load(std::memory_order_relaxed);
      });
  flush();
  // A failed scan only leaves more nodes to be read from the store.
  load_status_ = !scanned.ok()   ? scanned
                 : stop_loading_ ? absl::CancelledError("the log is closing")
                                 : absl::OkStatus();
  load_micros_ = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  load_finished_ = true;
}

Log::NodeMemoryStats Log::node_memory() const {
  Log::NodeMemoryStats stats{.nodes = node_memory_.size(),
                             .lowest_level = node_memory_.lowest_level()};
  if (load_finished_) {
    stats.loaded = load_status_.ok();
    stats.load_error = std::string(load_status_.message());
    stats.load_seconds = static_cast<double>(load_micros_) / 1e6;
  }
  return stats;
}

NodeSource Log::Nodes() const {
  return [this](std::span<const NodeId> ids) {
    return node_memory_.Get(ids, [this](std::span<const NodeId> missing) {
      return store_->GetNodes(missing);
    });
  };
}

absl::StatusOr<std::string> Log::CheckpointAt(uint64_t size) const {
  RETURN_IF_ERROR(CheckTreeSize(size));
  absl::StatusOr<std::string> note = store_->Get(Column::kCheckpoints, CheckpointKey(size));
  if (absl::IsNotFound(note.status())) {
    return absl::NotFoundError("the log never signed a checkpoint of size " + std::to_string(size));
  }
  return note;
}

absl::StatusOr<uint64_t> Log::SignedSizeAtOrBelow(uint64_t size) const {
  ASSIGN_OR_RETURN(auto found,
                   store_->Last(Column::kCheckpoints, CheckpointKey(std::min(size, Size()))));
  if (!found.has_value()) return absl::NotFoundError("no signed checkpoint at or below that size");
  return DecodeBigEndian64(found->first);
}

absl::StatusOr<std::string> Log::GetRecord(uint64_t index) const {
  const uint64_t size = Size();
  if (index >= size) {
    return absl::OutOfRangeError("record " + std::to_string(index) + " is beyond the log's size " +
                                 std::to_string(size));
  }
  absl::StatusOr<std::string> bytes = store_->Get(Column::kRecords, RecordKey(index));
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError("record " + std::to_string(index) + " is missing from the store");
  }
  return bytes;
}

absl::StatusOr<std::vector<std::string>> Log::GetRecords(std::span<const uint64_t> indexes) const {
  const uint64_t size = Size();
  std::vector<std::string> keys;
  keys.reserve(indexes.size());
  for (uint64_t index : indexes) {
    if (index >= size) {
      return absl::OutOfRangeError("record " + std::to_string(index) +
                                   " is beyond the log's size " + std::to_string(size));
    }
    keys.push_back(RecordKey(index));
  }
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                   store_->MultiGet(Column::kRecords, keys));
  std::vector<std::string> records;
  records.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].has_value()) {
      return absl::DataLossError("record " + std::to_string(indexes[i]) +
                                 " is missing from the store");
    }
    records.push_back(std::move(*values[i]));
  }
  return records;
}

absl::Status Log::ScanRecords(uint64_t begin, uint64_t end,
                              const std::function<bool(uint64_t, std::string_view)>& visit) const {
  end = std::min(end, Size());
  if (begin >= end) return absl::OkStatus();
  uint64_t expected = begin;
  absl::Status gap;
  RETURN_IF_ERROR(store_->Scan(Column::kRecords, RecordKey(begin), RecordKey(end),
                               [&](std::string_view key, std::string_view value) {
                                 const uint64_t index = DecodeBigEndian64(key);
                                 if (index != expected) {
                                   gap = absl::DataLossError("record " + std::to_string(expected) +
                                                             " is missing from the store");
                                   return false;
                                 }
                                 ++expected;
                                 return visit(index, value);
                               }));
  return gap;
}

absl::StatusOr<Hash> Log::LeafHashAt(uint64_t index) const {
  const uint64_t size = Size();
  if (index >= size) {
    return absl::OutOfRangeError("record " + std::to_string(index) + " is beyond the log's size " +
                                 std::to_string(size));
  }
  const NodeId id{0, index};
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, Nodes()(std::span<const NodeId>(&id, 1)));
  return hashes.front();
}

absl::StatusOr<uint64_t> Log::FindLeaf(const Hash& leaf_hash) const {
  absl::StatusOr<std::string> index = store_->Get(Column::kLeaves, AsBytes(leaf_hash));
  if (absl::IsNotFound(index.status())) return absl::NotFoundError("no record has that leaf hash");
  if (!index.ok()) return index.status();
  const uint64_t found = DecodeBigEndian64(*index);
  if (found >= Size()) return absl::NotFoundError("no record has that leaf hash");
  return found;
}

absl::StatusOr<DedupMatch> Log::FindDedup(std::string_view dedup_key) const {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = dedup_in_flight_.find(dedup_key); it != dedup_in_flight_.end()) {
      return DedupMatch{it->second->index, it->second->leaf};
    }
  }
  // Not in flight: its batch, if any, was answered, so it is in the store.
  absl::StatusOr<std::string> index = store_->Get(Column::kDedup, dedup_key);
  if (absl::IsNotFound(index.status())) return absl::NotFoundError("no record has that dedup key");
  if (!index.ok()) return index.status();
  DedupMatch match{.index = DecodeBigEndian64(*index)};
  ASSIGN_OR_RETURN(match.record, GetRecord(match.index));
  return match;
}

absl::StatusOr<std::string> Log::GetState(std::string_view key) const {
  return store_->Get(Column::kState, key);
}

absl::Status Log::ScanState(std::string_view prefix,
                            const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return store_->Scan(Column::kState, prefix, {}, [&](std::string_view key, std::string_view value) {
    if (key.substr(0, prefix.size()) != prefix) return false;
    return visit(key, value);
  });
}

absl::Status Log::WriteState(std::span<const StatePut> puts) {
  Store::Batch batch = store_->NewBatch();
  for (const StatePut& put : puts) batch.Put(Column::kState, put.key, put.value);
  return store_->Write(batch);
}

Store::Cursor Log::NewStateCursor() const { return store_->NewCursor(Column::kState); }

absl::StatusOr<Hash> Log::RootAt(uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size));
  {
    // The latest signed size, the usual second size of a consistency proof:
    // its root is in memory, computed from the right edge the stored tree was
    // written from (and checked against the store at open).
    absl::MutexLock lock(&mu_);
    if (tree_size == head_.checkpoint.size) return head_.checkpoint.root;
  }
  return ComputeRoot(tree_size, Nodes());
}

absl::StatusOr<std::vector<Hash>> Log::NodeHashes(std::span<const NodeId> ids) const {
  const uint64_t size = Size();
  for (const NodeId& id : ids) {
    if (id.level >= 64 || id.index >= (size >> id.level)) {
      return absl::OutOfRangeError("the subtree at level " + std::to_string(id.level) + ", index " +
                                   std::to_string(id.index) +
                                   " is not complete in the log's tree of size " +
                                   std::to_string(size));
    }
  }
  return Nodes()(ids);
}

absl::StatusOr<std::vector<Hash>> Log::InclusionProof(uint64_t index, uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size));
  return ComputeInclusionProof(index, tree_size, Nodes());
}

absl::StatusOr<LeafInclusion> Log::LeafInclusionProof(uint64_t index, uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size));
  return ComputeLeafInclusion(index, tree_size, Nodes());
}

absl::StatusOr<std::vector<std::vector<Hash>>> Log::InclusionProofs(
    std::span<const uint64_t> indexes, uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size));
  return ComputeInclusionProofs(indexes, tree_size, Nodes());
}

absl::StatusOr<std::vector<Hash>> Log::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  RETURN_IF_ERROR(CheckTreeSize(size2));
  return ComputeConsistencyProof(size1, size2, Nodes());
}

}  // namespace memoria
