// C2SP checkpoints (ledger/checkpoint.h): ParseCheckpointBody and
// OpenCheckpoint under the fixed log key. Properties: a parsed body
// formatted again (Checkpoint::Body) parses to the same checkpoint; an opened
// checkpoint is the parse of the note's text and names the key's origin; a
// parsed body signed by the log key opens to the same checkpoint.
#include <cstddef>
#include <cstdint>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);
  const Signer& log = fuzz::LogKey();

  absl::StatusOr<Checkpoint> body = ParseCheckpointBody(input);
  if (body.ok()) {
    absl::StatusOr<Checkpoint> again = ParseCheckpointBody(body->Body());
    FUZZ_CHECK(again.ok(), "Body() of a parsed checkpoint does not parse: " +
                               again.status().ToString());
    FUZZ_CHECK(*again == *body, "checkpoint body round trip changed the checkpoint");
    // Signing needs the log's origin; sign a copy that names it.
    Checkpoint ours = *body;
    ours.origin = log.name();
    if (ValidateNoteText(ours.Body()).ok()) {
      absl::StatusOr<std::string> note = SignCheckpoint(ours, log);
      FUZZ_CHECK(note.ok(), "SignCheckpoint refused a parsed checkpoint: " +
                                note.status().ToString());
      absl::StatusOr<Checkpoint> opened = OpenCheckpoint(*note, log.verifier());
      FUZZ_CHECK(opened.ok(), "a signed checkpoint does not open: " + opened.status().ToString());
      FUZZ_CHECK(*opened == ours, "sign/open round trip changed the checkpoint");
    }
  }

  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(input, log.verifier());
  if (opened.ok()) {
    FUZZ_CHECK(opened->origin == log.name(), "opened a checkpoint of another origin");
    absl::StatusOr<OpenedNote> note = ParseNote(input);
    FUZZ_CHECK(note.ok(), "an opened checkpoint's note does not parse");
    absl::StatusOr<Checkpoint> parsed = ParseCheckpointBody(note->text);
    FUZZ_CHECK(parsed.ok() && *parsed == *opened, "OpenCheckpoint and ParseCheckpointBody disagree");
  }
  return 0;
}
