// Log: the append-only, hash-chained RFC 6962 Merkle log in a RocksDB store,
// with Ed25519-signed C2SP checkpoints.
//
//   ASSIGN_OR_RETURN(auto log, Log::Open({.path = "data"}, log_signer));
//   ASSIGN_OR_RETURN(AppendResult r, log->Append(entries));  // synced
//   ASSIGN_OR_RETURN(auto proof, log->InclusionProof(r.records[0].index, r.tree_size));
//
// Durability: Append writes the records, their tree hashes, leaf and dedup
// index entries and the new signed checkpoint in one RocksDB WriteBatch with
// sync=true, and returns only after that write, so after a crash the store
// holds a whole prefix of appended batches. One checkpoint signature per batch;
// every signed checkpoint is kept by size.
//
// Invariants: indexes are gap-free from 0; each record carries its
// predecessor's leaf hash (index 0: 32 zero bytes); integration times never
// decrease; no key is ever deleted or overwritten; each checkpoint is larger
// than, and consistent with, every one before it.
//
// High-water mark (LogOptions::high_water_mark_path, ledger/high_water_mark.h):
// after each batch's synced write and before the batch is acknowledged, its
// signed checkpoint is written durably to a file apart from the store. Open
// refuses (DATA_LOSS) a store whose latest checkpoint is smaller than the
// mark's, or whose root at the mark's size differs, and a mark without a
// store: a log never comes back shorter than what it acknowledged.
//
// Open costs O(log n) reads: it loads the right edge of the tree, checks that
// the latest checkpoint verifies under the log key and that its root equals
// the stored tree's root, and refuses to open (DATA_LOSS or
// FAILED_PRECONDITION, naming what disagrees) otherwise. A background thread
// then loads the stored tree's node hashes into memory (ledger/node_memory.h)
// while the log serves; proofs read from the store what it has not loaded.
//
// Pipelining: AppendAsync builds and signs a batch in the calling thread and
// queues its synced write to the Log's writer thread, so the caller can build
// the next batch while this one is written (a group-commit sequencer then
// has up to kMaxBatchesInFlight batches in flight). Batches are written, and
// their futures resolved, in the order they were built.
//
// A failed write (a full disk, an I/O error) suspends appends: the batch and
// those queued after it fail, and later appends fail with the same code
// (RESOURCE_EXHAUSTED for a full disk, else UNAVAILABLE) until Recover, which
// the sequencer calls before planning each batch, lets the store write again
// and reloads the right edge from it. Reads keep working meanwhile.
//
// Thread-safety: Append, AppendAsync and Recover must not be called concurrently with each other
// (one sequencer thread); every other method may be called from any thread at any time and sees
// only fully written batches (FindDedup also sees batches in flight: the Log owns dedup keys).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/checkpoint.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/high_water_mark.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/node_memory.h"
#include "ledger/record.h"
#include "ledger/store.h"

