// The channel to a memoria-server: plaintext, TLS (server authenticated by a
// CA file or the system roots) or mTLS (the client also presents a
// certificate).
//
//   ConnectionOptions options{.target = "ledger.example:50051", .tls_ca_file = "ca.pem"};
//   ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, OpenChannel(options));
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"

namespace memoria::client {

inline constexpr char kDefaultTarget[] = "127.0.0.1:50051";

struct ConnectionOptions {
  // HOST:PORT of the server.
  std::string target = kDefaultTarget;
  // PEM CA bundle that signed the server's certificate. Setting it (or a
  // client certificate) turns TLS on.
  std::string tls_ca_file;
  // PEM client certificate chain and its private key, for mTLS; both or none.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Speak TLS even without a CA file (the server is checked against the
  // system's roots).
  bool tls = false;
  // Largest message received or sent; ranges of records come in one stream
  // message each, so this bounds one record.
  int max_message_bytes = 64 << 20;
};

// True if the options ask for TLS.
inline bool UsesTls(const ConnectionOptions& options) {
  return options.tls || !options.tls_ca_file.empty() || !options.tls_cert_file.empty();
}

// Creates the channel (it connects lazily, on the first call). INVALID_ARGUMENT
// for an empty target or a certificate without its key (or the reverse);
// NOT_FOUND / PERMISSION_DENIED if a PEM file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options);

}  // namespace memoria::client
