// ledger/store_check.h: the store checker (memoria-audit verify --data) on a
// real RocksDB directory written by the Log: a clean store, no store at all,
// a stored checkpoint that does not open, and a store shorter than its
// high-water mark.
#include "ledger/store_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/encoding.h"
#include "ledger/log.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "memoria/v1/entry.pb.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::ScopedTempDir;

Signer MustGenerate(const std::string& name) {
  InitCrypto();
  absl::StatusOr<Signer> key = Signer::Generate(name);
  if (!key.ok()) std::abort();
  return *std::move(key);
}

PendingEntry Signed(const Signer& key, const v1::Entry& entry) {
  PendingEntry pending;
  pending.writer_key_id = key.key_id();
  pending.entry = entry.SerializeAsString();
  pending.writer_signature = key.Sign(EntrySignedMessage(pending.entry));
  return pending;
}

// A data directory as memoria-server lays it out (db/, high-water-mark)
// holding a valid log: genesis, a writer registered, `generic` entries.
class StoreCheckTest : public ::testing::Test {
 protected:
  StoreCheckTest()
      : log_key_(MustGenerate("store-check.test/log")),
        admin_(MustGenerate("admin")),
        writer_(MustGenerate("svc-posts")) {}

  std::string db() const { return dir_.path() + "/db"; }
  std::string mark() const { return dir_.path() + "/" + std::string(kHighWaterMarkFile); }

  void Write(int generic) {
    absl::StatusOr<std::unique_ptr<Log>> log =
        Log::Open({.path = db(), .high_water_mark_path = mark()}, log_key_);
    ASSERT_TRUE(log.ok()) << log.status();
    v1::Entry genesis;
    genesis.set_writer(log_key_.name());
    genesis.set_request_id("genesis");
    genesis.mutable_genesis()->set_admin_vkey(admin_.verifier().ToString());
    v1::Entry registration;
    registration.set_writer(admin_.name());
    registration.set_request_id("register");
    registration.mutable_writer_registered()->set_vkey(writer_.verifier().ToString());
    std::vector<PendingEntry> batch = {Signed(log_key_, genesis), Signed(admin_, registration)};
    for (int i = 0; i < generic; ++i) {
      v1::Entry entry;
      entry.set_writer(writer_.name());
      entry.set_request_id("req-" + std::to_string(i));
      entry.mutable_generic()->set_type("post.published");
      batch.push_back(Signed(writer_, entry));
    }
    ASSERT_TRUE((*log)->Append(batch).ok());
    size_ = batch.size();
  }

  Signer log_key_;
  Signer admin_;
  Signer writer_;
  ScopedTempDir dir_;
  uint64_t size_ = 0;
};

TEST_F(StoreCheckTest, ACleanStoreVerifiesAndItsRecordsReachTheAuditor) {
  Write(5);
  LogAuditor auditor(log_key_.verifier(), {.threads = 0});
  uint64_t before = 0;
  uint64_t after = 0;
  StoreCheckHooks hooks;
  hooks.before_records = [&](LogAuditor&, const TrustedCheckpoint& latest) {
    before = latest.checkpoint.size;
  };
  hooks.after_record = [&](LogAuditor&) { ++after; };
  // The data directory, or its db/ directory.
  absl::StatusOr<StoreCheck> check = CheckStore(dir_.path(), auditor, hooks);
  ASSERT_TRUE(check.ok()) << check.status();
  AuditReport report = auditor.Finish();
  for (const AuditFinding& finding : report.findings) ADD_FAILURE() << FindingText(finding);
  EXPECT_EQ(report.records, size_);
  ASSERT_TRUE(check->checkpoint.has_value());
  EXPECT_EQ(check->checkpoint->size, size_);
  EXPECT_EQ(std::filesystem::path(check->path).filename(), "db");
  EXPECT_EQ(before, size_);
  EXPECT_EQ(after, size_);

  LogAuditor again(log_key_.verifier(), {.threads = 0});
  ASSERT_TRUE(CheckStore(db(), again).ok());
  EXPECT_TRUE(again.Finish().ok());
}

TEST_F(StoreCheckTest, NoStoreIsNotFound) {
  LogAuditor auditor(log_key_.verifier(), {.threads = 0});
  EXPECT_EQ(CheckStore(dir_.path(), auditor).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreCheckTest, AStoredCheckpointThatDoesNotOpenIsAFinding) {
  Write(3);
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = db()});
    ASSERT_TRUE(store.ok()) << store.status();
    Store::Batch batch = (*store)->NewBatch();
    batch.Put(Column::kCheckpoints, EncodeBigEndian64(size_), "not a signed note\n");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  LogAuditor auditor(log_key_.verifier(), {.threads = 0});
  absl::StatusOr<StoreCheck> check = CheckStore(dir_.path(), auditor);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_FALSE(check->checkpoint.has_value());  // none to trust
  AuditReport report = auditor.Finish();
  bool found = false;
  for (const AuditFinding& finding : report.findings) {
    found |= finding.kind == FindingKind::kCheckpoint && finding.index == size_;
  }
  EXPECT_TRUE(found) << (report.findings.empty() ? "" : FindingText(report.findings[0]));
}

TEST_F(StoreCheckTest, AStoreShorterThanItsHighWaterMarkIsARollback) {
  Write(3);
  const std::string saved_mark = dir_.path() + "/saved-mark";
  std::filesystem::copy_file(mark(), saved_mark);
  std::filesystem::remove(mark());
  std::filesystem::remove_all(db());
  Write(0);  // a new, shorter store with the old mark put back
  std::filesystem::copy_file(saved_mark, mark(), std::filesystem::copy_options::overwrite_existing);
  LogAuditor auditor(log_key_.verifier(), {.threads = 0});
  ASSERT_TRUE(CheckStore(dir_.path(), auditor).ok());
  AuditReport report = auditor.Finish();
  bool rollback = false;
  for (const AuditFinding& finding : report.findings) rollback |= finding.kind == FindingKind::kRollback;
  EXPECT_TRUE(rollback);
}

}  // namespace
}  // namespace memoria
