// ServerConfig: flags, environment, and the transport-security rules.
#include "server/config.h"

#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/record.h"

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
  EXPECT_EQ(config.max_entry_bytes, 65404u);  // kMaxEntryBytes: every record fits a bundle
  EXPECT_TRUE(config.tiles_dir.empty());
  EXPECT_TRUE(config.http_listen.empty());
  EXPECT_TRUE(config.portal);
  EXPECT_EQ(config.portal_time_zone, "America/Bogota");
  EXPECT_EQ(config.tiles_interval, absl::Seconds(1));
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

// Extra non-working days (a municipal decree) come as a comma-separated list
// of dates; anything else names the bad entry.
TEST(ServerConfigTest, NonWorkingDaysAreDates) {
  ServerConfig config;
  EXPECT_EQ(Parse({"--non-working-days", "2026-01-02,2026-11-13"}, config), std::nullopt);
  EXPECT_THAT(config.non_working_days, ::testing::ElementsAre("2026-01-02", "2026-11-13"));
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  setenv("MEMORIA_NON_WORKING_DAYS", "2026-12-24", 1);
  ServerConfig from_env;
  EXPECT_EQ(Parse({}, from_env), std::nullopt);
  unsetenv("MEMORIA_NON_WORKING_DAYS");
  EXPECT_THAT(from_env.non_working_days, ::testing::ElementsAre("2026-12-24"));
  config.non_working_days = {"2026-01-02", "13/11/2026"};
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("13/11/2026"));
}

TEST(ServerConfigTest, BackupAndRestoreFlags) {
  ServerConfig config;
  EXPECT_EQ(Parse({}, config), std::nullopt);
  EXPECT_TRUE(config.backup_dir.empty());
  EXPECT_FALSE(config.backup_keys);
  EXPECT_TRUE(config.restore_from.empty());
  setenv("MEMORIA_BACKUP_DIR", "/srv/backups", 1);
  EXPECT_EQ(Parse({"--backup-keys"}, config), std::nullopt);
  unsetenv("MEMORIA_BACKUP_DIR");
  EXPECT_EQ(config.backup_dir, "/srv/backups");
  EXPECT_TRUE(config.backup_keys);
  EXPECT_TRUE(ValidateServerConfig(config).ok());

  // Restoring is a command of its own: only from the command line, and alone.
  ServerConfig restore;
  setenv("MEMORIA_RESTORE_FROM", "/srv/backups/b", 1);
  EXPECT_EQ(Parse({}, restore), std::nullopt);
  unsetenv("MEMORIA_RESTORE_FROM");
  EXPECT_TRUE(restore.restore_from.empty());
  EXPECT_EQ(Parse({"--restore-from", "/srv/backups/b", "--restore-overwrite",
                   "--restore-known-checkpoint", "a", "--restore-known-checkpoint", "b"},
                  restore),
            std::nullopt);
  EXPECT_EQ(restore.restore_known_checkpoints, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ValidateServerConfig(restore).ok());
  restore.init = true;
  EXPECT_THAT(ValidateServerConfig(restore).message(), HasSubstr("--restore-from goes without --init"));

  ServerConfig lone;
  lone.restore_overwrite = true;
  EXPECT_THAT(ValidateServerConfig(lone).message(), HasSubstr("go with --restore-from"));
}

// A negative number in any numeric flag is a usage error (exit 2), not a
// value wrapped around to a huge unsigned one.
TEST(ServerConfigTest, NegativeNumbersAreUsageErrors) {
  for (const char* flag :
       {"--max-entry-bytes", "--max-batch-entries", "--max-message-bytes", "--batch-max-entries",
        "--batch-max-bytes", "--batch-max-wait-micros", "--tree-memory-mib",
        "--shutdown-grace-seconds", "--pqrd-referral-business-days", "--alternate-inactive-days",
        "--credentials-rotation-days", "--responsible-notification-business-days",
        "--password-change-after-employment-days"}) {
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

TEST(ServerConfigTest, EventTimeWindowFromFlagsEnvironmentAndFile) {
  ServerConfig config;
  EXPECT_EQ(Parse({}, config), std::nullopt);
  EXPECT_EQ(config.min_event_time, absl::FromUnixSeconds(-2'208'988'800));  // 1900-01-01
  EXPECT_EQ(config.max_event_time_ahead, absl::Hours(24));

  EXPECT_EQ(Parse({"--min-event-time", "2000-01-01T00:00:00-05:00", "--max-event-time-ahead",
                   "90m"},
                  config),
            std::nullopt);
  EXPECT_EQ(config.min_event_time, absl::FromUnixSeconds(946'702'800));
  EXPECT_EQ(config.max_event_time_ahead, absl::Minutes(90));

  setenv("MEMORIA_MAX_EVENT_TIME_AHEAD", "1h30m", 1);
  config = ServerConfig();
  EXPECT_EQ(Parse({}, config), std::nullopt);
  unsetenv("MEMORIA_MAX_EVENT_TIME_AHEAD");
  EXPECT_EQ(config.max_event_time_ahead, absl::Minutes(90));

  const std::string file = ::testing::TempDir() + "/event-window.toml";
  {
    std::ofstream out(file);
    out << "min-event-time = \"1970-01-01T00:00:01Z\"\nmax-event-time-ahead = \"10s\"\n";
  }
  config = ServerConfig();
  EXPECT_EQ(Parse({"--config", file.c_str()}, config), std::nullopt);
  EXPECT_EQ(config.min_event_time, absl::FromUnixSeconds(1));
  EXPECT_EQ(config.max_event_time_ahead, absl::Seconds(10));

  testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_THAT(help, HasSubstr("--min-event-time"));
  EXPECT_THAT(help, HasSubstr("--max-event-time-ahead"));
}

TEST(ServerConfigTest, BadEventTimeWindowsAreRefused) {
  ServerConfig config;
  testing::internal::CaptureStderr();
  EXPECT_THAT(Parse({"--min-event-time", "1900-01-01"}, config), ::testing::Optional(::testing::Ne(0)));
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("is not an RFC 3339 time"));
  testing::internal::CaptureStderr();
  EXPECT_THAT(Parse({"--max-event-time-ahead", "1 day"}, config), ::testing::Optional(::testing::Ne(0)));
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("is not a duration"));
  config = ServerConfig();
  config.max_event_time_ahead = absl::Seconds(-1);
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("--max-event-time-ahead"));
}

TEST(ServerConfigTest, StreamAndConnectionBoundsComeFromFlagsAndMustBePositive) {
  ServerConfig config;
  EXPECT_EQ(config.max_long_reads, 64u);
  EXPECT_EQ(config.stream_stall_timeout, absl::Seconds(30));
  EXPECT_EQ(Parse({"--max-long-reads", "8", "--stream-stall-timeout-seconds", "5",
                   "--max-streams-per-connection", "10", "--grpc-memory-mib", "32",
                   "--keepalive-seconds", "7", "--keepalive-timeout-seconds", "3",
                   "--connection-idle-seconds", "90"},
                  config),
            std::nullopt);
  EXPECT_EQ(config.max_long_reads, 8u);
  EXPECT_EQ(config.stream_stall_timeout, absl::Seconds(5));
  EXPECT_EQ(config.max_streams_per_connection, 10u);
  EXPECT_EQ(config.grpc_memory_mib, 32u);
  EXPECT_EQ(config.keepalive_time, absl::Seconds(7));
  EXPECT_EQ(config.keepalive_timeout, absl::Seconds(3));
  EXPECT_EQ(config.connection_idle_timeout, absl::Seconds(90));
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.max_long_reads = 0;
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("--max-long-reads"));
  config = ServerConfig();
  config.stream_stall_timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateServerConfig(config).message(),
              HasSubstr("--stream-stall-timeout-seconds"));
}

