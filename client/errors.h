// Where an error came from, carried on the absl::Status itself so that callers
// (the `memoria` CLI's exit codes, monitors) tell a failed verification from a
// server that answered with an error and from a local problem.
//
//   absl::Status s = client->Update();
//   if (IsVerificationFailure(s)) alert(s.message());
//
// The kind is a payload of the status; the canonical code stays what the
// underlying check returned (PERMISSION_DENIED for a bad signature, DATA_LOSS
// for hashes that do not match, INVALID_ARGUMENT for a malformed proof, ...).
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace memoria::client {

enum class ErrorKind {
  kNone,          // OK
  kLocal,         // usage, files, parsing on this side
  kServer,        // the server answered with an error, or could not be reached
  kVerification,  // something the server sent failed a cryptographic check
};

// `cause` with its message prefixed by `what` ("<what>: <cause message>") and
// marked as a verification failure. `cause` must not be OK.
absl::Status VerificationFailure(std::string_view what, const absl::Status& cause);
// A verification failure with code `code` and message `message`.
absl::Status VerificationFailure(absl::StatusCode code, std::string_view message);

// `status` marked as coming from the server (FromGrpcStatus; and a wait for
// the server that timed out, as LedgerClient::WitnessReceipt's).
absl::Status MarkServerError(absl::Status status);

ErrorKind KindOf(const absl::Status& status);
inline bool IsVerificationFailure(const absl::Status& status) {
  return KindOf(status) == ErrorKind::kVerification;
}

// `status` with `prefix` + ": " before its message, keeping its code and kind.
absl::Status Annotate(const absl::Status& status, std::string_view prefix);

}  // namespace memoria::client
