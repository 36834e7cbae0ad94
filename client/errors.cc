#include "client/errors.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace memoria::client {
namespace {

constexpr std::string_view kKindUrl = "type.memoria.dev/client-error-kind";
constexpr std::string_view kServer = "server";
constexpr std::string_view kVerification = "verification";

absl::Status WithKind(absl::Status status, std::string_view kind) {
  status.SetPayload(std::string(kKindUrl), absl::Cord(std::string(kind)));
  return status;
}

}  // namespace

absl::Status VerificationFailure(std::string_view what, const absl::Status& cause) {
  const absl::StatusCode code = cause.ok() ? absl::StatusCode::kInternal : cause.code();
  return WithKind(absl::Status(code, absl::StrCat(std::string(what), ": ", cause.message())), kVerification);
}

absl::Status VerificationFailure(absl::StatusCode code, std::string_view message) {
  return WithKind(absl::Status(code, std::string(message)), kVerification);
}

absl::Status MarkServerError(absl::Status status) { return WithKind(std::move(status), kServer); }

ErrorKind KindOf(const absl::Status& status) {
  if (status.ok()) return ErrorKind::kNone;
  auto kind = status.GetPayload(std::string(kKindUrl));
  if (!kind.has_value()) return ErrorKind::kLocal;
  if (std::string(*kind) == kVerification) return ErrorKind::kVerification;
  if (std::string(*kind) == kServer) return ErrorKind::kServer;
  return ErrorKind::kLocal;
}

absl::Status Annotate(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrCat(std::string(prefix), ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    annotated.SetPayload(url, payload);
  });
  return annotated;
}

}  // namespace memoria::client
