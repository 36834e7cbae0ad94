// Fuzz-style robustness: random and mutated inputs fed to every parser of
// untrusted text must never crash, and must never let a forgery through.
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/keys.h"
#include "ledger/note.h"
#include "ledger/record.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::kVector1Note;
using ::memoria::testing::kVector1Skey;
using ::memoria::testing::kVector1Text;
using ::memoria::testing::kVector1Vkey;

constexpr int kIterations = 10000;

// Collects inputs that break a property and reports a few of them once, so a
// systematic failure does not print thousands of lines.
class Violations {
 public:
  explicit Violations(std::string property) : property_(std::move(property)) {}
  ~Violations() {
    EXPECT_EQ(count_, 0) << count_ << " inputs violate: " << property_ << "; for example\n"
                         << examples_;
  }
  void Add(std::string_view input, std::string_view detail) {
    if (++count_ <= 5) {
      examples_ += "  input " + HexEncode(input) + " (" + std::string(detail) + ")\n";
    }
  }

 private:
  std::string property_;
  int count_ = 0;
  std::string examples_;
};

// `key` with the 8 characters after its `plus`-th '+' lowercased: Go's
// note package (strconv.ParseUint) also reads the key ID case-insensitively.
std::string LowercaseKeyId(std::string key, int plus) {
  size_t pos = std::string::npos;
  for (int i = 0; i < plus; ++i) {
    pos = key.find('+', pos == std::string::npos ? 0 : pos + 1);
    if (pos == std::string::npos) return key;
  }
  for (size_t i = pos + 1; i < key.size() && i <= pos + 8; ++i) {
    if (key[i] >= 'A' && key[i] <= 'F') key[i] = static_cast<char>(key[i] - 'A' + 'a');
  }
  return key;
}

