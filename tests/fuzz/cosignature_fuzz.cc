// C2SP tlog-cosignature lines (ledger/verify/cosignature.h): the input is a
// signed checkpoint note; each signature line is decoded as a cosignature,
// and the cosignatures of the two fixed witnesses verified. Properties: a
// cosignature that verifies decodes, with the timestamp returned; a valid
// note text cosigned here verifies with its timestamp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/encoding.h"
#include "ledger/note.h"
#include "ledger/verify/cosignature.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);
  const Signer* witnesses[] = {&fuzz::Witness1Key(), &fuzz::Witness2Key()};

  absl::StatusOr<OpenedNote> note = ParseNote(input);
  if (note.ok()) {
    for (const NoteSignature& line : note->unverified) {
      absl::StatusOr<Cosignature> cosignature = DecodeCosignature(line);
      if (cosignature.ok()) {
        FUZZ_CHECK(cosignature->timestamp <= kMaxCosignatureTimestamp &&
                       cosignature->signature.size() == kSignatureSize,
                   "a decoded cosignature is out of shape");
      }
    }
  }
  for (const Signer* witness : witnesses) {
    absl::StatusOr<uint64_t> timestamp = VerifyCosignature(input, witness->verifier());
    if (!timestamp.ok()) continue;
    FUZZ_CHECK(note.ok(), "a cosignature verified on a note that does not parse");
    absl::StatusOr<uint64_t> from_opened = VerifyCosignature(*note, witness->verifier());
    FUZZ_CHECK(from_opened.ok() && *from_opened == *timestamp,
               "VerifyCosignature disagrees between a note and its parse");
  }

  // Cosign the input's text (if it is a valid note text) at a timestamp of its own.
  if (note.ok()) {
    const uint64_t timestamp =
        size >= 8 ? DecodeBigEndian64(input.substr(0, 8)) & kMaxCosignatureTimestamp : size;
    absl::StatusOr<std::string> line =
        CosignCheckpoint(note->text, timestamp, fuzz::Witness1Key());
    if (timestamp == 0) {
      FUZZ_CHECK(!line.ok(), "a cosignature at time 0 was made");
    } else {
      FUZZ_CHECK(line.ok(), "cannot cosign a valid note text: " + line.status().ToString());
      absl::StatusOr<uint64_t> verified =
          VerifyCosignature(note->text + "\n" + *line, fuzz::Witness1Key().verifier());
      FUZZ_CHECK(verified.ok() && *verified == timestamp,
                 "a fresh cosignature does not verify: " + verified.status().ToString());
    }
  }
  return 0;
}
