// TLS and mTLS: certificates made with the openssl command at test time.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <grpcpp/grpcpp.h>

#include "tests/support/file_bytes.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::TempDir;
using ::memoria::testing::ReadFileBytes;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    const std::string d = dir_.path();
    const std::string script = absl::StrCat(
        "cd ", d, " && ",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
        "-subj /CN=test-ca -keyout ca.key -out ca.pem && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
        "-keyout server.key -out server.csr && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-extfile san.ext -out server.pem && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=writer "
        "-keyout client.key -out client.csr && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-out client.pem) > ", d, "/openssl.log 2>&1");
    if (system(("(" + script).c_str()) != 0) GTEST_SKIP() << "openssl unavailable";
    chmod((d + "/server.key").c_str(), 0600);
    config_ = testing::TestServerConfig(d + "/data");
    config_.tls_cert_file = d + "/server.pem";
    config_.tls_key_file = d + "/server.key";
  }

  grpc::Status GetInfo(const grpc::SslCredentialsOptions& options, int port) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = v1::Ledger::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", port), grpc::SslCredentials(options), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::Info info;
    return stub->GetInfo(&context, v1::GetInfoRequest(), &info);
  }

  TempDir dir_;
  ServerConfig config_;
};

TEST_F(TlsTest, TlsServesClientsThatTrustTheCertificate) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config_);
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileBytes(dir_.path() + "/ca.pem");
  EXPECT_TRUE(GetInfo(options, (*server)->port()).ok());

  // A plaintext client gets nothing.
  auto plain = testing::NewLocalStub((*server)->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::Info info;
  EXPECT_FALSE(plain->GetInfo(&context, v1::GetInfoRequest(), &info).ok());
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  config_.client_ca_file = dir_.path() + "/ca.pem";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config_);
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileBytes(dir_.path() + "/ca.pem");
  EXPECT_FALSE(GetInfo(options, (*server)->port()).ok());

  options.pem_cert_chain = ReadFileBytes(dir_.path() + "/client.pem");
  options.pem_private_key = ReadFileBytes(dir_.path() + "/client.key");
  grpc::Status status = GetInfo(options, (*server)->port());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// The TLS private key is checked like the log and administrator keys, before
// the data directory is touched.
TEST_F(TlsTest, ATlsKeyReadableByGroupOrOthersIsRefused) {
  for (mode_t mode : {0640, 0604}) {
    chmod(config_.tls_key_file.c_str(), mode);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config_);
    ASSERT_EQ(server.status().code(), absl::StatusCode::kPermissionDenied) << server.status();
    EXPECT_THAT(server.status().message(),
                ::testing::HasSubstr(absl::StrCat("TLS key file ", config_.tls_key_file,
                                                  " is accessible by group or others; chmod 600")));
    EXPECT_FALSE(std::filesystem::exists(config_.data_dir));
  }
}

TEST(TlsConfigTest, MissingCertificateFileFailsToStart) {
  TempDir dir;
  ServerConfig config = testing::TestServerConfig(dir.path() + "/data");
  config.tls_cert_file = dir.path() + "/nope.pem";
  config.tls_key_file = dir.path() + "/nope.key";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace memoria::server
