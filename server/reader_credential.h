// ReaderCredential: who may read citizens' personal data (values and salts)
// from memoria-server. A bearer token, kept in a file on the server
// (--reader-token-file, mode 0600, at least 32 characters; `openssl rand -hex
// 32` makes one), and sent by readers as gRPC metadata
// "authorization: Bearer <token>". Use it only over TLS (the server refuses
// plaintext except on loopback, see config.h). The server keeps only the
// token's SHA-256 and compares digests in constant time.
//
//   ASSIGN_OR_RETURN(ReaderCredential reader, ReaderCredential::FromFile(path));
//   RETURN_IF_ERROR(reader.Check(context));  // in a handler
//
// Thread-safe (immutable).
#pragma once

#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/hash.h"

namespace memoria::server {

inline constexpr size_t kMinReaderTokenBytes = 32;
inline constexpr char kAuthorizationMetadata[] = "authorization";

class ReaderCredential {
 public:
  // The token is the file's first line (surrounding whitespace removed).
  // NOT_FOUND if unreadable; INVALID_ARGUMENT if shorter than 32 bytes;
  // PERMISSION_DENIED if group or others may read the file.
  static absl::StatusOr<ReaderCredential> FromFile(const std::string& path);
  static absl::StatusOr<ReaderCredential> FromToken(std::string_view token);

  // OK if `authorization` is "Bearer <the token>"; UNAUTHENTICATED otherwise.
  absl::Status CheckHeader(std::string_view authorization) const;
  // The same for the call's metadata.
  absl::Status Check(const grpc::ServerContext& context) const;

 private:
  explicit ReaderCredential(const Hash& digest) : digest_(digest) {}
  Hash digest_;
};

}  // namespace memoria::server
