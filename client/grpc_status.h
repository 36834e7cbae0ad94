// The one place where grpc::Status becomes absl::Status on the client side
// (server/grpc_status.h is the other direction and lives in the server layer,
// which the client does not link).
#pragma once

#include <string_view>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace memoria::client {

// Same canonical code (gRPC and absl share google.rpc.Code), the message
// prefixed with the RPC's name ("GetCheckpoint: ..."), marked
// ErrorKind::kServer. OK stays OK.
absl::Status FromGrpcStatus(const grpc::Status& status, std::string_view rpc);

}  // namespace memoria::client
