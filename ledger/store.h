// The RocksDB store under a log: its column families, key encodings, and the
// one place where rocksdb::Status becomes absl::Status.
//
// Column families (keys are big-endian so byte order is numeric order):
//   records      index(8)                  -> record bytes, exactly as hashed
//   tree         last leaf(8) || level(1)  -> 32-byte hash of a perfect subtree
//                                             (see TreeKey)
//   checkpoints  size(8)                   -> signed checkpoint note
//   leaves       leaf hash(32)             -> index(8)
//   dedup        caller's key              -> index(8)
//   state        caller's key              -> value: state derived from the log
//                                             by upper layers (writer registry,
//                                             views), written in the same batch
//                                             as records
//   meta         name                      -> value (kMetaFormat, kMetaLogKey)
//
// The store offers no delete, and Log never writes a record, tree, checkpoint,
// leaf or dedup key that exists; only `state` values may be replaced.
// Thread-safe (RocksDB is); writes are ordered by the caller.
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
#include "ledger/merkle.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
class FileSystem;
class Iterator;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace memoria {

// Converts a RocksDB status to ours. The only such conversion in memoria.
// A full disk (RocksDB's NoSpace) is RESOURCE_EXHAUSTED; corruption is
// DATA_LOSS; other I/O errors are UNAVAILABLE.
absl::Status FromRocksDB(const rocksdb::Status& status, std::string_view context);

// Store::CreateCheckpoint for any open RocksDB (the personal-data store's too).
absl::Status CreateRocksDBCheckpoint(rocksdb::DB& db, const std::string& dir);

// Creates `path` (and its parents) with mode 0700 whatever the umask, or
// makes an existing directory 0700: RocksDB's files inside are then private
// even though RocksDB creates them with the umask's mode. UNAVAILABLE if it
// cannot.
absl::Status CreatePrivateDirectory(const std::string& path);

enum class Column { kRecords, kTree, kCheckpoints, kLeaves, kDedup, kState, kMeta };
inline constexpr int kColumnCount = 7;

std::string RecordKey(uint64_t index);
// The subtree of `node` (leaves index*2^level .. (index+1)*2^level - 1) is
// keyed by its last leaf, then its level: the order in which appends
// complete subtrees. So the tree's keys only grow, and RocksDB can move its
// flushed files down instead of rewriting them (keyed by level first, every
// file spanned all levels and each compaction rewrote the whole tree below
// it: 4.4 GB written for a 0.9 GB tree at 10^7 records, now 0.9 GB), and the
// lower nodes of one proof lie close together (inclusion proofs at 10^6 took
// 45% less time; commit 616a049 has the measurement). Part of the store's
// format (kStoreFormat).
std::string TreeKey(const NodeId& node);
std::string CheckpointKey(uint64_t size);

// Keys of `meta`, and the format of the keys and values above that this
// build writes and reads (recorded in `meta` when a log is created).
inline constexpr std::string_view kMetaFormat = "format";
inline constexpr std::string_view kMetaLogKey = "log_vkey";
inline constexpr std::string_view kStoreFormat = "memoria-log-v2";

struct StoreOptions {
  std::string path;
  // Create the directory and column families if missing.
  bool create_if_missing = true;
  // Size of the RocksDB block cache shared by all column families.
  size_t block_cache_bytes = 128 << 20;
  // Writes are refused (RESOURCE_EXHAUSTED, nothing written) while the disk
  // holding the store has less free space than this: RocksDB is kept from
  // running out of space in the middle of its own work (a flush, a
  // compaction, a new write-ahead log), from which RocksDB 7.8 may not
  // recover, or may abort on an assertion (Debian's build keeps them).
  uint64_t reserved_disk_bytes = 256 << 20;
  // Testing only: the file system RocksDB uses (fault injection); null for
  // the default one.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

class Store {
 public:
  // A batch of puts that lands atomically with Store::Write.
  class Batch {
   public:
    explicit Batch(size_t reserve_bytes = 0);
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    void Put(Column column, std::string_view key, std::string_view value);
    size_t ByteSize() const;

   private:
    friend class Store;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    Store* store_ = nullptr;  // set by Store::NewBatch
  };

  // Opens the store. DATA_LOSS, saying how to recover, if RocksDB finds
  // damage (a write-ahead log record other than a torn last one, or a table
  // file, fails its checksum): the store is never opened shorter than what
  // it acknowledged. The directory is created mode 0700.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // A batch with room for `reserve_bytes` of puts before it reallocates.
  Batch NewBatch(size_t reserve_bytes = 0);
  // Writes the batch with sync=true: when this returns OK, the batch is on disk.
  // RESOURCE_EXHAUSTED, writing nothing, while the disk has less free space
  // than StoreOptions::reserved_disk_bytes, or when the disk is full;
  // UNAVAILABLE on other I/O errors. After a failed write RocksDB refuses
  // writes (reads still work) until Resume succeeds.
  absl::Status Write(Batch& batch);
  // After a failed write: lets RocksDB write again (DB::Resume, which flushes
  // the memtables to a new write-ahead log, so nothing of the failed write
  // comes back). OK if no write failed and there is room; RESOURCE_EXHAUSTED
  // while the disk has less free space than the reserve (Resume is not tried
  // then); UNAVAILABLE otherwise.
  absl::Status Resume();

