// ledger/verify/receipt.h: both saved forms of a receipt (JSON, tlog-proof
// text), their verification, and the checks that tie a receipt to an entry.
#include "ledger/verify/receipt.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/encoding.h"
#include "ledger/record.h"
#include "ledger/sha256.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::memoria::testing::MustGenerate;
using ::testing::HasSubstr;

TEST(TlogProofTest, FormatsAndParsesTheC2spText) {
  TlogProof proof;
  proof.index = 73894;
  proof.extra = std::string("leaf bytes");
  proof.hashes = {Sha256("a"), Sha256("b")};
  proof.checkpoint = "example.com/log\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n— x y\n";
  const std::string text = FormatTlogProof(proof);
  EXPECT_EQ(text.substr(0, text.find('\n')), "c2sp.org/tlog-proof@v1");
  EXPECT_THAT(text, HasSubstr("\nindex 73894\n"));
  EXPECT_THAT(text, HasSubstr("\n\nexample.com/log\n109482\n"));
  absl::StatusOr<TlogProof> parsed = ParseTlogProof(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->index, proof.index);
  EXPECT_EQ(parsed->extra, proof.extra);
  EXPECT_EQ(parsed->hashes, proof.hashes);
  EXPECT_EQ(parsed->checkpoint, proof.checkpoint);
}

TEST(TlogProofTest, RejectsMalformedText) {
  EXPECT_FALSE(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 1\n").ok());  // no checkpoint
  EXPECT_FALSE(ParseTlogProof("c2sp.org/tlog-proof@v2\nindex 1\n\nx\n").ok());
  EXPECT_FALSE(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n").ok());
  EXPECT_FALSE(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 1\nnot-base64\n\nx\n").ok());
}

TEST(ReceiptTest, ReceiptJsonVerifiesAndAnotherKeyDoesNot) {
  BuiltLog log;
  log.AddGeneric(20);
  std::string hashes;
  for (const Hash& hash : log.Proof(7)) {
    hashes += (hashes.empty() ? "\"" : ",\"") + Base64Encode(AsBytes(hash)) + "\"";
  }
  std::string note_json;
  for (const char c : log.Checkpoint()) note_json += c == '\n' ? std::string("\\n") : std::string(1, c);
  const std::string json = "{\"index\":7,\"leaf_hash\":\"" +
                           Base64Encode(AsBytes(LeafHash(log.leaves()[7]))) +
                           "\",\"tree_size\":" + std::to_string(log.size()) + ",\"hashes\":[" +
                           hashes + "],\"checkpoint\":\"" + note_json + "\"}";
  absl::StatusOr<Receipt> receipt = ParseReceiptJson(json);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_TRUE(VerifyReceipt(*receipt, log.log_key().verifier()).ok());
  EXPECT_FALSE(VerifyReceipt(*receipt, MustGenerate("audit.test/log").verifier()).ok());
  receipt->index = 8;
  EXPECT_EQ(VerifyReceipt(*receipt, log.log_key().verifier()).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_FALSE(ParseReceiptJson("{\"index\":7}").ok());
}

TEST(ReceiptTest, ServerReceiptRoundTripsThroughBothForms) {
  BuiltLog log;
  log.AddGeneric(20);
  v1::Receipt sent;
  sent.set_index(7);
  sent.set_leaf_hash(std::string(AsBytes(LeafHash(log.leaves()[7]))));
  sent.set_tree_size(log.size());
  for (const Hash& hash : log.Proof(7)) sent.add_inclusion_proof(std::string(AsBytes(hash)));
  sent.set_checkpoint(log.Checkpoint());
  sent.set_leaf(log.leaves()[7]);
  const Verifier log_key = log.log_key().verifier();

  const std::string json = FormatReceiptJson(sent);
  EXPECT_EQ(json.rfind("{\"index\":7,\"leaf_hash\":\"", 0), 0u) << json;
  EXPECT_THAT(json, HasSubstr(",\"duplicate\":false,\"leaf\":\""));
  for (const std::string& text : {json, FormatTlogProof(TlogProofFromReceipt(sent))}) {
    absl::StatusOr<Receipt> parsed = ParseSavedReceipt(text, log_key);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    EXPECT_TRUE(VerifyReceipt(*parsed, log_key).ok()) << text;
    EXPECT_EQ(parsed->leaf, sent.leaf());
  }
  absl::StatusOr<Receipt> offline = ReceiptFromProto(sent);
  ASSERT_TRUE(offline.ok());
  EXPECT_TRUE(VerifyReceipt(*offline, log_key).ok());
  sent.set_leaf_hash("short");
  EXPECT_EQ(ReceiptFromProto(sent).status().code(), absl::StatusCode::kInvalidArgument);
}

// The tlog-proof text of record 7 of `log`, with its leaf as `extra`.
std::string TlogTextOf(BuiltLog& log, uint64_t index) {
  TlogProof proof;
  proof.index = index;
  proof.extra = log.leaves()[index];
  proof.hashes = log.Proof(index);
  proof.checkpoint = log.Checkpoint();
  return FormatTlogProof(proof);
}

TEST(ReceiptTest, SavedTlogProofTextVerifiesAndNamesItsRecord) {
  BuiltLog log;
  log.AddGeneric(20);
  const Verifier log_key = log.log_key().verifier();
  absl::StatusOr<Receipt> receipt = ParseSavedReceipt(TlogTextOf(log, 7), log_key);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->tree_size, log.size());
  EXPECT_EQ(receipt->leaf_hash, LeafHash(log.leaves()[7]));
  ASSERT_TRUE(VerifyReceipt(*receipt, log_key).ok());
  absl::StatusOr<v1::Record> record = ReceiptRecord(*receipt);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->index(), 7u);

  // Under another log key its tree size is unknown and it does not verify.
  absl::StatusOr<Receipt> other = ParseSavedReceipt(TlogTextOf(log, 7), MustGenerate("x/log").verifier());
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->tree_size, 0u);
  EXPECT_FALSE(VerifyReceipt(*other, MustGenerate("x/log").verifier()).ok());
}

TEST(ReceiptTest, ReceiptRecordRefusesNoLeafAWrongHashAndAnotherIndex) {
  BuiltLog log;
  log.AddGeneric(20);
  absl::StatusOr<Receipt> receipt = ParseSavedReceipt(TlogTextOf(log, 7), log.log_key().verifier());
  ASSERT_TRUE(receipt.ok());

  Receipt no_leaf = *receipt;
  no_leaf.leaf.reset();
  EXPECT_EQ(ReceiptRecord(no_leaf).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ReceiptRecord(no_leaf).status().message(), HasSubstr("carries no leaf"));

  Receipt wrong_hash = *receipt;
  wrong_hash.leaf_hash = Sha256("another");
  EXPECT_EQ(ReceiptRecord(wrong_hash).status().code(), absl::StatusCode::kDataLoss);

  // A genuine record 8 claimed as record 7.
  Receipt moved = *receipt;
  moved.leaf = log.leaves()[8];
  moved.leaf_hash = LeafHash(log.leaves()[8]);
  absl::Status status = ReceiptRecord(moved).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("receipt is for another entry: record 7 was claimed"));
}

