#include "ledger/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/numbers.h"
#include "ledger/encoding.h"
#include "ledger/status.h"

namespace memoria {
namespace {

constexpr const char* kColumnNames[kColumnCount] = {
    "records", "tree", "checkpoints", "leaves", "dedup", "state", "meta"};

// RocksDB's own recovery from a full disk waits (polling every 5 s) for free
// space of its reserved buffer: the write buffers of every column family,
// about 300 MiB here, more than a nearly full disk may ever free; and while
// it waits, DB::Resume answers Busy. So appends could stay refused after
// space returned. Recovery is left to Store::Resume, which the Log calls on
// the next append once there is room.
class NoAutomaticRecovery final : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "memoria.NoAutomaticRecovery"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

}  // namespace

absl::Status FromRocksDB(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsNoSpace()) {
    return absl::ResourceExhaustedError(message + " (the disk is full: free space on it)");
  }
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::FailedPreconditionError(message);
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
      return absl::UnavailableError(message);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string RecordKey(uint64_t index) { return EncodeBigEndian64(index); }

std::string TreeKey(const NodeId& node) {
  const uint64_t last_leaf = ((node.index + 1) << node.level) - 1;
  return EncodeBigEndian64(last_leaf) + std::string(1, static_cast<char>(node.level));
}

std::string CheckpointKey(uint64_t size) { return EncodeBigEndian64(size); }

Store::Batch::Batch(size_t reserve_bytes)
    : batch_(std::make_unique<rocksdb::WriteBatch>(reserve_bytes)) {}
Store::Batch::~Batch() = default;
Store::Batch::Batch(Batch&&) noexcept = default;
Store::Batch& Store::Batch::operator=(Batch&&) noexcept = default;

void Store::Batch::Put(Column column, std::string_view key, std::string_view value) {
  // WriteBatch::Put only fails when the batch exceeds its configured maximum
  // size, which we never set.
  batch_->Put(store_->Handle(column), rocksdb::Slice(key.data(), key.size()),
              rocksdb::Slice(value.data(), value.size()))
      .PermitUncheckedError();
}

size_t Store::Batch::ByteSize() const { return batch_->GetDataSize(); }

absl::Status CreatePrivateDirectory(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return absl::UnavailableError("cannot create " + parent.string() + ": " + ec.message());
  // mkdir's mode is masked by the umask, which can only remove bits: 0700
  // whatever the umask.
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError("cannot create " + path + ": " + std::strerror(errno));
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
  if (ec) return absl::UnavailableError("cannot make " + path + " private (mode 0700): " + ec.message());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.create_if_missing) {
    if (absl::Status created = CreatePrivateDirectory(options.path); !created.ok()) return created;
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  // Every batch is written with sync=true, so any WAL record but a torn last
  // one (a write that a crash interrupted, never acknowledged) was
  // acknowledged: damage anywhere else must not open as a shorter log, which
  // kPointInTimeRecovery would do silently (stopping the replay at the
  // damage). kAbsoluteConsistency would refuse the torn tail too.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.paranoid_checks = true;
  db_options.listeners.push_back(std::make_shared<NoAutomaticRecovery>());
  db_options.max_background_jobs = 2;
  db_options.max_open_files = 512;
  db_options.max_total_wal_size = 128 << 20;
  // Bound memtable memory across all column families: server memory must not
  // grow with the log.
  db_options.db_write_buffer_size = 64 << 20;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned index and filters: a lookup loads one ~4 KiB partition, not
  // a file's whole index or filter (megabytes once a file holds 10^6 keys).
  // With whole filter blocks (over a megabyte per file), which did not stay
  // in the cache (128 MiB in 64 shards of 2 MiB), from about 1.8x10^6 records
  // on every idempotency lookup of an append read and checksummed a filter
  // block from disk (perf: 79% of the server's CPU; the append rate fell from
  // about 14,000 to 3,300 records/s, now steady at 16,700/s to 4.8x10^6).
  // Only the small top level of each file stays pinned.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.write_buffer_size = 16 << 20;
  cf_options.compression = rocksdb::kNoCompression;  // hashes, signatures and entries barely compress

  // Keys of records, tree and checkpoints arrive in increasing order within a
  // 1-byte prefix: let memtable inserts start from the previous position.
  // Their lookups always hit (a proof reads only nodes that exist), so Bloom
  // filters would only cost: each MultiGet would load every touched file's
  // whole filter block (megabytes at 10^6 records) into the cache and evict it
  // again. Filters stay for leaves and dedup, whose lookups mostly miss.
  rocksdb::BlockBasedTableOptions unfiltered = table;
  unfiltered.filter_policy.reset();

  rocksdb::ColumnFamilyOptions sequential = cf_options;
  sequential.table_factory.reset(rocksdb::NewBlockBasedTableFactory(unfiltered));
  sequential.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));

  std::vector<rocksdb::ColumnFamilyDescriptor> columns;
  columns.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (int c = 0; c < kColumnCount; ++c) {
    const auto column = static_cast<Column>(c);
    const bool in_order = column == Column::kRecords || column == Column::kTree ||
                          column == Column::kCheckpoints;
    columns.emplace_back(kColumnNames[c], in_order ? sequential : cf_options);
  }

  std::unique_ptr<Store> store(new Store());
  if (options.file_system != nullptr) {
    store->env_ = rocksdb::NewCompositeEnv(options.file_system);
    db_options.env = store->env_.get();
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (absl::Status s = FromRocksDB(
          rocksdb::DB::Open(db_options, options.path, columns, &handles, &db),
          "opening RocksDB at " + options.path);
      !s.ok()) {
    if (absl::IsDataLoss(s)) {
      return absl::DataLossError(
          std::string(s.message()) +
          ": the store is damaged (a record of its write-ahead log or a table file fails its "
          "checksum), so records it acknowledged cannot all be read back; it is not opened, "
          "lest the log come back shorter. Restore the data directory from a backup, or copy "
          "the log from a mirror");
    }
    return s;
  }
  store->path_ = options.path;
  store->reserved_disk_bytes_ = options.reserved_disk_bytes;
  store->db_.reset(db);
  store->handles_ = std::move(handles);
  return store;
}

absl::Status Store::CreateCheckpoint(const std::string& dir) const {
  return CreateRocksDBCheckpoint(*db_, dir);
}

absl::Status CreateRocksDBCheckpoint(rocksdb::DB& db, const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error)) {
    return absl::FailedPreconditionError("cannot copy the store to " + dir + ": it exists");
  }
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDB(rocksdb::Checkpoint::Create(&db, &raw), "preparing a copy of a store"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: always flush the memtables first, so the copy is
  // table files (hard links) and no write-ahead log to copy.
  RETURN_IF_ERROR(FromRocksDB(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                              "copying the store to " + dir));
  // RocksDB creates the directory with the umask's mode.
  if (chmod(dir.c_str(), 0700) != 0) {
    return absl::UnavailableError("cannot make " + dir + " private: " + std::strerror(errno));
  }
  return absl::OkStatus();
}

absl::Status Store::CheckFormat() const {
  absl::StatusOr<std::string> format = Get(Column::kMeta, kMetaFormat);
  if (!format.ok() && !absl::IsNotFound(format.status())) return format.status();
  if (format.ok() && *format == kStoreFormat) return absl::OkStatus();
  // v1 keyed the tree by level first; no release wrote it, so there is no
  // conversion.
  return absl::FailedPreconditionError(
      "the store at " + path_ + " is in format " +
      (format.ok() ? *format : std::string("(none recorded)")) + "; this build reads " +
      std::string(kStoreFormat) +
      " only (no conversion exists: start a new log in another data directory)");
}

Store::~Store() {
  if (!db_) return;
  // Leave nothing in memtables, so that the next open replays no WAL: open
  // cost must not grow with the log. (After a crash the WAL to replay is
  // bounded by max_total_wal_size.) Not on a full disk: a flush that fails
  // there can leave RocksDB 7.8 asserting as it closes; the next open
  // replays the write-ahead log instead.
  if (CheckFreeSpace(MemtableBytes() + (4 << 20)).ok()) {
    db_->Flush(rocksdb::FlushOptions(), handles_).PermitUncheckedError();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* Store::Handle(Column column) const {
  return handles_[static_cast<size_t>(column) + 1];  // [0] is RocksDB's default family
}

Store::Batch Store::NewBatch(size_t reserve_bytes) {
  Batch batch(reserve_bytes);
  batch.store_ = this;
  return batch;
}

absl::Status Store::CheckFreeSpace(uint64_t needed) const {
  uint64_t free_bytes = 0;
  if (!db_->GetFileSystem()->GetFreeSpace(path_, rocksdb::IOOptions(), &free_bytes, nullptr).ok()) {
    return absl::OkStatus();  // unknown: let the write say
  }
  if (free_bytes >= needed) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      "the disk is full: " + std::to_string(free_bytes) + " bytes free on the disk holding " +
      path_ + ", and the log writes only with " + std::to_string(needed) +
      " free; free space on it, and appends resume by themselves");
}

uint64_t Store::MemtableBytes() const {
  uint64_t bytes = 0;
  if (!db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &bytes)) {
    return 0;
  }
  return bytes;
}

absl::Status Store::Resume() {
  // DB::Resume flushes every memtable to a new table file and write-ahead
  // log. Tried without room for that, the flush fails, and a new
  // write-ahead log that cannot be created is fatal to RocksDB (it refuses
  // writes until reopened, even once space returns).
  RETURN_IF_ERROR(CheckFreeSpace(std::max(reserved_disk_bytes_, MemtableBytes())));
  return FromRocksDB(db_->Resume(), "resuming writes to " + path_ + " after a failed write");
}

absl::Status Store::Write(Batch& batch) {
  RETURN_IF_ERROR(CheckFreeSpace(reserved_disk_bytes_));
  rocksdb::WriteOptions options;
  options.sync = true;
  options.memtable_insert_hint_per_batch = true;  // our batches insert runs of ascending keys
  return FromRocksDB(db_->Write(options, batch.batch_.get()), "writing a batch");
}

absl::StatusOr<std::string> Store::Get(Column column, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(column),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok()) return FromRocksDB(s, std::string("reading ") + kColumnNames[static_cast<int>(column)]);
  return value;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Column column, std::span<const std::string> keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), Handle(column), keys.size(), slices.data(), values.data(),
                statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return FromRocksDB(statuses[i], std::string("reading ") + kColumnNames[static_cast<int>(column)]);
    }
    out[i] = values[i].ToString();
  }
  return out;
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Store::Last(
    Column column, std::string_view at_or_before) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(column)));
  if (at_or_before.empty()) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(rocksdb::Slice(at_or_before.data(), at_or_before.size()));
  }
  if (!it->Valid()) {
    if (absl::Status s = FromRocksDB(it->status(), "seeking the last key"); !s.ok()) return s;
    return std::nullopt;
  }
  return std::make_pair(it->key().ToString(), it->value().ToString());
}

absl::Status Store::Scan(Column column, std::string_view begin, std::string_view end,
                         const std::function<bool(std::string_view, std::string_view)>& visit) const {
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(end.data(), end.size());
  if (!end.empty()) options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, Handle(column)));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice v = it->value();
    if (!visit({k.data(), k.size()}, {v.data(), v.size()})) return absl::OkStatus();
  }
  return FromRocksDB(it->status(), std::string("scanning ") + kColumnNames[static_cast<int>(column)]);
}

Store::Cursor::Cursor(std::unique_ptr<rocksdb::Iterator> it, Column column)
    : it_(std::move(it)), column_(column) {}
Store::Cursor::~Cursor() = default;
Store::Cursor::Cursor(Cursor&&) noexcept = default;
Store::Cursor& Store::Cursor::operator=(Cursor&&) noexcept = default;

void Store::Cursor::SeekAtOrAfter(std::string_view key) {
  it_->Seek(rocksdb::Slice(key.data(), key.size()));
}
void Store::Cursor::SeekAtOrBefore(std::string_view key) {
  it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
}
void Store::Cursor::Next() { it_->Next(); }
void Store::Cursor::Prev() { it_->Prev(); }
bool Store::Cursor::Valid() const { return it_->Valid(); }
std::string_view Store::Cursor::key() const {
  const rocksdb::Slice k = it_->key();
  return {k.data(), k.size()};
}
std::string_view Store::Cursor::value() const {
  const rocksdb::Slice v = it_->value();
  return {v.data(), v.size()};
}
absl::Status Store::Cursor::status() const {
  return FromRocksDB(it_->status(),
                     std::string("reading ") + kColumnNames[static_cast<int>(column_)]);
}

Store::Cursor Store::NewCursor(Column column) const {
  return Cursor(std::unique_ptr<rocksdb::Iterator>(
                    db_->NewIterator(rocksdb::ReadOptions(), Handle(column))),
                column);
}

