#include "ledger/verify/receipt.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/bundle.h"
#include "memoria/v1/entry.pb.h"

namespace memoria {

// ---- Forms ---------------------------------------------------------------------

absl::StatusOr<std::vector<Hash>> DecodeHashes(std::span<const std::string> base64) {
  std::vector<Hash> hashes;
  hashes.reserve(base64.size());
  for (size_t i = 0; i < base64.size(); ++i) {
    absl::StatusOr<std::string> bytes = Base64Decode(base64[i]);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("hash ", i, ": ", bytes.status().message()));
    }
    absl::StatusOr<Hash> hash = HashFromBytes(*bytes);
    if (!hash.ok()) return absl::InvalidArgumentError(absl::StrCat("hash ", i, " is not 32 bytes"));
    hashes.push_back(*hash);
  }
  return hashes;
}

absl::StatusOr<Receipt> ParseReceiptJson(std::string_view json) {
  ASSIGN_OR_RETURN(JsonObject object, JsonObject::Parse(json));
  Receipt receipt;
  ASSIGN_OR_RETURN(receipt.index, object.Uint("index"));
  ASSIGN_OR_RETURN(receipt.tree_size, object.Uint("tree_size"));
  ASSIGN_OR_RETURN(std::string leaf_hash, object.Bytes("leaf_hash"));
  absl::StatusOr<Hash> hash = HashFromBytes(leaf_hash);
  if (!hash.ok()) return absl::InvalidArgumentError("\"leaf_hash\" is not 32 bytes");
  receipt.leaf_hash = *hash;
  ASSIGN_OR_RETURN(std::vector<std::string> hashes, object.StringList("hashes"));
  absl::StatusOr<std::vector<Hash>> decoded = DecodeHashes(hashes);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"hashes\": ", decoded.status().message()));
  }
  receipt.hashes = *std::move(decoded);
  ASSIGN_OR_RETURN(receipt.checkpoint, object.String("checkpoint"));
  if (object.Has("leaf")) {
    ASSIGN_OR_RETURN(receipt.leaf, object.Bytes("leaf"));
  }
  return receipt;
}

std::string FormatReceiptJson(const v1::Receipt& receipt) {
  std::string hashes;
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StrAppend(&hashes, hashes.empty() ? "" : ",", JsonQuote(Base64Encode(hash)));
  }
  std::string json = absl::StrCat(
      "{\"index\":", receipt.index(), ",\"leaf_hash\":", JsonQuote(Base64Encode(receipt.leaf_hash())),
      ",\"tree_size\":", receipt.tree_size(), ",\"hashes\":[", hashes,
      "],\"checkpoint\":", JsonQuote(receipt.checkpoint()),
      ",\"duplicate\":", receipt.duplicate() ? "true" : "false");
  if (!receipt.leaf().empty()) absl::StrAppend(&json, ",\"leaf\":", JsonQuote(Base64Encode(receipt.leaf())));
  json.push_back('}');
  return json;
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

absl::StatusOr<Receipt> ParseSavedReceipt(std::string_view text, const Verifier& log_key) {
  if (text.substr(0, kTlogProofHeader.size()) != kTlogProofHeader) return ParseReceiptJson(text);
  ASSIGN_OR_RETURN(TlogProof proof, ParseTlogProof(text));
  Receipt receipt;
  receipt.index = proof.index;
  receipt.hashes = std::move(proof.hashes);
  receipt.checkpoint = std::move(proof.checkpoint);
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(receipt.checkpoint, log_key);
  receipt.tree_size = checkpoint.ok() ? checkpoint->size : 0;
  if (proof.extra.has_value()) {
    receipt.leaf_hash = LeafHash(*proof.extra);
    receipt.leaf = std::move(proof.extra);
  }
  return receipt;
}

absl::StatusOr<Receipt> ReceiptFromProto(const v1::Receipt& receipt) {
  Receipt offline;
  offline.index = receipt.index();
  offline.tree_size = receipt.tree_size();
  offline.checkpoint = receipt.checkpoint();
  if (!receipt.leaf().empty()) offline.leaf = receipt.leaf();
  ASSIGN_OR_RETURN(offline.leaf_hash, HashFromBytes(receipt.leaf_hash()));
  for (const std::string& hash : receipt.inclusion_proof()) {
    ASSIGN_OR_RETURN(Hash parsed, HashFromBytes(hash));
    offline.hashes.push_back(parsed);
  }
  return offline;
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

// ---- Verification ----------------------------------------------------------------

absl::StatusOr<Checkpoint> VerifyReceipt(const Receipt& receipt, const Verifier& log_key) {
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(receipt.checkpoint, log_key));
  if (checkpoint.size != receipt.tree_size) {
    return absl::DataLossError(absl::StrCat("receipt tree size ", receipt.tree_size,
                                            " but its checkpoint signs size ", checkpoint.size));
  }
  if (receipt.leaf.has_value() && LeafHash(*receipt.leaf) != receipt.leaf_hash) {
    return absl::DataLossError("the receipt's leaf bytes do not hash to its leaf hash");
  }
  if (absl::Status status = VerifyInclusion(receipt.index, receipt.tree_size, receipt.leaf_hash,
                                            receipt.hashes, checkpoint.root);
      !status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("inclusion proof of record ", receipt.index, " in tree ",
                                     receipt.tree_size, ": ", status.message()));
  }
  return checkpoint;
}

absl::StatusOr<v1::Record> ReceiptRecord(const Receipt& receipt) {
  if (!receipt.leaf.has_value() || receipt.leaf->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("receipt of record ", receipt.index,
                     " carries no leaf (the record's bytes), so nothing ties it to an entry: "
                     "the server predates receipts with leaves, or is not honest"));
  }
  if (LeafHash(*receipt.leaf) != receipt.leaf_hash) {
    return absl::DataLossError(absl::StrCat("receipt of record ", receipt.index,
                                            ": its leaf does not hash to its leaf hash"));
  }
  absl::StatusOr<v1::Record> record = DecodeRecord(*receipt.leaf);
  if (!record.ok()) {
    return absl::Status(record.status().code(),
                        absl::StrCat("receipt of record ", receipt.index, ": its leaf is not a record: ",
                                     record.status().message()));
  }
  if (record->index() != receipt.index) {
    return ReceiptForAnotherEntry(receipt.index,
                                  absl::StrCat("was claimed, but its leaf is record ",
                                               record->index()));
  }
  return record;
}

absl::Status CheckReceiptHolds(uint64_t index, const v1::Record& record,
                               const v1::SignedEntry& sent) {
  std::vector<std::string> differ;
  if (record.entry() != sent.entry()) differ.push_back("entry bytes");
  if (record.writer_signature() != sent.signature()) differ.push_back("writer signature");
  if (record.writer_key_id() != sent.key_id()) differ.push_back("writer key ID");
  if (differ.empty()) return absl::OkStatus();
  return ReceiptForAnotherEntry(
      index, absl::StrCat("holds ", EntryLabel(record.writer_key_id(), record.entry()),
                          ", not the entry sent, ", EntryLabel(sent.key_id(), sent.entry()), " (",
                          absl::StrJoin(differ, ", "), " differ)"));
}

absl::Status CheckExpectedEntry(uint64_t index, const v1::Record& record,
                                const std::optional<Verifier>& writer,
                                const std::string& request_id) {
  const std::string holds =
      absl::StrCat("holds ", EntryLabel(record.writer_key_id(), record.entry()));
  if (writer.has_value() &&
      (record.writer_key_id() != writer->key_id() ||
       !writer->Verify(EntrySignedMessage(record.entry()), record.writer_signature()))) {
    return ReceiptForAnotherEntry(
        index, absl::StrCat(holds, ", not an entry signed by ", writer->ToString()));
  }
  v1::Entry entry;
  if (!request_id.empty() &&
      (!entry.ParseFromString(record.entry()) || entry.request_id() != request_id)) {
    return ReceiptForAnotherEntry(
        index, absl::StrCat(holds, ", not request id \"", absl::CHexEscape(request_id), "\""));
  }
  return absl::OkStatus();
}

absl::Status ReceiptForAnotherEntry(uint64_t index, std::string_view difference) {
  return absl::DataLossError(absl::StrCat("receipt is for another entry: record ", index, " ",
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

}  // namespace memoria
