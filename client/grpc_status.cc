#include "client/grpc_status.h"

#include "absl/strings/str_cat.h"
#include "client/errors.h"

namespace memoria::client {

absl::Status FromGrpcStatus(const grpc::Status& status, std::string_view rpc) {
  if (status.ok()) return absl::OkStatus();
  static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) ==
                static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
  const int code = static_cast<int>(status.error_code());
  const absl::StatusCode absl_code =
      code > 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)
          ? static_cast<absl::StatusCode>(code)
          : absl::StatusCode::kUnknown;
  return MarkServerError(
      absl::Status(absl_code, absl::StrCat(std::string(rpc), ": ", status.error_message())));
}

}  // namespace memoria::client
