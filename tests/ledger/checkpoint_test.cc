// C2SP tlog-checkpoint bodies, and checkpoints signed as notes.
#include "ledger/checkpoint.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/note.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::Base64;
using ::memoria::testing::HashFromHex;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The root of the 8-leaf tree of testdata/rfc6962/README.md.
const Hash kRoot8 = HashFromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
constexpr std::string_view kRoot8Base64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";

Signer NewSigner(std::string_view name) {
  absl::StatusOr<Signer> signer = Signer::Generate(name);
  EXPECT_TRUE(signer.ok()) << signer.status();
  if (!signer.ok()) std::abort();
  return *std::move(signer);
}

// OpenNote with a braced list of known keys.
absl::StatusOr<OpenedNote> Open(std::string_view note, const std::vector<Verifier>& known) {
  return OpenNote(note, known);
}

absl::StatusCode ParseCode(std::string_view body) { return ParseCheckpointBody(body).status().code(); }

TEST(CheckpointBodyTest, FormatIsOriginSizeAndBase64Root) {
  const Checkpoint checkpoint{.origin = "example.com/log", .size = 8, .root = kRoot8};
  EXPECT_EQ(checkpoint.Body(), "example.com/log\n8\n" + std::string(kRoot8Base64) + "\n");
  EXPECT_EQ(std::string(kRoot8Base64), Base64(AsBytes(kRoot8)));
}

TEST(CheckpointBodyTest, EmptyTreeHasSizeZeroAndEmptyRoot) {
  const Checkpoint checkpoint{.origin = "o", .size = 0, .root = EmptyRoot()};
  EXPECT_EQ(checkpoint.Body(), "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointBody(checkpoint.Body());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, checkpoint);
}

TEST(CheckpointBodyTest, LargestSizeRoundTrips) {
  const Checkpoint checkpoint{.origin = "o", .size = UINT64_MAX, .root = kRoot8};
  EXPECT_EQ(checkpoint.Body(),
            "o\n18446744073709551615\n" + std::string(kRoot8Base64) + "\n");
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointBody(checkpoint.Body());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size, UINT64_MAX);
}

TEST(CheckpointBodyTest, ParseRoundTrips) {
  const std::string body = "example.com/log\n1234567\n" + std::string(kRoot8Base64) + "\n";
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointBody(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->origin, "example.com/log");
  EXPECT_EQ(parsed->size, 1234567u);
  EXPECT_EQ(parsed->root, kRoot8);
  EXPECT_THAT(parsed->extensions, IsEmpty());
  EXPECT_EQ(parsed->Body(), body);
}

TEST(CheckpointBodyTest, ExtensionLinesArePreserved) {
  const std::string body = "example.com/log\n8\n" + std::string(kRoot8Base64) +
                           "\n— not a signature\nkey: value\nlast\n";
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointBody(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->extensions, ElementsAre("— not a signature", "key: value", "last"));
  EXPECT_EQ(parsed->Body(), body);

  const Checkpoint with_extensions{
      .origin = "o", .size = 1, .root = kRoot8, .extensions = {"a", "b c"}};
  EXPECT_EQ(with_extensions.Body(), "o\n1\n" + std::string(kRoot8Base64) + "\na\nb c\n");
}

TEST(CheckpointBodyTest, SizeWithLeadingZeroIsInvalidArgument) {
  for (std::string_view size : {"01", "00", "007"}) {
    EXPECT_EQ(ParseCode("o\n" + std::string(size) + "\n" + std::string(kRoot8Base64) + "\n"),
              absl::StatusCode::kInvalidArgument)
        << size;
  }
}

TEST(CheckpointBodyTest, SizeThatIsNotPlainDecimalIsInvalidArgument) {
  for (std::string_view size : {"-1", "+1", "", " 1", "1 ", "0x10", "1e3", "1.0", "abc", "８",
                                "18446744073709551616", "99999999999999999999"}) {
    EXPECT_EQ(ParseCode("o\n" + std::string(size) + "\n" + std::string(kRoot8Base64) + "\n"),
              absl::StatusCode::kInvalidArgument)
        << "\"" << size << "\"";
  }
}

TEST(CheckpointBodyTest, MissingLinesAreInvalidArgument) {
  const std::string root(kRoot8Base64);
  for (const std::string& body : {
           std::string(),
           std::string("o\n"),
           std::string("o\n8\n"),
           "o\n8\n" + root,   // no final newline
           "o\n" + root + "\n",
           "8\n" + root + "\n",
           "o\n\n" + root + "\n",
       }) {
    EXPECT_EQ(ParseCode(body), absl::StatusCode::kInvalidArgument) << body;
  }
}

