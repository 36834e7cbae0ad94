// A receipt is believed only for the entry that was sent: LedgerClient against
// a dishonest server (tests/client/dishonest_ledger.h) that answers appends
// with genuine receipts of other records, and against an honest one.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/entry_signer.h"
#include "client/errors.h"
#include "client/ledger_client.h"
#include "client/receipt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hash.h"
#include "ledger/record.h"
#include "tests/client/client_test_util.h"
#include "tests/client/dishonest_ledger.h"

namespace memoria::client {
namespace {

using ::memoria::client::testing::DishonestLedger;
using ::memoria::client::testing::MustClient;
using ::memoria::client::testing::MustReadKey;
using ::memoria::client::testing::MustStart;
using ::memoria::client::testing::Server;
using ::memoria::client::testing::TempDir;
using ::memoria::client::testing::TestServerConfig;
using ::testing::HasSubstr;

v1::SignedEntry Must(absl::StatusOr<v1::SignedEntry> entry) {
  EXPECT_TRUE(entry.ok()) << entry.status();
  return entry.ok() ? *std::move(entry) : v1::SignedEntry();
}

class ReceiptBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    server_ = MustStart(TestServerConfig(data_dir_));
    ASSERT_NE(server_, nullptr);
    honest_ = MustClient(server_->port(), server_->log_verifier());
    const Signer admin = MustReadKey(data_dir_ + "/keys/admin.key");
    Signer writer = server::testing::NewWriterKey("svc-posts");
    ASSERT_TRUE(honest_
                    ->Append(Must(EntrySigner(admin).RegisterWriter(writer.verifier().ToString(),
                                                                    "posts")))
                    .ok());
    writer_ = std::make_unique<EntrySigner>(std::move(writer));
    decoy_ = Post("decoy");
    absl::StatusOr<v1::Receipt> decoy = honest_->Append(decoy_);
    ASSERT_TRUE(decoy.ok()) << decoy.status();
    decoy_index_ = decoy->index();
  }

  v1::SignedEntry Post(const std::string& request_id) {
    return Must(writer_->Generic("post.published", {{"url", "https://x/" + request_id}}, request_id));
  }

  // A client that pins the log key and talks to `proxy`.
  std::unique_ptr<LedgerClient> Through(const DishonestLedger& proxy) {
    return MustClient(proxy.port(), server_->log_verifier());
  }

  TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<LedgerClient> honest_;
  std::unique_ptr<EntrySigner> writer_;
  v1::SignedEntry decoy_;
  uint64_t decoy_index_ = 0;
};

TEST_F(ReceiptBindingTest, HonestReceiptsCarryTheLeafAndVerifyForTheirEntry) {
  const v1::SignedEntry entry = Post("honest-1");
  absl::StatusOr<v1::Receipt> receipt = honest_->Append(entry);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_FALSE(receipt->leaf().empty());
  EXPECT_EQ(std::string(AsBytes(LeafHash(receipt->leaf()))), receipt->leaf_hash());
  absl::StatusOr<v1::Record> record = DecodeRecord(receipt->leaf());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->entry(), entry.entry());
  EXPECT_EQ(record->index(), receipt->index());
  EXPECT_TRUE(VerifyReceiptFor(*receipt, entry, server_->log_verifier()).ok());

  // A retry is answered with the original receipt, leaf included, and verifies.
  absl::StatusOr<v1::Receipt> again = honest_->Append(entry);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate());
  EXPECT_EQ(again->leaf(), receipt->leaf());

  // A batch, with a retry of an entry already in the log and one in the same batch.
  const v1::SignedEntry fresh = Post("honest-2");
  std::vector<v1::SignedEntry> batch = {fresh, entry, fresh};
  absl::StatusOr<std::vector<v1::Receipt>> receipts = honest_->AppendBatch(batch);
  ASSERT_TRUE(receipts.ok()) << receipts.status();
  ASSERT_EQ(receipts->size(), 3u);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_TRUE(VerifyReceiptFor((*receipts)[i], batch[i], server_->log_verifier()).ok()) << i;
  }
  // The same receipt is not the receipt of another entry.
  absl::Status other = VerifyReceiptFor(*receipt, fresh, server_->log_verifier()).status();
  EXPECT_TRUE(IsVerificationFailure(other)) << other;
  EXPECT_THAT(other.message(), HasSubstr("receipt is for another entry"));
}

