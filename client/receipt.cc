#include "client/receipt.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "ledger/status.h"

namespace memoria::client {

namespace {

std::string ReceiptWhat(const v1::Receipt& receipt, const Verifier& log_key) {
  return absl::StrCat("receipt of record ", receipt.index(), " in checkpoint ",
                      receipt.tree_size(), " does not verify under log key ", log_key.ToString());
}

// `status` (not OK) marked as a verification failure, as it is.
absl::Status Marked(const absl::Status& status) {
  return VerificationFailure(status.code(), std::string(status.message()));
}

}  // namespace

absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key) {
  const std::string what = ReceiptWhat(receipt, log_key);
  absl::StatusOr<Receipt> offline = ReceiptFromProto(receipt);
  if (!offline.ok()) return VerificationFailure(what, offline.status());
  absl::StatusOr<Checkpoint> checkpoint = memoria::VerifyReceipt(*offline, log_key);
  if (!checkpoint.ok()) return VerificationFailure(what, checkpoint.status());
  return checkpoint;
}

absl::StatusOr<Checkpoint> VerifyReceiptFor(const v1::Receipt& receipt,
                                            const v1::SignedEntry& sent, const Verifier& log_key) {
  const std::string what = ReceiptWhat(receipt, log_key);
  absl::StatusOr<Receipt> offline = ReceiptFromProto(receipt);
  if (!offline.ok()) return VerificationFailure(what, offline.status());
  absl::StatusOr<v1::Record> record = ReceiptRecord(*offline);
  if (!record.ok()) return Marked(record.status());
  if (absl::Status holds = CheckReceiptHolds(receipt.index(), *record, sent); !holds.ok()) {
    return Marked(holds);
  }
  absl::StatusOr<Checkpoint> checkpoint = memoria::VerifyReceipt(*offline, log_key);
  if (!checkpoint.ok()) return VerificationFailure(what, checkpoint.status());
  return checkpoint;
}

}  // namespace memoria::client
