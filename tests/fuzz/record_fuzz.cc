// Records (ledger/record.h): DecodeRecord of stored leaf bytes, and what is
// done with a decoded record. Properties: EncodeRecord of a decoded record
// decodes to the same record; the record's writer half hashed apart
// (RecordPrefix) and completed is exactly EncodeRecord of the record, with
// its leaf hash; a record is a valid successor of its own chain link; the
// entry inside, if it parses, serializes again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/hash.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  InitCrypto();
  const std::string_view input = fuzz::AsText(data, size);

  absl::StatusOr<v1::Record> record = DecodeRecord(input);
  if (!record.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(record.status()), "DecodeRecord error is not INVALID_ARGUMENT");
    return 0;
  }
  FUZZ_CHECK(record->prev_leaf_hash().size() == kHashSize &&
                 record->writer_signature().size() == kSignatureSize,
             "DecodeRecord accepted a record of the wrong shape");

  const std::string encoded = EncodeRecord(*record);
  absl::StatusOr<v1::Record> again = DecodeRecord(encoded);
  FUZZ_CHECK(again.ok(), "EncodeRecord of a decoded record does not decode");
  FUZZ_CHECK(EncodeRecord(*again) == encoded, "record round trip changed the record");

  // The two halves: the writer's (RecordPrefix) and the sequencing fields.
  // Unknown fields are not part of either half.
  v1::Record known = *record;
  known.DiscardUnknownFields();
  const RecordPrefix prefix(known.writer_key_id(), known.entry(), known.writer_signature());
  absl::StatusOr<Hash> prev = HashFromBytes(known.prev_leaf_hash());
  FUZZ_CHECK(prev.ok(), "a decoded record's previous leaf hash is not a hash");
  const RecordPrefix::Leaf leaf =
      prefix.Complete(known.index(), *prev, known.integration_time_micros());
  FUZZ_CHECK(leaf.bytes == EncodeRecord(known), "RecordPrefix disagrees with EncodeRecord");
  FUZZ_CHECK(leaf.hash == LeafHash(leaf.bytes), "RecordPrefix's leaf hash is not the leaf's");

  FUZZ_CHECK(CheckChainLink(*record, record->index(), *prev, record->integration_time_micros()).ok(),
             "a record is not a valid successor of its own chain link");
  (void)CheckChainLink(*record, record->index() + 1, *prev, record->integration_time_micros() + 1);

  v1::Entry entry;
  if (entry.ParseFromString(record->entry())) {
    v1::Entry reparsed;
    FUZZ_CHECK(reparsed.ParseFromString(entry.SerializeAsString()),
               "a parsed entry, serialized again, does not parse");
    (void)EntrySignedMessage(record->entry());
  }
  return 0;
}