TEST(ReceiptTest, ExpectedEntryChecksTheWriterAndTheRequestId) {
  BuiltLog log;
  log.AddGeneric(20);
  absl::StatusOr<v1::Record> record = DecodeRecord(log.leaves()[7]);
  ASSERT_TRUE(record.ok());
  const std::optional<Verifier> writer = log.writer().verifier();
  EXPECT_TRUE(CheckExpectedEntry(7, *record, writer, "req-7").ok());
  EXPECT_TRUE(CheckExpectedEntry(7, *record, std::nullopt, "").ok());

  absl::Status other_writer = CheckExpectedEntry(7, *record, log.admin().verifier(), "");
  EXPECT_EQ(other_writer.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(other_writer.message(), HasSubstr("not an entry signed by"));
  absl::Status other_request = CheckExpectedEntry(7, *record, writer, "req-8");
  EXPECT_THAT(other_request.message(), HasSubstr("not request id \"req-8\""));

  // The entry sent must be exactly the record's.
  v1::SignedEntry sent;
  sent.set_entry(record->entry());
  sent.set_signature(record->writer_signature());
  sent.set_key_id(record->writer_key_id());
  EXPECT_TRUE(CheckReceiptHolds(7, *record, sent).ok());
  sent.set_key_id(record->writer_key_id() + 1);
  absl::Status holds = CheckReceiptHolds(7, *record, sent);
  EXPECT_EQ(holds.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(holds.message(), HasSubstr("(writer key ID differ)"));
}

}  // namespace
}  // namespace memoria