TEST_F(ReceiptBindingTest, AppendRefusesAGenuineReceiptOfAnotherRecord) {
  DishonestLedger proxy(server_->port(), decoy_index_, DishonestLedger::Lie::kOtherRecord);
  const uint64_t size_before = server_->stats().tree_size;
  absl::StatusOr<v1::Receipt> receipt = Through(proxy)->Append(Post("never-appended"));
  ASSERT_FALSE(receipt.ok()) << "believed the receipt of record " << receipt->index();
  EXPECT_TRUE(IsVerificationFailure(receipt.status())) << receipt.status();
  EXPECT_THAT(receipt.status().message(), HasSubstr("receipt is for another entry"));
  EXPECT_THAT(receipt.status().message(), HasSubstr(absl::StrCat("record ", decoy_index_)));
  EXPECT_EQ(server_->stats().tree_size, size_before);
}

TEST_F(ReceiptBindingTest, AppendRefusesARetryAnsweredAsADuplicateOfAnotherRecord) {
  DishonestLedger proxy(server_->port(), decoy_index_, DishonestLedger::Lie::kRetryAnsweredWithOther);
  absl::StatusOr<v1::Receipt> receipt = Through(proxy)->Append(Post("retried"));
  EXPECT_EQ(proxy.appends(), 2);
  ASSERT_FALSE(receipt.ok()) << "believed the receipt of record " << receipt->index();
  EXPECT_TRUE(IsVerificationFailure(receipt.status())) << receipt.status();
  EXPECT_THAT(receipt.status().message(), HasSubstr("receipt is for another entry"));
}

TEST_F(ReceiptBindingTest, AppendRefusesAReceiptWithoutItsLeaf) {
  DishonestLedger proxy(server_->port(), decoy_index_, DishonestLedger::Lie::kLeafStripped);
  absl::StatusOr<v1::Receipt> receipt = Through(proxy)->Append(Post("stripped"));
  ASSERT_FALSE(receipt.ok());
  EXPECT_TRUE(IsVerificationFailure(receipt.status())) << receipt.status();
  EXPECT_THAT(receipt.status().message(), HasSubstr("no leaf"));
}

TEST_F(ReceiptBindingTest, AppendBatchChecksReceiptIAgainstEntryI) {
  DishonestLedger proxy(server_->port(), decoy_index_, DishonestLedger::Lie::kReceiptsReversed);
  std::vector<v1::SignedEntry> batch = {Post("batch-1"), Post("batch-2"), Post("batch-3")};
  absl::StatusOr<std::vector<v1::Receipt>> receipts = Through(proxy)->AppendBatch(batch);
  ASSERT_FALSE(receipts.ok());
  EXPECT_TRUE(IsVerificationFailure(receipts.status())) << receipts.status();
  EXPECT_THAT(receipts.status().message(), HasSubstr("receipt is for another entry"));
  EXPECT_THAT(receipts.status().message(), HasSubstr("entry 0"));
}

TEST_F(ReceiptBindingTest, AppendBatchRefusesAMissingReceipt) {
  DishonestLedger proxy(server_->port(), decoy_index_, DishonestLedger::Lie::kReceiptMissing);
  std::vector<v1::SignedEntry> batch = {Post("short-1"), Post("short-2")};
  absl::StatusOr<std::vector<v1::Receipt>> receipts = Through(proxy)->AppendBatch(batch);
  ASSERT_FALSE(receipts.ok());
  EXPECT_TRUE(IsVerificationFailure(receipts.status())) << receipts.status();
  EXPECT_THAT(receipts.status().message(), HasSubstr("1 receipts for 2 entries"));
}

}  // namespace
}  // namespace memoria::client
