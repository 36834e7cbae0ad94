// PersonalStore: the erasable store of citizens' personal data — the values
// and salts (PersonalDataOpening) of the commitments in policy events. It is
// its own RocksDB instance (memoria-server: <data-dir>/personal), apart from
// the log's store, which never deletes anything.
//
//   ASSIGN_OR_RETURN(auto store, PersonalStore::Open("data/personal"));
//   RETURN_IF_ERROR(store->Put(Sha256(entry_bytes), openings));  // synced
//   ASSIGN_OR_RETURN(PersonalDataItem item, store->Get(Sha256(entry_bytes)));
//   RETURN_IF_ERROR(store->Erase(Sha256(entry_bytes)));  // synced, compacted
//
// Keys are the SHA-256 of the entry bytes the commitments are in: known before
// the entry is sequenced and recomputable from the record, so no index of the
// log is needed to file them. Erase deletes the openings, leaves a tombstone
// (no personal data) so that a retried append of the same entry cannot bring
// them back, and then flushes and compacts the store so that the values
// leave the data files and the write-ahead log, not only the live view.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "memoria/v1/policy.pb.h"

namespace rocksdb {
class DB;
}

namespace memoria {

struct PersonalDataItem {
  std::vector<v1::PersonalDataOpening> openings;  // empty once erased
  bool erased = false;
};

class PersonalStore {
 public:
  // Opens (creating if missing) the store at `path`. UNAVAILABLE on I/O
  // errors, DATA_LOSS on corruption.
  static absl::StatusOr<std::unique_ptr<PersonalStore>> Open(const std::string& path);
  ~PersonalStore();

  // Stores the openings of the entry with SHA-256 `entry_hash`, synced.
  // Returns OK and stores nothing if they were erased (a tombstone) or if
  // `openings` is empty; overwrites earlier identical openings (a retry).
  absl::Status Put(const Hash& entry_hash,
                   const google::protobuf::RepeatedPtrField<v1::PersonalDataOpening>& openings);
  // NOT_FOUND if nothing was ever stored or erased for the entry.
  absl::StatusOr<PersonalDataItem> Get(const Hash& entry_hash) const;
  // Deletes the openings and writes a tombstone (synced), then compacts.
  // Idempotent: erasing again, or erasing what was never stored, is OK and
  // pushes the deletion through again (a retried erasure after a crash).
  absl::Status Erase(const Hash& entry_hash);
  // A consistent copy of the store in `dir` while it is in use (see
  // Store::CreateCheckpoint: hard links on the same file system). Erased
  // openings are not in it: Erase compacts them out of the table files first.
  absl::Status CreateCheckpoint(const std::string& dir) const;
  // Number of entries whose openings are held (tests, metrics).
  absl::StatusOr<size_t> CountOpenings() const;

 private:
  explicit PersonalStore(std::unique_ptr<rocksdb::DB> db);

  std::mutex mu_;  // orders Put against Erase (tombstone check, then write)
  const std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace memoria
