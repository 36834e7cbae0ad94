#include "server/reader_credential.h"

#include <fstream>

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/private_file.h"

namespace memoria::server {

absl::StatusOr<ReaderCredential> ReaderCredential::FromToken(std::string_view token) {
  if (token.size() < kMinReaderTokenBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the reader token is ", token.size(),
                                                   " bytes; it must be at least ",
                                                   kMinReaderTokenBytes));
  }
  return ReaderCredential(Sha256(token));
}

absl::StatusOr<ReaderCredential> ReaderCredential::FromFile(const std::string& path) {
  if (absl::Status mode = CheckPrivateFileMode(path, "the reader token file"); !mode.ok()) {
    return mode;
  }
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::NotFoundError(absl::StrCat("cannot read the reader token file ", path));
  }
  const absl::string_view token = absl::StripAsciiWhitespace(line);
  return FromToken(std::string_view(token.data(), token.size()));
}

absl::Status ReaderCredential::CheckHeader(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return absl::UnauthenticatedError(
        "reading personal data needs the reader credential: metadata \"authorization: Bearer "
        "<token>\"");
  }
  const Hash presented = Sha256(authorization.substr(kBearer.size()));
  if (sodium_memcmp(presented.data(), digest_.data(), digest_.size()) != 0) {
    return absl::UnauthenticatedError("the reader credential is not valid");
  }
  return absl::OkStatus();
}

absl::Status ReaderCredential::Check(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthorizationMetadata);
  if (it == metadata.end()) return CheckHeader("");
  return CheckHeader(std::string_view(it->second.data(), it->second.size()));
}

}  // namespace memoria::server