  // NOT_FOUND if the key is absent.
  absl::StatusOr<std::string> Get(Column column, std::string_view key) const;
  // One result per key, in order: the value, or nullopt if absent.
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Column column, std::span<const std::string> keys) const;
  // The largest key (at or before `at_or_before` unless that is empty) and its
  // value, or nullopt if there is none.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(
      Column column, std::string_view at_or_before = {}) const;
  // Calls `visit(key, value)` for keys in [begin, end) in order, while it returns true.
  absl::Status Scan(Column column, std::string_view begin, std::string_view end,
                    const std::function<bool(std::string_view, std::string_view)>& visit) const;

  // A position in one column, moved by seeks: for walking sorted keys (the
  // query indexes) without a scan per step. Sees writes made after it was
  // created or not, as RocksDB decides; callers bound what they read by key.
  // Not thread-safe; must not outlive the store.
  class Cursor {
   public:
    ~Cursor();
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) noexcept;
    // To the first key >= `key` / the last key <= `key`.
    void SeekAtOrAfter(std::string_view key);
    void SeekAtOrBefore(std::string_view key);
    void Next();
    void Prev();
    // False past either end, or after a read error (then status() says which).
    bool Valid() const;
    std::string_view key() const;    // requires Valid()
    std::string_view value() const;  // requires Valid()
    absl::Status status() const;

   private:
    friend class Store;
    Cursor(std::unique_ptr<rocksdb::Iterator> it, Column column);
    std::unique_ptr<rocksdb::Iterator> it_;
    Column column_;
  };
  Cursor NewCursor(Column column) const;

  // The tree hashes of `nodes`, in order; DATA_LOSS naming the node if one is
  // missing or not 32 bytes.
  absl::StatusOr<std::vector<Hash>> GetNodes(std::span<const NodeId> nodes) const;

  // Calls `visit(id, hash)` for the stored tree hashes of the perfect
  // subtrees at level >= `min_level` that end before leaf `below_leaves`, in
  // key order (by last leaf), while it returns true. Reads the column
  // forward once, without filling the block cache, seeking past the leaves
  // that end no such subtree. DATA_LOSS for a malformed key or hash met.
  absl::Status ScanNodes(uint8_t min_level, uint64_t below_leaves,
                         const std::function<bool(const NodeId&, const Hash&)>& visit) const;

  // Total bytes of live SST files (the WAL is not counted).
  uint64_t ApproximateDiskBytes() const;

  // RocksDB's figures an operator watches (read from its properties, all
  // column families summed; cheap: no I/O).
  struct Health {
    uint64_t live_sst_bytes = 0;            // rocksdb.live-sst-files-size
    uint64_t memtable_bytes = 0;            // rocksdb.cur-size-all-mem-tables
    uint64_t pending_compaction_bytes = 0;  // rocksdb.estimate-pending-compaction-bytes
    uint64_t running_compactions = 0;       // rocksdb.num-running-compactions
    uint64_t write_stall_micros = 0;        // db.user_write_stall_micros of rocksdb.dbstats, since open
    bool write_stopped = false;             // rocksdb.is-write-stopped
  };
  Health ReadHealth() const;

  // A consistent copy of the store as it is now, in `dir` (which must not
  // exist; its parent must), taken while writes go on (RocksDB's Checkpoint:
  // the memtables are flushed, then the table files are hard-linked when
  // `dir` is on the same file system, copied otherwise). It holds every
  // batch written before the call and none partly. The copy opens as a
  // store of its own. FAILED_PRECONDITION if `dir` exists; UNAVAILABLE (or
  // RESOURCE_EXHAUSTED for a full disk) if it cannot be made.
  absl::Status CreateCheckpoint(const std::string& dir) const;

  // OK if `meta` records kStoreFormat; FAILED_PRECONDITION naming the format
  // it records (or none) otherwise.
  absl::Status CheckFormat() const;

 private:
  Store() = default;
  rocksdb::ColumnFamilyHandle* Handle(Column column) const;

  // RESOURCE_EXHAUSTED if the disk has less than `needed` bytes free.
  absl::Status CheckFreeSpace(uint64_t needed) const;
  // Bytes in the memtables: what a flush writes.
  uint64_t MemtableBytes() const;

  std::string path_;
  uint64_t reserved_disk_bytes_ = 0;
  std::unique_ptr<rocksdb::Env> env_;  // over options.file_system, if given; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Column
};

}  // namespace memoria
