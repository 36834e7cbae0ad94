// Base64 (RFC 4648 standard alphabet, padded, strict), lowercase hex and the
// big-endian integer encodings.
#include "ledger/encoding.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace memoria {
namespace {

using namespace std::string_view_literals;

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> kRfc4648Base64 = {
    {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const auto& [bytes, text] : kRfc4648Base64) {
    EXPECT_EQ(Base64Encode(bytes), text) << "bytes: " << bytes;
  }
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  for (const auto& [bytes, text] : kRfc4648Base64) {
    absl::StatusOr<std::string> decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Test, UsesStandardAlphabetWithPlusAndSlash) {
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf"sv), "+/+/");
  absl::StatusOr<std::string> decoded = Base64Decode("+/+/");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "\xfb\xff\xbf"sv);
}

TEST(Base64Test, RoundTripsEveryByteValueAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= bytes.size(); ++length) {
    const std::string_view prefix = std::string_view(bytes).substr(0, length);
    const std::string text = Base64Encode(prefix);
    EXPECT_EQ(text.size(), (length + 2) / 3 * 4);
    absl::StatusOr<std::string> decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, prefix);
  }
}

TEST(Base64Test, MissingPaddingIsRejected) {
  for (std::string_view text : {"Zg"sv, "Zg="sv, "Zm8"sv, "Zm9vYg"sv, "Zm9vYmE"sv}) {
    EXPECT_EQ(Base64Decode(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(Base64Test, ExcessPaddingIsRejected) {
  for (std::string_view text : {"Zg==="sv, "Zg====="sv, "===="sv, "Zm9v===="sv, "Z==="sv}) {
    EXPECT_EQ(Base64Decode(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(Base64Test, PaddingInTheMiddleIsRejected) {
  for (std::string_view text : {"Zg==Zm9v"sv, "Zm8=Zm9v"sv, "Z=9v"sv}) {
    EXPECT_EQ(Base64Decode(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(Base64Test, WhitespaceIsRejected) {
  for (std::string_view text :
       {" Zm9v"sv, "Zm9v "sv, "Zm9v\n"sv, "Zm\n9v"sv, "Zm9v\r\n"sv, "Zm 9vYmFy"sv, "\tZm9v"sv}) {
    EXPECT_EQ(Base64Decode(text).status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
}

TEST(Base64Test, CharactersOutsideTheStandardAlphabetAreRejected) {
  for (std::string_view text :
       {"Zm9v!A=="sv, "-_-_"sv, "Zm9_"sv, "Zm9-"sv, "Zm9\0"sv, "Zm.v"sv, "Zm9v\x7f==="sv}) {
    EXPECT_EQ(Base64Decode(text).status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
}

// Bytes >= 0x80 are not base64 characters either (libsodium 1.0.18's decoder
// reads them as '/'-like digits, so a wrapper must check for them itself).
TEST(Base64Test, NonAsciiBytesAreRejected) {
  for (std::string_view text : {"Zm9\x80"sv, "Zm8\xff"sv, "Zm9v\x80\x80\x80\x80"sv,
                                "\xc3\xa9\xc3\xa9"sv, "Zg\xbf\xbf"sv}) {
    absl::StatusOr<std::string> decoded = Base64Decode(text);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << HexEncode(text) << " decoded to " << (decoded.ok() ? HexEncode(*decoded) : "");
  }
}

TEST(HexTest, EncodesLowercase) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode("\x00\x01\xab\xcd\xef\xff"sv), "0001abcdefff");
}

TEST(HexTest, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string text = HexEncode(bytes);
  EXPECT_EQ(text.size(), 512u);
  absl::StatusOr<std::string> decoded = HexDecode(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, bytes);
}

TEST(HexTest, EmptyTextDecodesToNothing) {
  absl::StatusOr<std::string> decoded = HexDecode("");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "");
}

TEST(HexTest, OddLengthIsRejected) {
  for (std::string_view text : {"0"sv, "abc"sv, "c74f20a"sv}) {
    EXPECT_EQ(HexDecode(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(HexTest, NonHexCharactersAreRejected) {
  for (std::string_view text : {"0g"sv, "zz"sv, "c74f20a "sv, " c74f20a"sv, "0x12"sv, "12:34"sv,
                                "-1"sv, "\0\0"sv, "ab\ncd"sv}) {
    EXPECT_EQ(HexDecode(text).status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
}

TEST(BigEndianTest, Encodes64BitMostSignificantByteFirst) {
  EXPECT_EQ(EncodeBigEndian64(0x0102030405060708), "\x01\x02\x03\x04\x05\x06\x07\x08"sv);
  EXPECT_EQ(EncodeBigEndian64(0), std::string(8, '\0'));
  EXPECT_EQ(EncodeBigEndian64(UINT64_MAX), std::string(8, '\xff'));
}

TEST(BigEndianTest, Encodes32BitMostSignificantByteFirst) {
  EXPECT_EQ(EncodeBigEndian32(0xc74f20a3), "\xc7\x4f\x20\xa3"sv);
  EXPECT_EQ(EncodeBigEndian32(0), std::string(4, '\0'));
}

TEST(BigEndianTest, RoundTrips) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256},
                         uint64_t{0x8000000000000000}, uint64_t{0x0123456789abcdef}, UINT64_MAX}) {
    EXPECT_EQ(DecodeBigEndian64(EncodeBigEndian64(value)), value);
  }
  for (uint32_t value : {uint32_t{0}, uint32_t{1}, uint32_t{0x530d903a}, UINT32_MAX}) {
    EXPECT_EQ(DecodeBigEndian32(EncodeBigEndian32(value)), value);
  }
}

TEST(BigEndianTest, ByteOrderIsNumericOrder) {
  const std::vector<uint64_t> values = {0, 1, 255, 256, 65535, 65536, uint64_t{1} << 32,
                                        (uint64_t{1} << 56) - 1, uint64_t{1} << 56, UINT64_MAX};
  for (size_t i = 1; i < values.size(); ++i) {
    EXPECT_LT(EncodeBigEndian64(values[i - 1]), EncodeBigEndian64(values[i]))
        << values[i - 1] << " vs " << values[i];
  }
}

}  // namespace
}  // namespace memoria
