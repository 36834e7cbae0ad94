// Records: decoding stored bytes, and the checks that chain them together.
#include "ledger/record.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hash.h"

namespace memoria {
namespace {

using namespace std::string_view_literals;
using ::testing::HasSubstr;

const Hash kZeroHash{};

v1::Record ValidRecord(uint64_t index, const Hash& prev_leaf_hash, int64_t time_micros) {
  v1::Record record;
  record.set_index(index);
  record.set_prev_leaf_hash(std::string(AsBytes(prev_leaf_hash)));
  record.set_integration_time_micros(time_micros);
  record.set_writer_key_id(0xc74f20a3);
  record.set_entry("entry " + std::to_string(index));
  record.set_writer_signature(std::string(64, 's'));
  return record;
}

TEST(EntrySignedMessageTest, IsPrefixThenEntry) {
  EXPECT_EQ(kEntrySignaturePrefix, "memoria/entry/v1\n");
  EXPECT_EQ(EntrySignedMessage("abc"), "memoria/entry/v1\nabc");
  EXPECT_EQ(EntrySignedMessage(""), "memoria/entry/v1\n");
  EXPECT_EQ(EntrySignedMessage("\0x"sv), "memoria/entry/v1\n\0x"sv);
}

TEST(RecordCodecTest, EncodeThenDecodeRoundTrips) {
  const v1::Record record = ValidRecord(7, LeafHash("previous"), 1700000000000000);
  const std::string bytes = EncodeRecord(record);
  absl::StatusOr<v1::Record> decoded = DecodeRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->index(), 7u);
  EXPECT_EQ(decoded->prev_leaf_hash(), AsBytes(LeafHash("previous")));
  EXPECT_EQ(decoded->integration_time_micros(), 1700000000000000);
  EXPECT_EQ(decoded->writer_key_id(), 0xc74f20a3u);
  EXPECT_EQ(decoded->entry(), "entry 7");
  EXPECT_EQ(decoded->writer_signature(), std::string(64, 's'));
  EXPECT_EQ(EncodeRecord(*decoded), bytes);
}

TEST(RecordCodecTest, EncodingIsDeterministic) {
  const v1::Record record = ValidRecord(1, LeafHash("x"), 5);
  EXPECT_EQ(EncodeRecord(record), EncodeRecord(record));
  v1::Record copy = record;
  EXPECT_EQ(EncodeRecord(copy), EncodeRecord(record));
}

TEST(RecordCodecTest, GarbageBytesAreInvalidArgument) {
  for (std::string_view bytes : {"\xff\xff\xff\xff"sv, "\x0a\xff\x01"sv, "\x08"sv, "\x0f"sv,
                                 "not a protobuf at all"sv, "\x12\x20short"sv}) {
    EXPECT_EQ(DecodeRecord(bytes).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(RecordCodecTest, EmptyBytesAreInvalidArgument) {
  // A record with every field at its default has no 32-byte prev hash.
  EXPECT_EQ(DecodeRecord("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RecordCodecTest, WrongLengthPrevHashIsInvalidArgument) {
  for (size_t length : {0u, 1u, 31u, 33u, 64u}) {
    v1::Record record = ValidRecord(3, LeafHash("p"), 1);
    record.set_prev_leaf_hash(std::string(length, 'h'));
    const absl::Status status = DecodeRecord(EncodeRecord(record)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << length;
  }
}

TEST(RecordCodecTest, WrongLengthSignatureIsInvalidArgument) {
  for (size_t length : {0u, 1u, 63u, 65u, 128u}) {
    v1::Record record = ValidRecord(3, LeafHash("p"), 1);
    record.set_writer_signature(std::string(length, 's'));
    const absl::Status status = DecodeRecord(EncodeRecord(record)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << length;
  }
}

TEST(RecordCodecTest, EmptyEntryIsAccepted) {
  v1::Record record = ValidRecord(0, kZeroHash, 1);
  record.clear_entry();
  EXPECT_TRUE(DecodeRecord(EncodeRecord(record)).ok());
}

// ---- Chain links -----------------------------------------------------------------

TEST(ChainLinkTest, FirstRecordLinksToZeroHash) {
  EXPECT_TRUE(CheckChainLink(ValidRecord(0, kZeroHash, 100), 0, kZeroHash, 0).ok());
  // For index 0 the previous time is "any".
  EXPECT_TRUE(CheckChainLink(ValidRecord(0, kZeroHash, 100), 0, kZeroHash, 999999).ok());
}

TEST(ChainLinkTest, ValidSuccessorIsAccepted) {
  const Hash prev = LeafHash("record 4");
  EXPECT_TRUE(CheckChainLink(ValidRecord(5, prev, 200), 5, prev, 100).ok());
}

TEST(ChainLinkTest, EqualTimeIsAccepted) {
  const Hash prev = LeafHash("record 4");
  EXPECT_TRUE(CheckChainLink(ValidRecord(5, prev, 100), 5, prev, 100).ok());
}

TEST(ChainLinkTest, WrongIndexIsDataLoss) {
  const Hash prev = LeafHash("record 4");
  for (uint64_t index : {uint64_t{4}, uint64_t{6}, uint64_t{0}, UINT64_MAX}) {
    const absl::Status status = CheckChainLink(ValidRecord(index, prev, 200), 5, prev, 100);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << index;
    EXPECT_THAT(std::string(status.message()), HasSubstr("5")) << "names the index: " << status;
  }
}

TEST(ChainLinkTest, WrongPrevHashIsDataLoss) {
  const Hash prev = LeafHash("record 4");
  Hash wrong = prev;
  wrong[31] ^= 1;
  EXPECT_EQ(CheckChainLink(ValidRecord(5, wrong, 200), 5, prev, 100).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckChainLink(ValidRecord(5, kZeroHash, 200), 5, prev, 100).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckChainLink(ValidRecord(0, prev, 200), 0, kZeroHash, 0).code(),
            absl::StatusCode::kDataLoss);
}

TEST(ChainLinkTest, ShortPrevHashIsDataLossNotACrash) {
  const Hash prev = LeafHash("record 4");
  v1::Record record = ValidRecord(5, prev, 200);
  record.set_prev_leaf_hash(std::string(AsBytes(prev)).substr(0, 16));
  EXPECT_EQ(CheckChainLink(record, 5, prev, 100).code(), absl::StatusCode::kDataLoss);
}

TEST(ChainLinkTest, DecreasingTimeIsDataLoss) {
  const Hash prev = LeafHash("record 4");
  EXPECT_EQ(CheckChainLink(ValidRecord(5, prev, 99), 5, prev, 100).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckChainLink(ValidRecord(5, prev, -1), 5, prev, 0).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckChainLink(ValidRecord(5, prev, INT64_MIN), 5, prev, INT64_MAX).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace memoria
