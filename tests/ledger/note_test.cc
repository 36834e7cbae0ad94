// C2SP signed notes: the published vectors byte for byte, and every way a note
// can be tampered with or malformed.
#include "ledger/note.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/encoding.h"
#include "ledger/keys.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using namespace std::string_view_literals;

using ::memoria::testing::Base64;
using ::memoria::testing::kSignatureLinePrefix;
using ::memoria::testing::kVector1Note;
using ::memoria::testing::kVector1Skey;
using ::memoria::testing::kVector1Text;
using ::memoria::testing::kVector1Vkey;
using ::memoria::testing::kVector2Note;
using ::memoria::testing::kVector2Text;
using ::memoria::testing::kVector2Vkey;
using ::memoria::testing::Unbase64;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// OpenNote with a braced list of known keys.
absl::StatusOr<OpenedNote> Open(std::string_view note, const std::vector<Verifier>& known) {
  return OpenNote(note, known);
}

Signer Vector1Signer() {
  absl::StatusOr<Signer> signer = Signer::Parse(kVector1Skey);
  EXPECT_TRUE(signer.ok()) << signer.status();
  if (!signer.ok()) std::abort();
  return *std::move(signer);
}

Verifier ParseVerifier(std::string_view vkey) {
  absl::StatusOr<Verifier> verifier = Verifier::Parse(vkey);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  if (!verifier.ok()) std::abort();
  return *std::move(verifier);
}

Signer NewSigner(std::string_view name) {
  absl::StatusOr<Signer> signer = Signer::Generate(name);
  EXPECT_TRUE(signer.ok()) << signer.status();
  if (!signer.ok()) std::abort();
  return *std::move(signer);
}

std::string BigEndian32(uint32_t value) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, value >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(value);
  return out;
}

// "— name base64(key ID || signature)\n", built here rather than by SignNote.
std::string SignatureLine(std::string_view name, uint32_t key_id, std::string_view signature) {
  return std::string(kSignatureLinePrefix) + std::string(name) + " " +
         Base64(BigEndian32(key_id) + std::string(signature)) + "\n";
}

std::string SignatureLine(const Signer& signer, std::string_view text) {
  return SignatureLine(signer.name(), signer.key_id(), signer.Sign(text));
}

// A note assembled by hand, so that an invalid text still carries a valid
// signature and only the text is at fault.
std::string HandSignedNote(std::string_view text, const Signer& signer) {
  return std::string(text) + "\n" + SignatureLine(signer, text);
}

absl::StatusCode OpenCode(std::string_view note, const std::vector<Verifier>& known) {
  return Open(note, known).status().code();
}

// ---- The vectors ---------------------------------------------------------------

TEST(SignNoteTest, ReproducesVector1ByteForByte) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  absl::StatusOr<std::string> note = SignNote(kVector1Text, signers);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, kVector1Note);
}

