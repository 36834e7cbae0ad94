// ServerConfig: flags, environment, and the transport-security rules.
#include "server/config.h"

#include <stdlib.h>

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memoria::server {
namespace {

using ::testing::HasSubstr;

std::optional<int> Parse(std::vector<const char*> args, ServerConfig& config) {
  args.insert(args.begin(), "memoria-server");
  return ParseServerFlags(static_cast<int>(args.size()), args.data(), config);
}

TEST(ServerConfigTest, DefaultsServeLoopbackPlaintextUnderData) {
  ServerConfig config;
  EXPECT_EQ(Parse({}, config), std::nullopt);
  EXPECT_EQ(config.data_dir, "data");
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.LogKeyPath(), "data/keys/log.key");
  EXPECT_EQ(config.AdminKeyPath(), "data/keys/admin.key");
  EXPECT_EQ(config.max_entry_bytes, 65536u);
  EXPECT_EQ(config.batch.max_wait, absl::Milliseconds(2));
  EXPECT_EQ(config.tree_memory_mib, 64u);
  EXPECT_TRUE(config.reflection);
  EXPECT_TRUE(UsesPlaintext(config));
  EXPECT_TRUE(ValidateServerConfig(config).ok());
}

TEST(ServerConfigTest, FlagsAndEnvironmentFillTheConfig) {
  setenv("MEMORIA_MAX_ENTRY_BYTES", "1234", 1);
  ServerConfig config;
  EXPECT_EQ(Parse({"--data-dir", "/srv/memoria", "--no-reflection", "--batch-max-wait-micros",
                   "500", "--shutdown-grace-seconds", "3", "--log-level", "debug",
                   "--tree-memory-mib", "16"},
                  config),
            std::nullopt);
  unsetenv("MEMORIA_MAX_ENTRY_BYTES");
  EXPECT_EQ(config.data_dir, "/srv/memoria");
  EXPECT_EQ(config.LogKeyPath(), "/srv/memoria/keys/log.key");
  EXPECT_FALSE(config.reflection);
  EXPECT_EQ(config.max_entry_bytes, 1234u);
  EXPECT_EQ(config.batch.max_wait, absl::Microseconds(500));
  EXPECT_EQ(config.shutdown_grace, absl::Seconds(3));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.tree_memory_mib, 16u);
}

TEST(ServerConfigTest, HelpAndUsageErrorsExit) {
  ServerConfig config;
  testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  EXPECT_THAT(testing::internal::GetCapturedStdout(), HasSubstr("--plaintext"));
  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({"--no-such-flag"}, config), 2);
  testing::internal::GetCapturedStderr();
}

TEST(ServerConfigTest, InitIsAnExplicitFlagWithoutEnvironmentVariable) {
  ServerConfig config;
  EXPECT_EQ(Parse({}, config), std::nullopt);
  EXPECT_FALSE(config.init);
  setenv("MEMORIA_INIT", "1", 1);
  EXPECT_EQ(Parse({}, config), std::nullopt);
  unsetenv("MEMORIA_INIT");
  EXPECT_FALSE(config.init);
  EXPECT_EQ(Parse({"--init"}, config), std::nullopt);
  EXPECT_TRUE(config.init);
}

// A negative number in any numeric flag is a usage error (exit 2), not a
// value wrapped around to a huge unsigned one.
TEST(ServerConfigTest, NegativeNumbersAreUsageErrors) {
  for (const char* flag :
       {"--max-entry-bytes", "--max-batch-entries", "--max-message-bytes", "--batch-max-entries",
        "--batch-max-bytes", "--batch-max-wait-micros", "--tree-memory-mib",
        "--shutdown-grace-seconds", "--pqrd-referral-business-days", "--alternate-inactive-days",
        "--credentials-rotation-days"}) {
    SCOPED_TRACE(flag);
    ServerConfig config;
    const ServerConfig defaults;
    testing::internal::CaptureStderr();
    EXPECT_EQ(Parse({flag, "-1"}, config), 2);
    const std::string separate = testing::internal::GetCapturedStderr();
    EXPECT_THAT(separate, HasSubstr(flag));
    testing::internal::CaptureStderr();
    const std::string joined = std::string(flag) + "=-7";
    EXPECT_EQ(Parse({joined.c_str()}, config), 2);
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(config.max_entry_bytes, defaults.max_entry_bytes);
    EXPECT_EQ(config.tree_memory_mib, defaults.tree_memory_mib);
  }
  // From the environment too.
  setenv("MEMORIA_MAX_ENTRY_BYTES", "-5", 1);
  ServerConfig config;
  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({}, config), 2);
  testing::internal::GetCapturedStderr();
  unsetenv("MEMORIA_MAX_ENTRY_BYTES");
  // Zero is still a number (ValidateServerConfig judges it).
  EXPECT_EQ(Parse({"--batch-max-wait-micros", "0"}, config), std::nullopt);
}

TEST(ServerConfigTest, PlaintextOnANonLoopbackAddressNeedsTheFlag) {
  ServerConfig config;
  config.listen = "0.0.0.0:50051";
  absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--plaintext"));
  config.plaintext = true;
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.listen = "[::1]:50051";
  config.plaintext = false;
  EXPECT_TRUE(ValidateServerConfig(config).ok());
}

TEST(ServerConfigTest, InconsistentTlsSettingsAreRefused) {
  ServerConfig config;
  config.tls_cert_file = "cert.pem";
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("go together"));
  config.tls_key_file = "key.pem";
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.plaintext = true;
  EXPECT_FALSE(ValidateServerConfig(config).ok());
  config = ServerConfig();
  config.client_ca_file = "ca.pem";
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("mTLS"));
  config = ServerConfig();
  config.listen = "no-port";
  EXPECT_FALSE(ValidateServerConfig(config).ok());
  config = ServerConfig();
  config.log_level = "loud";
  EXPECT_FALSE(ValidateServerConfig(config).ok());
}

}  // namespace
}  // namespace memoria::server
