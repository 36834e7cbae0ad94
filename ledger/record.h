// Records: the leaves of the log (proto memoria.v1.Record), and the checks that
// bind them together.
//
// The bytes of a record are produced once, by EncodeRecord when the record is
// sequenced, and never again: readers parse the stored bytes and hash those
// same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "memoria/v1/record.pb.h"

namespace memoria {

// The domain separation prefix of writer signatures: a writer signs
// kEntrySignaturePrefix || entry bytes.
inline constexpr std::string_view kEntrySignaturePrefix = "memoria/entry/v1\n";

// The message a writer signs for `entry`.
std::string EntrySignedMessage(std::string_view entry);

// Serializes a record (deterministically). Used only when sequencing.
std::string EncodeRecord(const v1::Record& record);

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