TEST(OpenNoteTest, VerifiesVector1) {
  absl::StatusOr<OpenedNote> opened = Open(kVector1Note, {ParseVerifier(kVector1Vkey)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, kVector1Text);
  ASSERT_THAT(opened->verified, SizeIs(1));
  EXPECT_EQ(opened->verified[0].name, "PeterNeumann");
  EXPECT_EQ(opened->verified[0].key_id, 0xc74f20a3u);
  EXPECT_EQ(opened->verified[0].signature,
            Unbase64("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")
                .substr(4));
  EXPECT_THAT(opened->unverified, IsEmpty());
}

TEST(OpenNoteTest, VerifiesVector2) {
  absl::StatusOr<OpenedNote> opened = Open(kVector2Note, {ParseVerifier(kVector2Vkey)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, kVector2Text);
  ASSERT_THAT(opened->verified, SizeIs(1));
  EXPECT_EQ(opened->verified[0].name, "example.com/foo");
  EXPECT_EQ(opened->verified[0].key_id, 0x530d903au);
  EXPECT_THAT(opened->verified[0].signature, SizeIs(64));
  EXPECT_THAT(opened->unverified, IsEmpty());
}

TEST(OpenNoteTest, ExtraKnownKeysThatDidNotSignAreFine) {
  absl::StatusOr<OpenedNote> opened =
      Open(kVector1Note, {ParseVerifier(kVector2Vkey), ParseVerifier(kVector1Vkey)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_THAT(opened->verified, SizeIs(1));
}

TEST(SignNoteTest, SignsWithEachSignerInOrder) {
  const Signer a = NewSigner("a.example");
  const Signer b = NewSigner("b.example");
  const Signer* const signers[] = {&a, &b};
  const std::string text = "line one\nline two\n";
  absl::StatusOr<std::string> note = SignNote(text, signers);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, text + "\n" + SignatureLine(a, text) + SignatureLine(b, text));

  absl::StatusOr<OpenedNote> opened = Open(*note, {b.verifier(), a.verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_THAT(opened->verified, SizeIs(2));
}

TEST(SignNoteTest, NoSignerIsInvalidArgument) {
  EXPECT_EQ(SignNote("text\n", {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SignNoteTest, AcceptsMultibyteUtf8) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  const std::string text = "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9d\x84\x9e\n";  // café ☃ 𝄞
  absl::StatusOr<std::string> note = SignNote(text, signers);
  ASSERT_TRUE(note.ok()) << note.status();
  absl::StatusOr<OpenedNote> opened = Open(*note, {signer.verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, text);
}

// The spec: "The note text MAY contain empty lines; the text is separated
// from the signatures by the last empty line in the note."
TEST(SignNoteTest, TextWithEmptyLinesSignsAndOpensWithTheSameText) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  for (const std::string text : {"\n", "a\n\nb\n", "a\n\n", "\n\n\nz\n"}) {
    absl::StatusOr<std::string> note = SignNote(text, signers);
    ASSERT_TRUE(note.ok()) << note.status();
    absl::StatusOr<OpenedNote> opened = Open(*note, {signer.verifier()});
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->text, text);
  }
}

// ---- Tampering -----------------------------------------------------------------

TEST(OpenNoteTest, FlippedTextByteIsPermissionDenied) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  for (size_t i : {size_t{0}, size_t{10}, kVector1Text.size() - 2}) {
    std::string note(kVector1Note);
    note[i] ^= 0x01;  // letters and '.' stay printable ASCII
    EXPECT_EQ(OpenCode(note, known), absl::StatusCode::kPermissionDenied) << i;
  }
}

TEST(OpenNoteTest, AddedOrRemovedTextLineIsPermissionDenied) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  EXPECT_EQ(OpenCode("extra line\n" + std::string(kVector1Note), known),
            absl::StatusCode::kPermissionDenied);
  const size_t first_line = kVector1Note.find('\n') + 1;
  EXPECT_EQ(OpenCode(kVector1Note.substr(first_line), known),
            absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, FlippedSignatureByteIsPermissionDenied) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  const std::string payload =
      Unbase64("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
  for (size_t i : {4u, 5u, 35u, 36u, 67u}) {  // signature bytes; 0-3 are the key ID
    std::string tampered = payload;
    tampered[i] ^= 0x40;
    const std::string note = std::string(kVector1Text) + "\n" + std::string(kSignatureLinePrefix) +
                             "PeterNeumann " + Base64(tampered) + "\n";
    EXPECT_EQ(OpenCode(note, known), absl::StatusCode::kPermissionDenied) << i;
  }
}

TEST(OpenNoteTest, SignatureOfAnotherTextIsPermissionDenied) {
  const Signer signer = Vector1Signer();
  const std::string note =
      std::string(kVector1Text) + "\n" + SignatureLine(signer, "some other text\n");
  EXPECT_EQ(OpenCode(note, {signer.verifier()}), absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, SignatureCoversTheTextNotTheBlankLine) {
  const Signer signer = Vector1Signer();
  const std::string text(kVector1Text);
  const std::string note = text + "\n" + SignatureLine(signer, text + "\n");
  EXPECT_EQ(OpenCode(note, {signer.verifier()}), absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, OnlyUnknownKeysIsPermissionDenied) {
  EXPECT_EQ(OpenCode(kVector1Note, {ParseVerifier(kVector2Vkey)}),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenCode(kVector1Note, {}), absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, SameNameButAnotherKeyIsUnknown) {
  const Signer impostor = NewSigner("PeterNeumann");
  EXPECT_EQ(OpenCode(kVector1Note, {impostor.verifier()}), absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, SameKeyIdButAnotherNameIsUnknown) {
  const Signer signer = Vector1Signer();
  const std::string note = std::string(kVector1Text) + "\n" +
                           SignatureLine("PeterNeumanN", signer.key_id(), signer.Sign(kVector1Text));
  EXPECT_EQ(OpenCode(note, {signer.verifier()}), absl::StatusCode::kPermissionDenied);
}

TEST(OpenNoteTest, UnknownSignaturesAreIgnoredWhenAKnownKeyVerifies) {
  const Signer known = Vector1Signer();
  const Signer stranger = NewSigner("stranger.example");
  const std::string text(kVector1Text);
  // A stranger's valid signature, a garbage one, and one by a different key
  // under the known name; then the known key's.
  const std::string note = text + "\n" + SignatureLine(stranger, text) +
                           SignatureLine("garbage.example", 0x01020304, std::string(64, 'g')) +
                           SignatureLine("PeterNeumann", 0xc74f20a4, std::string(64, 'x')) +
                           SignatureLine(known, text);
  absl::StatusOr<OpenedNote> opened = Open(note, {known.verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, text);
  ASSERT_THAT(opened->verified, SizeIs(1));
  EXPECT_EQ(opened->verified[0].key_id, known.key_id());
  ASSERT_THAT(opened->unverified, SizeIs(3));
  EXPECT_EQ(opened->unverified[0].name, "stranger.example");
  EXPECT_EQ(opened->unverified[0].key_id, stranger.key_id());
  EXPECT_EQ(opened->unverified[1].name, "garbage.example");
  EXPECT_EQ(opened->unverified[1].key_id, 0x01020304u);
  EXPECT_EQ(opened->unverified[2].key_id, 0xc74f20a4u);
}

TEST(OpenNoteTest, FailingKnownSignatureRejectsEvenIfAnotherKnownKeyVerifies) {
  const Signer a = NewSigner("a.example");
  const Signer b = NewSigner("b.example");
  const std::string text = "checkpoint\n";
  std::string bad_signature = b.Sign(text);
  bad_signature[10] ^= 0x01;
  const std::string note = text + "\n" + SignatureLine(a, text) +
                           SignatureLine(b.name(), b.key_id(), bad_signature);
  EXPECT_EQ(OpenCode(note, {a.verifier(), b.verifier()}), absl::StatusCode::kPermissionDenied);
  // Without b in the known set, b's line is just an unknown signature.
  EXPECT_TRUE(Open(note, {a.verifier()}).ok());
}

// ---- Signature line counts -----------------------------------------------------

TEST(OpenNoteTest, SixteenSignersAreAccepted) {
  std::vector<Signer> signers;
  for (int i = 0; i < 16; ++i) signers.push_back(NewSigner("witness" + std::to_string(i)));
  std::vector<const Signer*> pointers;
  std::vector<Verifier> verifiers;
  for (const Signer& signer : signers) {
    pointers.push_back(&signer);
    verifiers.push_back(signer.verifier());
  }
  absl::StatusOr<std::string> note = SignNote("sixteen\n", pointers);
  ASSERT_TRUE(note.ok()) << note.status();
  absl::StatusOr<OpenedNote> opened = Open(*note, verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_THAT(opened->verified, SizeIs(16));
  // And with only the last one known, the 15 others are ignored.
  opened = Open(*note, {verifiers.back()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_THAT(opened->verified, SizeIs(1));
  EXPECT_THAT(opened->unverified, SizeIs(15));
}

// `count` signature lines: count - 1 unknown ones, then the known key's.
std::string NoteWithSignatureLines(const Signer& known, size_t count) {
  const std::string text = "many signatures\n";
  std::string note = text + "\n";
  for (size_t i = 0; i + 1 < count; ++i) {
    note += SignatureLine("other" + std::to_string(i), static_cast<uint32_t>(i), std::string(64, 's'));
  }
  return note + SignatureLine(known, text);
}

TEST(OpenNoteTest, HundredSignatureLinesAreAccepted) {
  const Signer known = Vector1Signer();
  absl::StatusOr<OpenedNote> opened =
      Open(NoteWithSignatureLines(known, kMaxNoteSignatures), {known.verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_THAT(opened->verified, SizeIs(1));
  EXPECT_THAT(opened->unverified, SizeIs(kMaxNoteSignatures - 1));
}

TEST(OpenNoteTest, MoreThanHundredSignatureLinesAreInvalidArgument) {
  const Signer known = Vector1Signer();
  for (size_t count : {kMaxNoteSignatures + 1, size_t{1000}}) {
    EXPECT_EQ(OpenCode(NoteWithSignatureLines(known, count), {known.verifier()}),
              absl::StatusCode::kInvalidArgument)
        << count;
  }
}

// ---- Malformed texts -----------------------------------------------------------

TEST(NoteTextTest, ControlCharactersAreInvalidArgument) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  for (std::string_view text : {"tab\there\n"sv, "cr\r\n"sv, "nul\0x\n"sv, "bell\x07\n"sv,
                                "esc\x1b[0m\n"sv, "\x01\n"sv, "\x1f\n"sv}) {
    EXPECT_EQ(ValidateNoteText(text).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(SignNote(text, signers).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(OpenCode(HandSignedNote(text, signer), {signer.verifier()}),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(NoteTextTest, DeleteCharacterIsInvalidArgument) {
  const Signer signer = Vector1Signer();
  const std::string text = "del\x7f\n";
  EXPECT_EQ(ValidateNoteText(text).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenCode(HandSignedNote(text, signer), {signer.verifier()}),
            absl::StatusCode::kInvalidArgument);
}

TEST(NoteTextTest, InvalidUtf8IsInvalidArgument) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  for (std::string_view text : {
           "\xff\n",              // never valid
           "\x80\n",              // lone continuation byte
           "caf\xc3\n",           // truncated sequence
           "\xe2\x80\n",          // truncated three-byte sequence
           "\xc0\xaf\n",          // overlong '/'
           "\xe0\x80\xaf\n",      // overlong '/'
           "\xed\xa0\x80\n",      // UTF-16 surrogate
           "\xf4\x90\x80\x80\n",  // above U+10FFFF
       }) {
    EXPECT_EQ(ValidateNoteText(text).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(SignNote(text, signers).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(OpenCode(HandSignedNote(text, signer), {signer.verifier()}),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(NoteTextTest, TextMustEndInNewline) {
  const Signer signer = Vector1Signer();
  const Signer* const signers[] = {&signer};
  for (std::string_view text : {"", "no newline", "two\nlines"}) {
    EXPECT_EQ(ValidateNoteText(text).code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(SignNote(text, signers).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_TRUE(ValidateNoteText("one line\n").ok());
}

// ---- Malformed notes -----------------------------------------------------------

TEST(OpenNoteTest, MissingFinalNewlineIsInvalidArgument) {
  const std::string_view note = kVector1Note.substr(0, kVector1Note.size() - 1);
  EXPECT_EQ(OpenCode(note, {ParseVerifier(kVector1Vkey)}), absl::StatusCode::kInvalidArgument);
}

TEST(OpenNoteTest, MissingBlankLineIsInvalidArgument) {
  const Signer signer = Vector1Signer();
  const std::string note = std::string(kVector1Text) + SignatureLine(signer, kVector1Text);
  EXPECT_EQ(OpenCode(note, {signer.verifier()}), absl::StatusCode::kInvalidArgument);
}

TEST(OpenNoteTest, NoSignatureLinesIsInvalidArgument) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  EXPECT_EQ(OpenCode(std::string(kVector1Text) + "\n", known), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenCode(kVector1Text, known), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenCode("", known), absl::StatusCode::kInvalidArgument);
}

TEST(OpenNoteTest, MalformedSignatureLinesAreInvalidArgument) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  const std::string text(kVector1Text);
  const std::string b64 =
      "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  const std::string dash(kSignatureLinePrefix);
  for (const std::string& line : {
           "- PeterNeumann " + b64 + "\n",                    // ASCII hyphen
           "-- PeterNeumann " + b64 + "\n",
           "\xe2\x80\x93 PeterNeumann " + b64 + "\n",         // en dash
           "\xe2\x80\x94PeterNeumann " + b64 + "\n",          // no space after the dash
           dash + "PeterNeumann\n",                           // no signature
           dash + "PeterNeumann \n",
           dash + " " + b64 + "\n",                           // no name
           dash + "PeterNeumann  " + b64 + "\n",              // two spaces
           dash + "PeterNeumann " + b64 + " \n",              // trailing space
           dash + "PeterNeumann " + b64 + " extra\n",
           dash + "Peter Neumann " + b64 + "\n",
           dash + "PeterNeumann " + Base64("\xc7\x4f\x20\xa3") + "\n",  // key ID only
           dash + "PeterNeumann " + Base64("\xc7\x4f") + "\n",
       }) {
    EXPECT_EQ(OpenCode(text + "\n" + line, known), absl::StatusCode::kInvalidArgument)
        << "line: " << line;
    // Also when a valid known signature follows the bad line.
    EXPECT_EQ(OpenCode(text + "\n" + line + dash + "PeterNeumann " + b64 + "\n", known),
              absl::StatusCode::kInvalidArgument)
        << "line: " << line;
  }
}

TEST(OpenNoteTest, BadBase64IsInvalidArgument) {
  const std::vector<Verifier> known = {ParseVerifier(kVector1Vkey)};
  const std::string text(kVector1Text);
  const std::string b64 =
      "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  std::string bad_char = b64;
  bad_char[20] = '!';
  std::string url_alphabet = b64;
  url_alphabet[5] = '_';
  for (const std::string& payload : {
           b64.substr(0, b64.size() - 1),  // missing padding
           b64 + "=",                      // excess padding
           b64.substr(0, 40) + " " + b64.substr(40),
           bad_char,
           url_alphabet,
       }) {
    EXPECT_EQ(OpenCode(text + "\n" + std::string(kSignatureLinePrefix) + "PeterNeumann " +
                           payload + "\n",
                       known),
              absl::StatusCode::kInvalidArgument)
        << payload;
  }
}

// A byte outside ASCII where the base64 has '/': a decoder that reads it as
// '/' would accept a second spelling of the same signature.
TEST(OpenNoteTest, NonAsciiByteInSignatureBase64IsInvalidArgument) {
  std::string note(kVector1Note);
  const size_t slash = note.find('/', kVector1Text.size());
  ASSERT_NE(slash, std::string::npos);
  note[slash] = '\x80';
  EXPECT_EQ(OpenCode(note, {ParseVerifier(kVector1Vkey)}), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria
