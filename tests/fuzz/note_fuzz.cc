// C2SP signed notes (ledger/note.h): ParseNote, OpenNote with fixed keys,
// ValidateNoteText. Properties: a parsed note formatted again parses to the
// same note; a note that opens also parses, with the same text; a valid
// text (empty lines included: the spec allows them), signed by the log key,
// opens under it with the same text.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ledger/note.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using ::memoria::fuzz::FormatNote;

bool SameSignatures(const std::vector<memoria::NoteSignature>& a,
                    const std::vector<memoria::NoteSignature>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].key_id != b[i].key_id ||
        a[i].signature != b[i].signature) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);
  const Verifier known[] = {fuzz::LogKey().verifier(), fuzz::AdminKey().verifier(),
                            fuzz::Witness1Key().verifier()};

  absl::StatusOr<OpenedNote> parsed = ParseNote(input);
  if (parsed.ok()) {
    FUZZ_CHECK(parsed->verified.empty(), "ParseNote verified a signature");
    FUZZ_CHECK(ValidateNoteText(parsed->text).ok(), "ParseNote accepted an invalid text");
    absl::StatusOr<OpenedNote> again = ParseNote(FormatNote(*parsed));
    FUZZ_CHECK(again.ok(), "a parsed note, formatted again, does not parse: " +
                               again.status().ToString());
    FUZZ_CHECK(again->text == parsed->text, "round trip changed the text");
    FUZZ_CHECK(SameSignatures(again->unverified, parsed->unverified),
               "round trip changed the signatures");
  }

  absl::StatusOr<OpenedNote> opened = OpenNote(input, known);
  if (opened.ok()) {
    FUZZ_CHECK(parsed.ok(), "OpenNote accepted a note ParseNote refuses");
    FUZZ_CHECK(opened->text == parsed->text, "OpenNote and ParseNote disagree on the text");
    FUZZ_CHECK(!opened->verified.empty(), "OpenNote accepted a note no known key signed");
    FUZZ_CHECK(opened->verified.size() + opened->unverified.size() == parsed->unverified.size(),
               "OpenNote lost signature lines");
  }

  if (ValidateNoteText(input).ok()) {
    const Signer* signers[] = {&fuzz::LogKey()};
    absl::StatusOr<std::string> note = SignNote(input, signers);
    FUZZ_CHECK(note.ok(), "SignNote refused a valid text: " + note.status().ToString());
    absl::StatusOr<OpenedNote> reopened = OpenNote(*note, known);
    FUZZ_CHECK(reopened.ok(), "a note signed by the log key does not open: " +
                                  reopened.status().ToString());
    FUZZ_CHECK(reopened->text == input, "the signed note's text differs");
    FUZZ_CHECK(reopened->verified.size() == 1, "the signed note has not one verified signature");
  }
  return 0;
}
