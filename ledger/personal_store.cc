#include "ledger/personal_store.h"

#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "ledger/status.h"
#include "ledger/store.h"
#include "memoria/v1/views.pb.h"

namespace memoria {
namespace {

constexpr char kOpeningsTag = 'o';
constexpr char kTombstoneTag = 'x';

std::string Key(char tag, const Hash& entry_hash) {
  std::string key(1, tag);
  key.append(AsBytes(entry_hash));
  return key;
}

}  // namespace

PersonalStore::PersonalStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
PersonalStore::~PersonalStore() = default;

absl::StatusOr<std::unique_ptr<PersonalStore>> PersonalStore::Open(const std::string& path) {
  RETURN_IF_ERROR(CreatePrivateDirectory(path));
  rocksdb::Options options;
  options.create_if_missing = true;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.paranoid_checks = true;
  options.compression = rocksdb::kNoCompression;
  // Erased values must not linger in archived write-ahead logs.
  options.WAL_ttl_seconds = 0;
  options.WAL_size_limit_MB = 0;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(FromRocksDB(rocksdb::DB::Open(options, path, &db),
                              "opening the personal-data store at " + path));
  return std::unique_ptr<PersonalStore>(new PersonalStore(std::unique_ptr<rocksdb::DB>(db)));
}

absl::Status PersonalStore::Put(
    const Hash& entry_hash,
    const google::protobuf::RepeatedPtrField<v1::PersonalDataOpening>& openings) {
  if (openings.empty()) return absl::OkStatus();
  v1::PersonalData data;
  *data.mutable_openings() = openings;
  std::lock_guard<std::mutex> lock(mu_);
  std::string tombstone;
  const rocksdb::Status found =
      db_->Get(rocksdb::ReadOptions(), Key(kTombstoneTag, entry_hash), &tombstone);
  if (found.ok()) return absl::OkStatus();
  if (!found.IsNotFound()) return FromRocksDB(found, "reading the personal-data store");
  rocksdb::WriteOptions write;
  write.sync = true;
  return FromRocksDB(db_->Put(write, Key(kOpeningsTag, entry_hash), data.SerializeAsString()),
                     "writing the personal-data store");
}

absl::StatusOr<PersonalDataItem> PersonalStore::Get(const Hash& entry_hash) const {
  PersonalDataItem item;
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Key(kOpeningsTag, entry_hash), &value);
  if (status.ok()) {
    v1::PersonalData data;
    if (!data.ParseFromString(value)) {
      return absl::DataLossError("personal data in the store does not parse");
    }
    item.openings.assign(data.openings().begin(), data.openings().end());
    return item;
  }
  if (!status.IsNotFound()) return FromRocksDB(status, "reading the personal-data store");
  status = db_->Get(rocksdb::ReadOptions(), Key(kTombstoneTag, entry_hash), &value);
  if (status.ok()) {
    item.erased = true;
    return item;
  }
  if (!status.IsNotFound()) return FromRocksDB(status, "reading the personal-data store");
  return absl::NotFoundError("no personal data is held for this record");
}

absl::Status PersonalStore::Erase(const Hash& entry_hash) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rocksdb::WriteBatch batch;
    batch.Delete(Key(kOpeningsTag, entry_hash));
    batch.Put(Key(kTombstoneTag, entry_hash), "");
    rocksdb::WriteOptions write;
    write.sync = true;
    RETURN_IF_ERROR(FromRocksDB(db_->Write(write, &batch), "erasing personal data"));
  }
  // Push the deletion through: memtable to a new SST (the old WAL is then
  // dropped), and compaction rewrites the SSTs that still held the value.
  RETURN_IF_ERROR(FromRocksDB(db_->Flush(rocksdb::FlushOptions()), "flushing the erasure"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocksDB(db_->CompactRange(compact, nullptr, nullptr), "compacting the erasure");
}

absl::Status PersonalStore::CreateCheckpoint(const std::string& dir) const {
  return CreateRocksDBCheckpoint(*db_, dir);
}

absl::StatusOr<size_t> PersonalStore::CountOpenings() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  size_t count = 0;
  for (it->Seek(std::string(1, kOpeningsTag)); it->Valid() && it->key()[0] == kOpeningsTag; it->Next()) {
    ++count;
  }
  RETURN_IF_ERROR(FromRocksDB(it->status(), "scanning the personal-data store"));
  return count;
}

}  // namespace memoria
