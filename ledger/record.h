// Records: the leaves of the log (proto memoria.v1.Record), and the checks that
// bind them together.
//
// The bytes of a record are produced once, by EncodeRecord when the record is
// sequenced, and never again: readers parse the stored bytes and hash those
// same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "ledger/sha256.h"
#include "memoria/v1/record.pb.h"

namespace memoria {

// The domain separation prefix of writer signatures: a writer signs
// kEntrySignaturePrefix || entry bytes.
inline constexpr std::string_view kEntrySignaturePrefix = "memoria/entry/v1\n";

// The most bytes a record adds to its entry: the entry's tag and length (3
// bytes for an entry under 2^21 bytes), the 64-byte signature (66), the key
// ID (5), the index (11), the previous leaf hash (34) and the integration
// time (11, a negative time's varint being 10 bytes).
inline constexpr size_t kMaxRecordOverheadBytes = 1 + 3 + 66 + 5 + 11 + 34 + 11;
// The largest entry whose record an entry bundle of C2SP tlog-tiles can hold
// (a big-endian uint16 length: 65,535 bytes; ledger/tile_path.h): 65,404
// bytes, memoria-server's default and largest --max-entry-bytes.
inline constexpr size_t kMaxEntryBytes = 65535 - kMaxRecordOverheadBytes;

// The message a writer signs for `entry`.
std::string EntrySignedMessage(std::string_view entry);

// Serializes a whole record (deterministically): the reference layout that
// RecordPrefix reproduces in two halves.
std::string EncodeRecord(const v1::Record& record);

// The writer's half of a record (entry, signature, key ID): serialized, and
// absorbed into a SHA-256 state after the leaf prefix 0x00, before the record
// is sequenced. Building it costs one SHA-256 pass over the entry and is
// thread-safe, so callers build it in parallel (memoria-server does it in the
// thread that verified the writer's signature); Complete() then hashes only
// the sequencing fields. Immutable once built.
class RecordPrefix {
 public:
  RecordPrefix(uint32_t writer_key_id, std::string_view entry, std::string_view writer_signature);

  // The leaf bytes of the record with these sequencing fields, exactly
  // EncodeRecord() of the whole record, and their leaf hash.
  struct Leaf {
    std::string bytes;
    Hash hash;
  };
  Leaf Complete(uint64_t index, const Hash& prev_leaf_hash, int64_t integration_time_micros) const;

 private:
  std::string bytes_;
  Sha256Hasher state_;  // 0x00 || bytes_ absorbed
};

// Parses stored record bytes and checks their shape (hash and signature
// lengths). INVALID_ARGUMENT naming the problem if they are malformed.
absl::StatusOr<v1::Record> DecodeRecord(std::string_view bytes);

// Checks that `record` is a valid successor at `index` of a record with leaf
// hash `prev_leaf_hash` and integration time `prev_time_micros` (for index 0,
// pass 32 zero bytes and any time). DATA_LOSS naming the index and what is
// wrong: index, chain link, or time going backwards.
absl::Status CheckChainLink(const v1::Record& record, uint64_t index, const Hash& prev_leaf_hash,
                            int64_t prev_time_micros);

}  // namespace memoria