namespace memoria {

struct LogOptions {
  // The RocksDB directory.
  std::string path = "data";
  // The high-water mark file, outside `path` (memoria-server: beside db/ in
  // its data directory); empty for none. Created at open if missing.
  std::string high_water_mark_path;
  // Create an empty log if `path` holds none.
  bool create_if_missing = true;
  // Integration times come from here; nullptr means SystemClock().
  const Clock* clock = nullptr;
  // RocksDB block cache size.
  size_t block_cache_bytes = 128 << 20;
  // Memory for the tree's node hashes (see ledger/node_memory.h): 64 MiB
  // holds every level up to about 10^6 leaves, levels >= 1 to 2x10^6, and so
  // on; proofs read from RocksDB only the nodes below the lowest level held.
  size_t node_memory_bytes = 64 << 20;
  // Appends are refused (RESOURCE_EXHAUSTED) while the disk holding the
  // store has less free space than this (StoreOptions::reserved_disk_bytes).
  uint64_t reserved_disk_bytes = 256 << 20;
  // Testing only: the file system under the store (fault injection); null
  // for the default one.
  std::shared_ptr<rocksdb::FileSystem> file_system_for_testing;
  // Testing only: called by Append after the batch is built and signed and
  // before it is written (crash tests kill the process here).
  std::function<void()> before_write_for_testing;
  // Testing only: called before each high-water mark write; an error it
  // returns stands for the write's (a failing disk).
  std::function<absl::Status()> before_mark_for_testing;
};

// One entry to append: what a writer sent, already authenticated by the caller.
struct PendingEntry {
  uint32_t writer_key_id = 0;
  std::string entry;             // the exact bytes the writer signed
  std::string writer_signature;  // 64 bytes
  // Optional idempotency key (for example writer || request id); when
  // non-empty it is stored with the record's index in the same batch.
  std::string dedup_key;
  // Optional: RecordPrefix(writer_key_id, entry, writer_signature), built off
  // the sequencer so that Append hashes only the sequencing fields. Append
  // builds it when absent. Must be built from this entry's own fields.
  std::optional<RecordPrefix> prefix;
};

// The record that holds a dedup key (Log::FindDedup).
struct DedupMatch {
  uint64_t index = 0;
  std::string record;  // the record's bytes (ledger/record.h)
};

// A put into Column::kState that lands in the same batch as the entries.
struct StatePut {
  std::string key;
  std::string value;
};

struct Appended {
  uint64_t index = 0;
  Hash leaf_hash{};
  std::string leaf;  // the record's stored bytes (what leaf_hash covers)
};

struct AppendResult {
  std::vector<Appended> records;  // in the order of the input
  uint64_t tree_size = 0;         // the size of the checkpoint below
  std::string checkpoint;         // signed note covering all the records
  // Every node the inclusion proofs of these records in the tree of
  // tree_size need (the right edge before the batch and the nodes the batch
  // completed): receipts without reading the store. Sealed.
  std::shared_ptr<const NodeSet> proof_nodes;
};

// The latest signed state, as one consistent snapshot.
struct SignedHead {
  Checkpoint checkpoint;
  std::string note;  // the signed note text
};

class Log {
 public:
  // Opens (or creates) the log at options.path signed by `log_key`; the key's
  // name is the log's origin. FAILED_PRECONDITION if the store was created
  // with another key; DATA_LOSS if its tree and checkpoint disagree, if
  // RocksDB finds damage (Store::Open), or if the store is shorter than, or
  // forked from, the high-water mark, or missing while the mark exists (the
  // message says what was found, what was expected, and to restore the data
  // directory from a backup or copy the log from a mirror).
  static absl::StatusOr<std::unique_ptr<Log>> Open(const LogOptions& options, Signer log_key);
  ~Log();

  // Appends the entries as one durable batch (see above), calling Recover
  // first. INVALID_ARGUMENT for an empty batch or a malformed entry
  // (signature not 64 bytes); ALREADY_EXISTS if a dedup key is already in the
  // log or twice in the batch; Recover's errors, or the write's
  // (RESOURCE_EXHAUSTED for a full disk, UNAVAILABLE). `state_puts` land in
  // Column::kState in the same synced batch. Nothing is acknowledged when an
  // error is returned. Not concurrent with itself.
  absl::StatusOr<AppendResult> Append(std::span<const PendingEntry> entries,
                                      std::span<const StatePut> state_puts = {});

  // As Append, but returns once the batch is built and signed; the future
  // resolves when it is durable (or failed). Blocks while kMaxBatchesInFlight
  // batches are already queued. Validation errors resolve the future at once
  // and leave the log unchanged. If a write fails, that batch and every batch
  // queued after it fail with its error's code, and so does every later
  // append until Recover succeeds.
  //
  // `integration_time_micros`, when given, is the batch's integration time
  // (from NextIntegrationTime(), so that derived state computed before the
  // call agrees with the records); INVALID_ARGUMENT if it is earlier than the
  // last batch's.
  std::future<absl::StatusOr<AppendResult>> AppendAsync(
      std::span<const PendingEntry> entries, std::span<const StatePut> state_puts = {},
      std::optional<int64_t> integration_time_micros = std::nullopt);
  static constexpr size_t kMaxBatchesInFlight = 3;

  // After a failed write: waits until the batches in flight are answered,
  // lets the store write again (Store::Resume) and reloads the right edge,
  // the head and the last record from the store, so that nothing in memory
  // is ahead of what is durable. OK at once if no write failed; otherwise
  // RESOURCE_EXHAUSTED while the disk is still full, UNAVAILABLE for another
  // store error (appends stay suspended; call again later). Sequencer thread
  // only, before NextIndex() is read to plan a batch.
  absl::Status Recover();
  // A write failed and Recover has not succeeded since.
  bool WriteFailed() const { return write_failed_.load(std::memory_order_acquire); }