// Fragments that make random input look like the formats, so the parsers get
// past their first checks.
const std::vector<std::string> kFragments = {
    "\n", "\n\n", "\xe2\x80\x94 ", "\xe2\x80\x94", " ", "+", "=", "==", "PeterNeumann",
    "c74f20a3", "PRIVATE+KEY+", "A", "/", "0", "1", "18446744073709551615", "\xff", "\x80", "\0",
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
    "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "\x08\x01", "\x12\x20", "\x32\x40", "\x25\xa3\x20\x4f\xc7"};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::string RandomBytes(size_t max_length) {
    std::string out(Below(max_length + 1), '\0');
    for (char& c : out) c = static_cast<char>(Below(256));
    return out;
  }

  std::string RandomTokens(size_t max_tokens) {
    std::string out;
    const size_t count = Below(max_tokens + 1);
    for (size_t i = 0; i < count; ++i) {
      if (Below(4) == 0) {
        out.push_back(static_cast<char>(Below(256)));
      } else {
        const std::string& fragment = kFragments[Below(kFragments.size())];
        out += fragment.empty() ? std::string(1, '\0') : fragment;
      }
    }
    return out;
  }

  // Flips, inserts, deletes or duplicates a few bytes of `text`.
  std::string Mutate(std::string text) {
    const size_t edits = 1 + Below(4);
    for (size_t e = 0; e < edits; ++e) {
      const size_t op = Below(4);
      const size_t pos = text.empty() ? 0 : Below(text.size());
      if (op == 0 && !text.empty()) {
        text[pos] = static_cast<char>(text[pos] ^ (1 << Below(8)));
      } else if (op == 1) {
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos),
                     static_cast<char>(Below(256)));
      } else if (op == 2 && !text.empty()) {
        text.erase(pos, 1 + Below(4));
      } else if (!text.empty()) {
        text.insert(pos, text.substr(pos, 1 + Below(8)));
      }
    }
    return text;
  }

  // One of the three kinds of input, at random.
  std::string Input(std::string_view valid) {
    switch (Below(3)) {
      case 0:
        return RandomBytes(300);
      case 1:
        return RandomTokens(24);
      default:
        return Mutate(std::string(valid));
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(ParserFuzzTest, OpenNoteNeverCrashesOrAcceptsAnotherText) {
  absl::StatusOr<Verifier> verifier = Verifier::Parse(kVector1Vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const std::vector<Verifier> known = {*verifier};
  Generator gen(1);
  int accepted = 0;
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input(kVector1Note);
    absl::StatusOr<OpenedNote> opened = OpenNote(input, known);
    if (opened.ok()) {
      ++accepted;
      // Only PeterNeumann's key is known and it signed exactly this text.
      EXPECT_EQ(opened->text, kVector1Text) << "forged note accepted: " << HexEncode(input);
      EXPECT_FALSE(opened->verified.empty());
    } else {
      EXPECT_TRUE(opened.status().code() == absl::StatusCode::kInvalidArgument ||
                  opened.status().code() == absl::StatusCode::kPermissionDenied)
          << opened.status();
    }
  }
  RecordProperty("accepted", accepted);
}

TEST(ParserFuzzTest, VerifierParseNeverCrashesAndRoundTrips) {
  Generator gen(2);
  Violations violations("a parsed vkey prints as its input");
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input(kVector1Vkey);
    absl::StatusOr<Verifier> verifier = Verifier::Parse(input);
    if (verifier.ok()) {
      // Whatever parses is in canonical form (but for the key ID's case).
      if (verifier->ToString() != LowercaseKeyId(input, 1)) {
        violations.Add(input, verifier->ToString());
      }
    } else {
      EXPECT_EQ(verifier.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParserFuzzTest, SignerParseNeverCrashesAndRoundTrips) {
  Generator gen(3);
  Violations violations("a parsed signer key prints as its input");
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input(kVector1Skey);
    absl::StatusOr<Signer> signer = Signer::Parse(input);
    if (signer.ok()) {
      if (signer->ToString() != LowercaseKeyId(input, 3)) violations.Add(input, "");
    } else {
      EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParserFuzzTest, ParseCheckpointBodyNeverCrashesAndRoundTrips) {
  const std::string valid = "example.com/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
  Generator gen(4);
  Violations violations("a parsed checkpoint body prints as its input");
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input(valid);
    absl::StatusOr<Checkpoint> checkpoint = ParseCheckpointBody(input);
    if (checkpoint.ok()) {
      // The body format has one spelling per checkpoint.
      if (checkpoint->Body() != input) violations.Add(input, "");
    } else {
      EXPECT_EQ(checkpoint.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParserFuzzTest, DecodeRecordNeverCrashes) {
  v1::Record record;
  record.set_index(42);
  record.set_prev_leaf_hash(std::string(32, 'p'));
  record.set_integration_time_micros(1700000000000000);
  record.set_writer_key_id(0xc74f20a3);
  record.set_entry("an entry");
  record.set_writer_signature(std::string(64, 's'));
  const std::string valid = EncodeRecord(record);
  Generator gen(5);
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input(valid);
    absl::StatusOr<v1::Record> decoded = DecodeRecord(input);
    if (decoded.ok()) {
      EXPECT_EQ(decoded->prev_leaf_hash().size(), 32u);
      EXPECT_EQ(decoded->writer_signature().size(), 64u);
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParserFuzzTest, DecodersNeverCrashAndRoundTrip) {
  Generator gen(6);
  Violations violations("decoded base64 encodes back to its input");
  for (int i = 0; i < kIterations; ++i) {
    const std::string input = gen.Input("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
    absl::StatusOr<std::string> base64 = Base64Decode(input);
    if (base64.ok() && Base64Encode(*base64) != input) violations.Add(input, "");
    absl::StatusOr<std::string> hex = HexDecode(input);
    if (hex.ok()) {
      EXPECT_EQ(hex->size() * 2, input.size());
    }
  }
}

}  // namespace
}  // namespace memoria