TEST(ServerConfigTest, TilesFlagsFillTheConfigAndAreChecked) {
  ServerConfig config;
  testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_THAT(help, HasSubstr("--tiles-dir"));
  EXPECT_THAT(help, HasSubstr("default: none, not published"));
  EXPECT_THAT(help, HasSubstr("--tiles-interval"));
  EXPECT_THAT(help, HasSubstr("--http-listen"));
  setenv("MEMORIA_TILES_INTERVAL", "250ms", 1);
  EXPECT_EQ(Parse({"--tiles-dir", "/srv/tiles", "--http-listen", "0.0.0.0:8080"}, config),
            std::nullopt);
  unsetenv("MEMORIA_TILES_INTERVAL");
  EXPECT_EQ(config.tiles_dir, "/srv/tiles");
  EXPECT_EQ(config.http_listen, "0.0.0.0:8080");
  EXPECT_EQ(config.tiles_interval, absl::Milliseconds(250));
  EXPECT_TRUE(ValidateServerConfig(config).ok());

  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({"--tiles-interval", "soon"}, config), 2);
  testing::internal::GetCapturedStderr();
  config.tiles_interval = absl::ZeroDuration();
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("--tiles-interval"));
  config = ServerConfig();
  // Without --tiles-dir: /metrics, /healthz and /readyz only.
  config.http_listen = "127.0.0.1:8080";
  // The portal (on by default) is enough to serve, and so are /metrics and
  // the health endpoints even with --no-portal.
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.portal = false;
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.tiles_dir = "tiles";
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  config.http_listen = "no-port";
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("--http-listen"));
}

// Every record must fit an entry bundle of the tiles (65,535 bytes): the
// largest entry is 65,404 bytes, the default, and no more can be configured.
TEST(ServerConfigTest, MaxEntryBytesIsBoundedSoThatEveryRecordFitsABundle) {
  ServerConfig config;
  EXPECT_EQ(config.max_entry_bytes, kMaxEntryBytes);
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  EXPECT_EQ(Parse({"--max-entry-bytes", "65405"}, config), std::nullopt);
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at most 65404"));
  config.max_entry_bytes = 1000;
  EXPECT_TRUE(ValidateServerConfig(config).ok());
}

// --log-format: text by default, json, nothing else (a usage error, exit 2).
TEST(ServerConfigTest, LogFormatIsTextOrJson) {
  ServerConfig config;
  EXPECT_EQ(config.log_format, "text");
  EXPECT_EQ(Parse({"--log-format", "json"}, config), std::nullopt);
  EXPECT_EQ(config.log_format, "json");
  EXPECT_TRUE(ValidateServerConfig(config).ok());
  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({"--log-format", "xml"}, config), 2);
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("--log-format"));
  config.log_format = "yaml";
  EXPECT_THAT(ValidateServerConfig(config).message(), HasSubstr("--log-format"));
}

TEST(ServerConfigTest, PortalFlagsFillTheConfig) {
  ServerConfig config;
  testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_THAT(help, HasSubstr("--no-portal"));
  EXPECT_THAT(help, HasSubstr("--portal-time-zone"));
  EXPECT_EQ(Parse({"--http-listen", "127.0.0.1:8080", "--no-portal", "--portal-time-zone",
                   "Europe/Madrid"},
                  config),
            std::nullopt);
  EXPECT_FALSE(config.portal);
  EXPECT_EQ(config.portal_time_zone, "Europe/Madrid");
}

}  // namespace
}  // namespace memoria::server
