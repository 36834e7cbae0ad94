// RFC 6962 hashing: leaf and node domain separation, the empty root, and the
// 32-byte conversion.
#include "ledger/hash.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::HashFromHex;
using ::memoria::testing::Unhex;

TEST(HashTest, Sha256MatchesFips180Vectors) {
  EXPECT_EQ(Sha256(""),
            HashFromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_EQ(Sha256("abc"),
            HashFromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST(HashTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(EmptyRoot(),
            HashFromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(HashTest, LeafHashPrefixesZeroByte) {
  // RFC 6962 test vector: the leaf hash of the empty leaf.
  EXPECT_EQ(LeafHash(""),
            HashFromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  EXPECT_EQ(LeafHash("abc"), Sha256(std::string("\0abc", 4)));
}

TEST(HashTest, NodeHashPrefixesOneByte) {
  const Hash left = LeafHash("");
  const Hash right = LeafHash(Unhex("00"));
  EXPECT_EQ(NodeHash(left, right),
            HashFromHex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"));
  EXPECT_EQ(NodeHash(left, right),
            Sha256("\x01" + std::string(AsBytes(left)) + std::string(AsBytes(right))));
  EXPECT_NE(NodeHash(left, right), NodeHash(right, left));
}

TEST(HashTest, LeafAndNodeHashesAreDomainSeparated) {
  const Hash a = LeafHash("a");
  const Hash b = LeafHash("b");
  // A leaf whose bytes are the concatenation of two hashes must not collide
  // with the node over them.
  EXPECT_NE(LeafHash(std::string(AsBytes(a)) + std::string(AsBytes(b))), NodeHash(a, b));
}

TEST(HashTest, AsBytesViewsTheThirtyTwoBytes) {
  const Hash hash = Sha256("abc");
  const std::string_view bytes = AsBytes(hash);
  ASSERT_EQ(bytes.size(), kHashSize);
  EXPECT_EQ(static_cast<const void*>(bytes.data()), static_cast<const void*>(hash.data()));
}

TEST(HashTest, HashFromBytesRoundTrips) {
  const Hash hash = Sha256("abc");
  absl::StatusOr<Hash> parsed = HashFromBytes(AsBytes(hash));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, hash);
}

TEST(HashTest, HashFromBytesRejectsWrongLengths) {
  for (size_t length : {0u, 1u, 31u, 33u, 64u}) {
    EXPECT_EQ(HashFromBytes(std::string(length, 'x')).status().code(),
              absl::StatusCode::kInvalidArgument)
        << length;
  }
}

}  // namespace
}  // namespace memoria
