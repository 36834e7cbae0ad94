#include "client/connection.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

absl::StatusOr<std::string> ReadPemFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string reason = std::strerror(error);
    if (error == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat("cannot read ", std::string(what), " ", path, ": ", reason));
    }
    return absl::NotFoundError(absl::StrCat("cannot read ", std::string(what), " ", path, ": ", reason));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(absl::StrCat(std::string(what), " ", path, " is empty"));
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("the server address is empty");
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs its private key and the other way round (--tls-cert with "
        "--tls-key)");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (UsesTls(options)) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(options.tls_ca_file, "CA file"));
    }
    if (!options.tls_cert_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPemFile(options.tls_cert_file, "client certificate"));
      ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPemFile(options.tls_key_file, "client key"));
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

}  // namespace memoria::client
