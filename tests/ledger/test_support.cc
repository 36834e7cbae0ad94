#include "tests/ledger/test_support.h"

#include <stdlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"

namespace memoria::testing {
namespace {

// libsodium must be initialized before any signature.
class CryptoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { InitCrypto(); }
};

[[maybe_unused]] ::testing::Environment* const kCryptoEnvironment =
    ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

[[noreturn]] void DieOnBadConstant(std::string_view what, std::string_view text) {
  std::cerr << "bad " << what << " test constant: " << text << "\n";
  std::abort();
}

}  // namespace

std::string TestDataDir() { return MEMORIA_TESTDATA; }

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Deliberately independent of ledger/encoding.cc, so that a bug there cannot
// hide by corrupting the expected values too.
std::string Unbase64(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) DieOnBadConstant("base64", text);
  std::string out;
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      if (i + 2 < text.size()) DieOnBadConstant("base64", text);
      break;
    }
    const size_t value = kAlphabet.find(text[i]);
    if (value == std::string_view::npos) DieOnBadConstant("base64", text);
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 2]));
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[group & 63] : '=');
  }
  return out;
}

std::string Unhex(std::string_view text) {
  if (text.size() % 2 != 0) DieOnBadConstant("hex", text);
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    DieOnBadConstant("hex", text);
  };
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<char>(digit(text[i]) * 16 + digit(text[i + 1])));
  }
  return out;
}

Hash HashFromHex(std::string_view hex) { return ToHash(Unhex(hex)); }

Hash ToHash(std::string_view bytes) {
  if (bytes.size() != kHashSize) DieOnBadConstant("hash", bytes);
  Hash hash;
  std::memcpy(hash.data(), bytes.data(), kHashSize);
  return hash;
}

}  // namespace memoria::testing
