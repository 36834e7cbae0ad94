#include "client/receipt.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/errors.h"
#include "ledger/audit.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/status.h"

namespace memoria::client {

absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key) {
  // The offline check is the ledger's (shared with memoria-audit receipt).
  Receipt offline;
  offline.index = receipt.index();
  offline.tree_size = receipt.tree_size();
  offline.checkpoint = receipt.checkpoint();
  const std::string what = absl::StrCat("receipt of record ", receipt.index(), " in checkpoint ",
                                        receipt.tree_size(), " does not verify under log key ",
                                        log_key.ToString());
  absl::StatusOr<Hash> leaf = HashFromBytes(receipt.leaf_hash());
  if (!leaf.ok()) return VerificationFailure(what, leaf.status());
  offline.leaf_hash = *leaf;
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StatusOr<Hash> parsed = HashFromBytes(hash);
    if (!parsed.ok()) return VerificationFailure(what, parsed.status());
    offline.hashes.push_back(*parsed);
  }
  absl::StatusOr<Checkpoint> checkpoint = memoria::VerifyReceipt(offline, log_key);
  if (!checkpoint.ok()) return VerificationFailure(what, checkpoint.status());
  return checkpoint;
}

TlogProof TlogProofFromReceipt(const v1::Receipt& receipt) {
  TlogProof proof;
  proof.index = receipt.index();
  for (const std::string& hash : receipt.inclusion_proof()) {
    absl::StatusOr<Hash> parsed = HashFromBytes(hash);
    proof.hashes.push_back(parsed.ok() ? *parsed : Hash{});
  }
  proof.checkpoint = receipt.checkpoint();
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
