// Receipts: proof that an entry is in the log, checkable offline with the
// log's vkey alone. One module for both forms a receipt is saved in, their
// parsing and their verification (used by client/receipt.h, which marks the
// failures for the client library, and by `memoria-audit receipt`):
//
//   - the JSON of `memoria append --json`:
//       {"index","leaf_hash","tree_size","hashes","checkpoint"[,"leaf"]}
//     (base64 hashes; "leaf": base64 of the record's bytes);
//   - the C2SP tlog-proof text (c2sp.org/tlog-proof@v1) `memoria append` prints:
//       c2sp.org/tlog-proof@v1
//       extra <base64 of the record's leaf bytes>      (optional)
//       index <N>
//       <base64 inclusion proof hash>                   (zero or more, leaf side first)
//       <blank line>
//       <the signed checkpoint note, verbatim>
//
// memoria puts the exact leaf (record) bytes in `extra` (the server sends them
// in every receipt, Receipt.leaf), so a verifier recomputes the leaf hash
// itself, SHA-256(0x00 || leaf), and sees which entry the record holds.
//
// A receipt proves something about an entry only if its record holds that
// entry (CheckReceiptHolds, CheckExpectedEntry): a genuine receipt of another
// record (from a dishonest server or a proxy) verifies under VerifyReceipt
// alone.
//
// Errors are plain statuses (INVALID_ARGUMENT for what does not parse,
// PERMISSION_DENIED for a checkpoint signed by another key, DATA_LOSS for
// what does not match). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

// A receipt, whichever form it came in.
struct Receipt {
  uint64_t index = 0;
  Hash leaf_hash{};
  uint64_t tree_size = 0;
  std::vector<Hash> hashes;
  std::string checkpoint;           // signed note text
  std::optional<std::string> leaf;  // record bytes
};

// ---- Forms ---------------------------------------------------------------------

// Parses receipt JSON. INVALID_ARGUMENT naming the field that is missing or malformed.
absl::StatusOr<Receipt> ParseReceiptJson(std::string_view json);
// The receipt JSON of a server's receipt, compact, in this order:
// {"index","leaf_hash","tree_size","hashes","checkpoint","duplicate"[,"leaf"]}.
std::string FormatReceiptJson(const v1::Receipt& receipt);

// The tlog-proof form, as written.
struct TlogProof {
  std::optional<std::string> extra;  // decoded bytes
  uint64_t index = 0;
  std::vector<Hash> hashes;
  std::string checkpoint;  // signed note text
};
// The tlog-proof text of a proof.
std::string FormatTlogProof(const TlogProof& proof);
// Parses tlog-proof text; INVALID_ARGUMENT naming the line that is wrong.
// The checkpoint is not opened here.
absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text);

// A saved receipt: JSON, or tlog-proof text (recognized by its first line).
// Parse errors are INVALID_ARGUMENT. The tree size of tlog-proof text is its
// checkpoint's (0 when the checkpoint does not open under `log_key`:
// VerifyReceipt says why); its leaf hash is that of its `extra`.
absl::StatusOr<Receipt> ParseSavedReceipt(std::string_view text, const Verifier& log_key);

// A receipt as the server sends it (memoria.v1.Receipt): its hashes parsed
// (HashFromBytes's INVALID_ARGUMENT for one not 32 bytes), its leaf if sent.
absl::StatusOr<Receipt> ReceiptFromProto(const v1::Receipt& receipt);
// Its tlog-proof form, with its leaf as `extra` when it carries one.
TlogProof TlogProofFromReceipt(const v1::Receipt& receipt);

// Decodes base64 hashes (32 bytes each); INVALID_ARGUMENT otherwise.
absl::StatusOr<std::vector<Hash>> DecodeHashes(std::span<const std::string> base64);

// ---- Verification ----------------------------------------------------------------

// Checks a receipt offline: the checkpoint opens under `log_key`
// (PERMISSION_DENIED / INVALID_ARGUMENT as OpenCheckpoint), its size is the
// receipt's tree size, the leaf bytes (if any) hash to the leaf hash, and the
// inclusion proof leads to the checkpoint root (DATA_LOSS otherwise). Says
// nothing about which entry the record holds.
absl::StatusOr<Checkpoint> VerifyReceipt(const Receipt& receipt, const Verifier& log_key);

// The record a receipt carries: its leaf present (INVALID_ARGUMENT "receipt
// of record N carries no leaf ..." otherwise), hashing to leaf_hash
// (DATA_LOSS), parsing as a Record (its DecodeRecord error, prefixed) at the
// receipt's index (DATA_LOSS, ReceiptForAnotherEntry). The checkpoint and
// proof are not checked here (VerifyReceipt).
absl::StatusOr<v1::Record> ReceiptRecord(const Receipt& receipt);

// OK if `record` (receipt `index`'s) holds exactly the entry `sent`: its entry
// bytes, writer signature and writer key ID. Otherwise DATA_LOSS "receipt is
// for another entry: record N holds ..., not the entry sent, ... (... differ)".
absl::Status CheckReceiptHolds(uint64_t index, const v1::Record& record,
                               const v1::SignedEntry& sent);

// OK if `record` (receipt `index`'s) holds what an auditor expects: signed by
// `writer` (its key ID and a valid signature) and carrying `request_id`, each
// if given. Otherwise ReceiptForAnotherEntry naming what it holds instead.
absl::Status CheckExpectedEntry(uint64_t index, const v1::Record& record,
                                const std::optional<Verifier>& writer,
                                const std::string& request_id);

// DATA_LOSS for a receipt whose record `index` is not the entry expected:
// "receipt is for another entry: record <index> <difference>". The one
// wording of this failure.
absl::Status ReceiptForAnotherEntry(uint64_t index, std::string_view difference);

// Who wrote an entry and which request it is, for messages:
// `writer svc-posts (key 1a2b3c4d), request id "r-17"`.
std::string EntryLabel(uint32_t writer_key_id, std::string_view entry_bytes);

}  // namespace memoria