absl::StatusOr<std::vector<Hash>> Store::GetNodes(std::span<const NodeId> nodes) const {
  std::vector<std::string> keys;
  keys.reserve(nodes.size());
  for (const NodeId& node : nodes) keys.push_back(TreeKey(node));
  absl::StatusOr<std::vector<std::optional<std::string>>> values = MultiGet(Column::kTree, keys);
  if (!values.ok()) return values.status();
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::optional<std::string>& value = (*values)[i];
    if (!value || value->size() != kHashSize) {
      return absl::DataLossError("tree hash at level " + std::to_string(nodes[i].level) +
                                 " index " + std::to_string(nodes[i].index) +
                                 (value ? " is not 32 bytes" : " is missing"));
    }
    hashes.push_back(*HashFromBytes(*value));
  }
  return hashes;
}

absl::Status Store::ScanNodes(uint8_t min_level, uint64_t below_leaves,
                             const std::function<bool(const NodeId&, const Hash&)>& visit) const {
  if (min_level >= 64) return absl::OkStatus();
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.readahead_size = 2 << 20;
  const std::string end = EncodeBigEndian64(below_leaves);
  const rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, Handle(Column::kTree)));
  // Only the leaves whose low min_level bits are all ones end a subtree of
  // min_level or more, and a leaf's subtrees are consecutive keys (by
  // level): from one such leaf, seek to the next rather than read the
  // entries between them.
  const uint64_t low_bits = (uint64_t{1} << min_level) - 1;
  const auto seek_at_or_after_leaf = [&](uint64_t leaf) {
    it->Seek(TreeKey({min_level, (leaf | low_bits) >> min_level}));
  };
  if (min_level == 0) {
    it->SeekToFirst();  // every entry is wanted
  } else {
    seek_at_or_after_leaf(0);
  }
  while (it->Valid()) {
    const rocksdb::Slice key = it->key();
    const rocksdb::Slice value = it->value();
    if (key.size() != 9 || value.size() != kHashSize) {
      return absl::DataLossError("malformed tree entry (key of " + std::to_string(key.size()) +
                                 " bytes, value of " + std::to_string(value.size()) + " bytes)");
    }
    const auto level = static_cast<uint8_t>(key[8]);
    const uint64_t last_leaf = DecodeBigEndian64(std::string_view(key.data(), 8));
    if (level < min_level) {
      seek_at_or_after_leaf(last_leaf);  // its own subtree of min_level, or the next leaf's
      continue;
    }
    if (level >= 64 || ((last_leaf + 1) & ((uint64_t{1} << level) - 1)) != 0) {
      return absl::DataLossError("tree entry at leaf " + std::to_string(last_leaf) + " level " +
                                 std::to_string(level) + " is not the end of a perfect subtree");
    }
    const NodeId id{level, ((last_leaf + 1) >> level) - 1};
    if (!visit(id, *HashFromBytes(std::string_view(value.data(), value.size())))) {
      return absl::OkStatus();
    }
    it->Next();
  }
  return FromRocksDB(it->status(), "scanning the tree");
}

uint64_t Store::ApproximateDiskBytes() const {
  uint64_t total = 0;
  for (size_t i = 0; i < handles_.size(); ++i) {
    uint64_t bytes = 0;
    if (db_->GetIntProperty(handles_[i], rocksdb::DB::Properties::kLiveSstFilesSize, &bytes)) {
      total += bytes;
    }
  }
  return total;
}

Store::Health Store::ReadHealth() const {
  Health health;
  uint64_t value = 0;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize, &value)) {
    health.live_sst_bytes = value;
  }
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
    health.memtable_bytes = value;
  }
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
                                    &value)) {
    health.pending_compaction_bytes = value;
  }
  if (db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &value)) {
    health.running_compactions = value;
  }
  if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &value)) {
    health.write_stopped = value != 0;
  }
  std::map<std::string, std::string> db_stats;
  if (db_->GetMapProperty(rocksdb::DB::Properties::kDBStats, &db_stats)) {
    const auto found = db_stats.find("db.user_write_stall_micros");
    if (found != db_stats.end()) {
      absl::SimpleAtoi(found->second, &health.write_stall_micros);
    }
  }
  return health;
}

}  // namespace memoria
