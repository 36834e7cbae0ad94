// The one place where absl::Status becomes grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace memoria::server {

// Same canonical code, same message. gRPC and absl share the canonical code
// numbers (google.rpc.Code).
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace memoria::server