TEST(CheckpointBodyTest, EmptyOriginIsInvalidArgument) {
  EXPECT_EQ(ParseCode("\n8\n" + std::string(kRoot8Base64) + "\n"),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointBodyTest, BadBase64RootIsInvalidArgument) {
  std::string bad_char(kRoot8Base64);
  bad_char[3] = '*';
  for (const std::string& root : {
           std::string(kRoot8Base64.substr(0, kRoot8Base64.size() - 1)),  // missing padding
           bad_char,
           " " + std::string(kRoot8Base64),
           std::string(kRoot8Base64) + " ",
       }) {
    EXPECT_EQ(ParseCode("o\n8\n" + root + "\n"), absl::StatusCode::kInvalidArgument) << root;
  }
}

TEST(CheckpointBodyTest, NonAsciiByteInRootBase64IsInvalidArgument) {
  std::string root(kRoot8Base64);
  root[root.find('/')] = '\x80';  // a decoder that reads it as '/' yields the same root
  EXPECT_EQ(ParseCode("o\n8\n" + root + "\n"), absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointBodyTest, RootOfWrongLengthIsInvalidArgument) {
  const std::string root(AsBytes(kRoot8));
  for (const std::string& bytes : {root.substr(0, 31), root + "x", std::string(), root + root}) {
    EXPECT_EQ(ParseCode("o\n8\n" + Base64(bytes) + "\n"), absl::StatusCode::kInvalidArgument)
        << bytes.size();
  }
}

// ---- Signed checkpoints ----------------------------------------------------------

TEST(SignedCheckpointTest, SignAndOpenRoundTrip) {
  const Signer log_key = NewSigner("example.com/log");
  const Checkpoint checkpoint{.origin = "example.com/log", .size = 8, .root = kRoot8};
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_TRUE(note->starts_with(checkpoint.Body() + "\n"));

  // It is a plain signed note over the body.
  absl::StatusOr<OpenedNote> opened = Open(*note, {log_key.verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, checkpoint.Body());

  absl::StatusOr<Checkpoint> parsed = OpenCheckpoint(*note, log_key.verifier());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, checkpoint);
}

TEST(SignedCheckpointTest, ExtensionsSurviveSigning) {
  const Signer log_key = NewSigner("log");
  const Checkpoint checkpoint{.origin = "log", .size = 3, .root = kRoot8, .extensions = {"ext"}};
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key);
  ASSERT_TRUE(note.ok()) << note.status();
  absl::StatusOr<Checkpoint> parsed = OpenCheckpoint(*note, log_key.verifier());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, checkpoint);
}

TEST(SignedCheckpointTest, SignedByAnotherKeyIsPermissionDenied) {
  const Signer log_key = NewSigner("example.com/log");
  const Signer other_key = NewSigner("example.com/log");  // same name, another key
  const Checkpoint checkpoint{.origin = "example.com/log", .size = 8, .root = kRoot8};
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, other_key);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(OpenCheckpoint(*note, log_key.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(SignedCheckpointTest, TamperedSizeIsPermissionDenied) {
  const Signer log_key = NewSigner("log");
  const Checkpoint checkpoint{.origin = "log", .size = 8, .root = kRoot8};
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, log_key);
  ASSERT_TRUE(note.ok()) << note.status();
  std::string tampered = *note;
  tampered[4] = '9';  // "log\n8\n" -> "log\n9\n"
  EXPECT_EQ(OpenCheckpoint(tampered, log_key.verifier()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(SignedCheckpointTest, OriginOtherThanKeyNameIsInvalidArgument) {
  const Signer log_key = NewSigner("example.com/log");
  const Checkpoint checkpoint{.origin = "example.com/other", .size = 8, .root = kRoot8};
  const Signer* const signers[] = {&log_key};
  absl::StatusOr<std::string> note = SignNote(checkpoint.Body(), signers);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(OpenCheckpoint(*note, log_key.verifier()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SignedCheckpointTest, SignedMalformedBodyIsInvalidArgument) {
  const Signer log_key = NewSigner("log");
  const Signer* const signers[] = {&log_key};
  absl::StatusOr<std::string> note = SignNote("log\n08\n" + std::string(kRoot8Base64) + "\n", signers);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(OpenCheckpoint(*note, log_key.verifier()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria
