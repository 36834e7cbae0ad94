// The messages of the service's callback methods, which take and give raw
// bytes (gRPC's raw callback API) and parse and serialize them here: gRPC's
// typed callback handler answers a request that does not parse UNIMPLEMENTED
// with an empty message, so that a garbled request looked like a missing
// method. Parsed here, it is INVALID_ARGUMENT, saying what did not parse.
//
//   v1::GetRecordRequest request;
//   RETURN_IF_ERROR(ParseRawRequest(*raw_request, request));
//   ...
//   RETURN_IF_ERROR(SerializeRawResponse(response, *raw_response));
#pragma once

#include <string>

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memoria::server {

// Parses `raw` into `message`. INVALID_ARGUMENT naming the message type if
// the bytes do not parse.
template <typename Message>
absl::Status ParseRawRequest(const grpc::ByteBuffer& raw, Message& message) {
  grpc::ByteBuffer bytes(raw);  // shares the slices; Deserialize clears it
  if (!grpc::SerializationTraits<Message>::Deserialize(&bytes, &message).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the request does not parse as a ",
                                                   Message::descriptor()->full_name()));
  }
  return absl::OkStatus();
}

// Serializes `message` into `raw`. INTERNAL if it cannot be serialized.
template <typename Message>
absl::Status SerializeRawResponse(const Message& message, grpc::ByteBuffer& raw) {
  bool own_buffer = false;
  if (!grpc::SerializationTraits<Message>::Serialize(message, &raw, &own_buffer).ok()) {
    return absl::InternalError(
        absl::StrCat("cannot serialize the ", Message::descriptor()->full_name(), " response"));
  }
  return absl::OkStatus();
}

}  // namespace memoria::server
