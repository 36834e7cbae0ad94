// Sha256Hasher (libcrypto): FIPS 180-4 vectors, incremental hashing at every
// split point, copies that continue independently, and agreement with
// libsodium's independent implementation over every length up to 1,100 bytes.
#include "ledger/sha256.h"

#include <sodium.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::HashFromHex;

Hash OneShot(std::string_view data) {
  Sha256Hasher hasher;
  hasher.Update(data);
  return std::move(hasher).Final();
}

Hash Libsodium(std::string_view data) {
  Hash out;
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

TEST(Sha256HasherTest, MatchesFips180Vectors) {
  EXPECT_EQ(OneShot(""),
            HashFromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_EQ(OneShot("abc"),
            HashFromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(OneShot("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            HashFromHex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  EXPECT_EQ(OneShot(std::string(1'000'000, 'a')),
            HashFromHex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

TEST(Sha256HasherTest, IncrementalEqualsOneShotAtEverySplit) {
  const std::string data(200, 'x');
  const Hash expected = OneShot(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    Sha256Hasher hasher;
    hasher.Update(std::string_view(data).substr(0, split));
    hasher.Update(std::string_view(data).substr(split));
    EXPECT_EQ(std::move(hasher).Final(), expected) << "split at " << split;
  }
}

TEST(Sha256HasherTest, CopiesContinueIndependently) {
  Sha256Hasher prefix;
  prefix.Update("common prefix, longer than one 64-byte block of SHA-256 input...........");
  Sha256Hasher copy = prefix;
  Sha256Hasher assigned;
  assigned.Update("overwritten");
  assigned = prefix;
  prefix.Update("one");
  copy.Update("two");
  assigned.Update("three");
  const std::string base = "common prefix, longer than one 64-byte block of SHA-256 input...........";
  EXPECT_EQ(std::move(prefix).Final(), OneShot(base + "one"));
  EXPECT_EQ(std::move(copy).Final(), OneShot(base + "two"));
  EXPECT_EQ(std::move(assigned).Final(), OneShot(base + "three"));
}

TEST(Sha256HasherTest, SpentHashersAbortInsteadOfHashingGarbage) {
  Sha256Hasher moved_from;
  Sha256Hasher taker = std::move(moved_from);
  Sha256Hasher copy_of_spent = moved_from;  // copying a spent hasher is allowed
  EXPECT_DEATH(copy_of_spent.Update("x"), "after Final\\(\\) or a move");
  EXPECT_DEATH((void)std::move(moved_from).Final(), "after Final\\(\\) or a move");
  EXPECT_EQ(std::move(taker).Final(), OneShot(""));
  EXPECT_DEATH(taker.Update("x"), "after Final\\(\\) or a move");
}

TEST(Sha256HasherTest, AgreesWithLibsodiumAtEveryLength) {
  std::mt19937 rng(6962);
  std::string data;
  for (size_t length = 0; length <= 1100; ++length) {
    EXPECT_EQ(OneShot(data), Libsodium(data)) << "length " << length;
    data.push_back(static_cast<char>(rng()));
  }
}

}  // namespace
}  // namespace memoria