  // The index the next appended entry will get: Size() plus the entries of
  // batches in flight. For the sequencer thread.
  uint64_t NextIndex() const { return frontier_.size(); }
  // The integration time the next batch would get now: the clock, but never
  // earlier than the last batch's. For the sequencer thread.
  int64_t NextIntegrationTime() const;

  // A value of Column::kState; NOT_FOUND if absent.
  absl::StatusOr<std::string> GetState(std::string_view key) const;
  // Calls `visit(key, value)` for state keys starting with `prefix`, in order,
  // while it returns true.
  absl::Status ScanState(std::string_view prefix,
                         const std::function<bool(std::string_view, std::string_view)>& visit) const;

  // Writes state puts alone, synced. Only while nothing appends (at start-up,
  // to derive state for records written before its observer existed).
  absl::Status WriteState(std::span<const StatePut> puts);
  // A cursor over the state column (see Store::Cursor).
  Store::Cursor NewStateCursor() const;

  const std::string& origin() const { return log_key_.name(); }
  const Verifier& verifier() const { return log_key_.verifier(); }

  uint64_t Size() const;
  SignedHead Head() const;

  // The signed checkpoint of exactly `size` leaves; NOT_FOUND if the log never
  // signed that size.
  absl::StatusOr<std::string> CheckpointAt(uint64_t size) const;
  // The largest signed checkpoint size <= `size`; NOT_FOUND if none.
  absl::StatusOr<uint64_t> SignedSizeAtOrBelow(uint64_t size) const;

  // Record bytes exactly as stored and hashed. OUT_OF_RANGE if index >= Size().
  absl::StatusOr<std::string> GetRecord(uint64_t index) const;
  // Calls `visit(index, bytes)` for records in [begin, min(end, Size())) in
  // order while it returns true.
  absl::Status ScanRecords(uint64_t begin, uint64_t end,
                           const std::function<bool(uint64_t, std::string_view)>& visit) const;
  // The records at `indexes` (each < Size()), in order, read in one MultiGet.
  absl::StatusOr<std::vector<std::string>> GetRecords(std::span<const uint64_t> indexes) const;
  absl::StatusOr<Hash> LeafHashAt(uint64_t index) const;
  // The index of the record with this leaf hash; NOT_FOUND if none.
  absl::StatusOr<uint64_t> FindLeaf(const Hash& leaf_hash) const;
  // The record holding a dedup key: durable, or in a batch in flight (built
  // by AppendAsync, not yet answered; its index may be >= Size()). NOT_FOUND
  // if none. The Log is the one owner of dedup keys: Append refuses a key it
  // holds, and the sequencer asks here which entries are retries.
  absl::StatusOr<DedupMatch> FindDedup(std::string_view dedup_key) const;

