#include "client/receipt.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/errors.h"
#include "ledger/audit.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"

namespace memoria::client {

namespace {

std::string ReceiptWhat(const v1::Receipt& receipt, const Verifier& log_key) {
  return absl::StrCat("receipt of record ", receipt.index(), " in checkpoint ",
                      receipt.tree_size(), " does not verify under log key ", log_key.ToString());
}

// The ledger's offline form of a receipt (hashes parsed, the leaf if sent).
absl::StatusOr<memoria::Receipt> OfflineReceipt(const v1::Receipt& receipt, std::string_view what) {
  memoria::Receipt offline;
  offline.index = receipt.index();
  offline.tree_size = receipt.tree_size();
  offline.checkpoint = receipt.checkpoint();
  if (!receipt.leaf().empty()) offline.leaf = receipt.leaf();
  absl::StatusOr<Hash> leaf = HashFromBytes(receipt.leaf_hash());
  if (!leaf.ok()) return VerificationFailure(what, leaf.status());
  offline.leaf_hash = *leaf;
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StatusOr<Hash> parsed = HashFromBytes(hash);
    if (!parsed.ok()) return VerificationFailure(what, parsed.status());
    offline.hashes.push_back(*parsed);
  }
  return offline;
}

}  // namespace

absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key) {
  // The offline check is the ledger's (shared with memoria-audit receipt).
  const std::string what = ReceiptWhat(receipt, log_key);
  ASSIGN_OR_RETURN(memoria::Receipt offline, OfflineReceipt(receipt, what));
  absl::StatusOr<Checkpoint> checkpoint = memoria::VerifyReceipt(offline, log_key);
  if (!checkpoint.ok()) return VerificationFailure(what, checkpoint.status());
  return checkpoint;
}

absl::StatusOr<Checkpoint> VerifyReceiptFor(const v1::Receipt& receipt,
                                            const v1::SignedEntry& sent, const Verifier& log_key) {
  const std::string what = ReceiptWhat(receipt, log_key);
  ASSIGN_OR_RETURN(memoria::Receipt offline, OfflineReceipt(receipt, what));
  ASSIGN_OR_RETURN(v1::Record record, ReceiptRecord(offline));
  std::vector<std::string> differ;
  if (record.entry() != sent.entry()) differ.push_back("entry bytes");
  if (record.writer_signature() != sent.signature()) differ.push_back("writer signature");
  if (record.writer_key_id() != sent.key_id()) differ.push_back("writer key ID");
  if (!differ.empty()) {
    return ReceiptForAnotherEntry(
        receipt.index(),
        absl::StrCat("holds ", EntryLabel(record.writer_key_id(), record.entry()),
                     ", not the entry sent, ", EntryLabel(sent.key_id(), sent.entry()), " (",
                     absl::StrJoin(differ, ", "), " differ)"));
  }
  absl::StatusOr<Checkpoint> checkpoint = memoria::VerifyReceipt(offline, log_key);
  if (!checkpoint.ok()) return VerificationFailure(what, checkpoint.status());
  return checkpoint;
}

absl::StatusOr<v1::Record> ReceiptRecord(const memoria::Receipt& receipt) {
  if (!receipt.leaf.has_value() || receipt.leaf->empty()) {
    return VerificationFailure(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("receipt of record ", receipt.index,
                     " carries no leaf (the record's bytes), so nothing ties it to an entry: "
                     "the server predates receipts with leaves, or is not honest"));
  }
  if (LeafHash(*receipt.leaf) != receipt.leaf_hash) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("receipt of record ", receipt.index,
                                            ": its leaf does not hash to its leaf hash"));
  }
  absl::StatusOr<v1::Record> record = DecodeRecord(*receipt.leaf);
  if (!record.ok()) {
    return VerificationFailure(absl::StrCat("receipt of record ", receipt.index,
                                            ": its leaf is not a record"),
                               record.status());
  }
  if (record->index() != receipt.index) {
    return ReceiptForAnotherEntry(receipt.index,
                                  absl::StrCat("was claimed, but its leaf is record ",
                                               record->index()));
  }
  return record;
}

absl::Status ReceiptForAnotherEntry(uint64_t index, std::string_view difference) {
  return VerificationFailure(absl::StatusCode::kDataLoss,
                             absl::StrCat("receipt is for another entry: record ", index, " ",
                                          std::string(difference)));
}

std::string EntryLabel(uint32_t writer_key_id, std::string_view entry_bytes) {
  v1::Entry entry;
  if (!entry.ParseFromString(std::string(entry_bytes))) {
    return absl::StrFormat("an entry of key %08x that is not a memoria.v1.Entry", writer_key_id);
  }
  return absl::StrFormat("writer %s (key %08x), request id \"%s\"", entry.writer(), writer_key_id,
                         absl::CHexEscape(entry.request_id()));
}

TlogProof TlogProofFromReceipt(const v1::Receipt& receipt) {
  TlogProof proof;
  proof.index = receipt.index();
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StatusOr<Hash> parsed = HashFromBytes(hash);
    proof.hashes.push_back(parsed.ok() ? *parsed : Hash{});
  }
  proof.checkpoint = receipt.checkpoint();
  if (!receipt.leaf().empty()) proof.extra = receipt.leaf();
  return proof;
}

std::string FormatTlogProof(const TlogProof& proof) {
  std::string text = absl::StrCat(std::string(kTlogProofHeader), "\n");
  if (proof.extra.has_value()) absl::StrAppend(&text, "extra ", Base64Encode(*proof.extra), "\n");
  absl::StrAppend(&text, "index ", proof.index, "\n");
  for (const Hash& hash : proof.hashes) absl::StrAppend(&text, Base64Encode(AsBytes(hash)), "\n");
  absl::StrAppend(&text, "\n", proof.checkpoint);
  return text;
}

absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text) {
  const size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) {
    return absl::InvalidArgumentError("tlog-proof: no blank line before the checkpoint");
  }
  std::vector<std::string> lines = absl::StrSplit(std::string(text.substr(0, blank)), '\n');
  TlogProof proof;
  proof.checkpoint = std::string(text.substr(blank + 2));
  size_t line = 0;
  if (lines.empty() || lines[line] != kTlogProofHeader) {
    return absl::InvalidArgumentError(
        absl::StrCat("tlog-proof: line 1 must be \"", std::string(kTlogProofHeader), "\""));
  }
  ++line;
  if (line < lines.size() && absl::StartsWith(lines[line], "extra ")) {
    ASSIGN_OR_RETURN(proof.extra, Base64Decode(lines[line].substr(6)));
    ++line;
  }
  if (line >= lines.size() || !absl::StartsWith(lines[line], "index ")) {
    return absl::InvalidArgumentError(absl::StrCat("tlog-proof: line ", line + 1,
                                                   " must be \"index N\""));
  }
  const std::string number = lines[line].substr(6);
  if (number.empty() || (number.size() > 1 && number[0] == '0') ||
      number.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(number, &proof.index)) {
    return absl::InvalidArgumentError(absl::StrCat("tlog-proof: bad index on line ", line + 1));
  }
  for (++line; line < lines.size(); ++line) {
    absl::StatusOr<std::string> bytes = Base64Decode(lines[line]);
    absl::StatusOr<Hash> hash =
        bytes.ok() ? HashFromBytes(*bytes) : absl::StatusOr<Hash>(bytes.status());
    if (!hash.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tlog-proof: line ", line + 1, " is not a base64 SHA-256 hash"));
    }
    proof.hashes.push_back(*hash);
  }
  return proof;
}

}  // namespace memoria::client