  // Root, and RFC 9162 proofs, for any tree size up to Size(); O(log n) reads
  // (none for the root of the latest signed size).
  // OUT_OF_RANGE if a size exceeds Size(); INVALID_ARGUMENT if index >= size
  // or size1 > size2.
  absl::StatusOr<Hash> RootAt(uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // The leaf hash at `index` with its inclusion proof, read together.
  absl::StatusOr<LeafInclusion> LeafInclusionProof(uint64_t index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;
  // The inclusion proofs of several leaves in one tree: one MultiGet of the
  // distinct nodes they need (neighbouring leaves share most of theirs).
  absl::StatusOr<std::vector<std::vector<Hash>>> InclusionProofs(std::span<const uint64_t> indexes,
                                                                 uint64_t tree_size) const;
  // The hashes of perfect subtrees of the durable tree, in the order of
  // `ids`: from node memory, the others in one MultiGet (what tlog-tiles'
  // hash tiles are made of, ledger/tiles.h). OUT_OF_RANGE if a subtree is
  // not complete within Size(); DATA_LOSS if the store lacks one.
  absl::StatusOr<std::vector<Hash>> NodeHashes(std::span<const NodeId> ids) const;

  // The node hashes held in memory: how many, from which level up, and how
  // the background load of the nodes stored before Open went. A node the load
  // did not reach (still running, or failed) is read from the store.
  struct NodeMemoryStats {
    uint64_t nodes = 0;
    uint8_t lowest_level = 0;
    bool loaded = false;      // the load is done
    std::string load_error;   // why it stopped short, if it failed
    double load_seconds = 0;  // how long it ran, once it stopped
  };
  NodeMemoryStats node_memory() const;

  // A consistent copy of the store in `dir` while appends go on
  // (Store::CreateCheckpoint): every batch written before the call, none
  // partly; its latest stored checkpoint is the signed state it holds.
  absl::Status CopyStore(const std::string& dir) const { return store_->CreateCheckpoint(dir); }

  // Approximate bytes on disk (live SST files; the WAL is not counted).
  uint64_t ApproximateDiskBytes() const { return store_->ApproximateDiskBytes(); }
  // RocksDB's stalls, compaction debt and sizes (Store::ReadHealth).
  Store::Health StoreHealth() const { return store_->ReadHealth(); }

 private:
  // A built batch on its way to disk.
  struct Flight {
    Store::Batch batch;
    AppendResult result;
    SignedHead head;
    std::vector<std::string> dedup_keys;
    std::promise<absl::StatusOr<AppendResult>> done;
    // The store write's outcome, set by the writer thread (under mu_) before
    // it counts the flight in stored_flights_.
    absl::Status write_status;
  };

  Log(const LogOptions& options, Signer log_key, std::unique_ptr<Store> store);
  absl::Status Load();
  // At open, after Load: checks the store against the mark read from `path`
  // (if any) and opens it for writing, or creates it from the head.
  absl::Status OpenHighWaterMark(const std::string& path,
                                 const std::optional<MarkedCheckpoint>& mark);
  // The error later appends get while appends are suspended.
  absl::Status SuspendedError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The writer thread: writes flights to the store in order, synced.
  void WriteFlights();
  // The acknowledger thread: marks the latest stored flight in the
  // high-water mark, then publishes its head and answers every flight stored
  // up to it (a mark written while the next batch is stored; one mark for
  // all the batches stored meanwhile).
  void AcknowledgeFlights();
  // The loader thread: puts the nodes of the first `leaves` leaves, as
  // stored when the log was opened, into node_memory_.
  void LoadNodes(uint64_t leaves);
  absl::Status CheckTreeSize(uint64_t tree_size) const;
  NodeSource Nodes() const;

  const Clock& clock_;
  const Signer log_key_;
  const std::function<void()> before_write_for_testing_;
  const std::function<absl::Status()> before_mark_for_testing_;
  const std::unique_ptr<Store> store_;
  const std::string store_path_;
  // Written by the acknowledger thread after synced batches; null without a
  // high-water mark path. Set by Open before any append.
  std::unique_ptr<HighWaterMark> high_water_mark_;
  // Durable node hashes, from the lowest level the budget allows.
  mutable NodeMemory node_memory_;
  std::atomic<bool> stop_loading_{false};
  // The loader's outcome, written before load_finished_ is set (and read
  // only after it is seen set).
  absl::Status load_status_;
  int64_t load_micros_ = 0;
  std::atomic<bool> load_finished_{false};

  // The right edge of the tree including batches in flight; touched only by
  // the sequencer thread (Append, AppendAsync) and Load.
  CompactRange frontier_;
  Hash last_leaf_hash_{};
  int64_t last_time_micros_ = 0;

  mutable absl::Mutex mu_;
  SignedHead head_ ABSL_GUARDED_BY(mu_);  // the latest durable checkpoint
  // Built, not yet answered, in order; the first stored_flights_ of them are
  // written to the store (or failed) and wait for the acknowledger.
  std::deque<std::unique_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  size_t stored_flights_ ABSL_GUARDED_BY(mu_) = 0;
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;  // the writer thread returned
  // A high-water mark write failed: batches stored after it are not
  // acknowledged either, until Recover.
  bool mark_failed_ ABSL_GUARDED_BY(mu_) = false;
  // Dedup keys of batches in flight (not yet visible in the store), with
  // their records (owned by their Flight's result until it is answered).
  std::map<std::string, const Appended*, std::less<>> dedup_in_flight_ ABSL_GUARDED_BY(mu_);
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // set when a write failed, until Recover
  std::atomic<bool> write_failed_{false};      // !failed_.ok(), read without mu_
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
  std::thread acknowledger_;
  std::thread loader_;  // started by Open once the log is loaded
};

}  // namespace memoria
