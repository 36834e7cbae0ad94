#include "server/config.h"

#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/record.h"

#ifndef MEMORIA_VERSION
#define MEMORIA_VERSION "unknown"
#endif

namespace memoria::server {
namespace {

constexpr std::string_view kLevels[] = {"trace", "debug", "info",    "warn",
                                        "error", "critical", "off"};

constexpr char kDescription[] = R"(memoria-server: the memoria append-only audit ledger over gRPC.

Services append entries signed by their registered writer keys; anyone reads
records, checkpoints and proofs.

A new log is created only with --init, and only in an absent or empty
--data-dir: the server creates the RocksDB log there, generates the log key
(<data-dir>/keys/log.key) and, unless --admin-vkey is given, an administrator
key (<data-dir>/keys/admin.key) if they are missing (private key files of mode
0600), writes the genesis record, prints the verifier keys and keeps serving.
Every later start is without --init and needs the log in --data-dir: a data
directory with no log store (db/ missing or empty) is an error, never a new
log. If a log existed there, restore it from a backup or a mirror. One server
at a time holds a data directory (<data-dir>/LOCK) and a listening address.

Transport: by default it listens on 127.0.0.1:50051 in plaintext and logs a
warning. Give --tls-cert and --tls-key for TLS, and --client-ca as well to
require client certificates (mTLS). Listening on a non-loopback address without
TLS requires --plaintext.

Every flag can also be set with an environment variable MEMORIA_<FLAG> (for
example MEMORIA_DATA_DIR, MEMORIA_LISTEN) or in a file given with --config
(TOML/INI: data-dir = "data"); flags win over the environment, which wins over
the file.

SIGTERM or SIGINT stops intake, finishes queued batches, waits up to
--shutdown-grace-seconds for in-flight calls and exits 0.)";

std::string KeyPathOrDefault(const std::string& path, const std::string& data_dir,
                             const char* file) {
  if (!path.empty()) return path;
  return absl::StrCat(data_dir, "/keys/", file);
}

// Splits "host:port" or "[v6]:port"; false if malformed.
bool SplitHostPort(const std::string& listen, std::string& host, std::string& port) {
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return false;
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return false;
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  uint32_t number = 0;
  return !port.empty() && absl::SimpleAtoi(port, &number) && number <= 65535;
}

// CLI11 validators: "" if the text parses, else what is wrong.
std::string ParseRfc3339Flag(std::string& text) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return "";
  return absl::StrCat("\"", text, "\" is not an RFC 3339 time (1900-01-01T00:00:00Z): ", error);
}

std::string ParseDurationFlag(std::string& text) {
  absl::Duration duration;
  if (absl::ParseDuration(text, &duration)) return "";
  return absl::StrCat("\"", text, "\" is not a duration (24h, 90m, 3600s)");
}

}  // namespace

std::string ServerConfig::LogKeyPath() const {
  return KeyPathOrDefault(log_key_file, data_dir, "log.key");
}

std::string ServerConfig::AdminKeyPath() const {
  return KeyPathOrDefault(admin_key_file, data_dir, "admin.key");
}

bool IsLoopbackAddress(const std::string& listen) {
  std::string host, port;
  if (!SplitHostPort(listen, host, port)) return false;
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<int> ParseServerFlags(int argc, const char* const* argv, ServerConfig& config) {
  CLI::App app(kDescription, "memoria-server");
  app.set_config("--config", "", "Read flags from this TOML/INI file");
  app.set_version_flag("--version", MEMORIA_VERSION);

  int64_t max_wait_micros = absl::ToInt64Microseconds(config.batch.max_wait);
  int64_t grace_seconds = absl::ToInt64Seconds(config.shutdown_grace);
  bool no_reflection = !config.reflection;

  std::string min_event_time =
      absl::FormatTime(absl::RFC3339_full, config.min_event_time, absl::UTCTimeZone());
  std::string max_event_time_ahead = absl::FormatDuration(config.max_event_time_ahead);

  auto env = [](CLI::Option* option, const char* name) { return option->envname(name); };
  env(app.add_option("--data-dir", config.data_dir, "Data directory of the log (see --init)")
          ->capture_default_str(),
      "MEMORIA_DATA_DIR");
  env(app.add_option("--listen", config.listen, "host:port to listen on (port 0: any free port)")
          ->capture_default_str(),
      "MEMORIA_LISTEN");
  env(app.add_option("--port-file", config.port_file,
                     "Write the bound port to this file once serving"),
      "MEMORIA_PORT_FILE");
  env(app.add_option("--log-key-file", config.log_key_file,
                     "Log private key file (default <data-dir>/keys/log.key; generated by --init if "
                     "missing)"),
      "MEMORIA_LOG_KEY_FILE");
  env(app.add_option("--origin", config.origin,
                     "Origin (log key name) for a newly generated log key")
          ->capture_default_str(),
      "MEMORIA_ORIGIN");
  env(app.add_option("--admin-vkey", config.admin_vkey,
                     "Administrator verifier key (name+hex8+base64) allowed to register and "
                     "revoke writers"),
      "MEMORIA_ADMIN_VKEY");
  env(app.add_option("--admin-key-file", config.admin_key_file,
                     "Administrator private key file, used when --admin-vkey is not given "
                     "(default <data-dir>/keys/admin.key; generated by --init if missing)"),
      "MEMORIA_ADMIN_KEY_FILE");
  env(app.add_option("--max-entry-bytes", config.max_entry_bytes,
                     "Largest accepted entry, at most 65404: every record must fit an entry "
                     "bundle of the tiles (65,535 bytes)")
          ->capture_default_str(),
      "MEMORIA_MAX_ENTRY_BYTES");
  env(app.add_option("--max-batch-entries", config.max_batch_entries,
                     "Most entries in one AppendBatch call")
          ->capture_default_str(),
      "MEMORIA_MAX_BATCH_ENTRIES");
  env(app.add_option("--max-message-bytes", config.max_message_bytes,
                     "Largest gRPC message received")
          ->capture_default_str(),
      "MEMORIA_MAX_MESSAGE_BYTES");
  env(app.add_option("--batch-max-entries", config.batch.max_entries,
                     "Most entries per sequenced batch (one synced write)")
          ->capture_default_str(),
      "MEMORIA_BATCH_MAX_ENTRIES");
  env(app.add_option("--batch-max-bytes", config.batch.max_bytes,
                     "Most entry bytes per sequenced batch")
          ->capture_default_str(),
      "MEMORIA_BATCH_MAX_BYTES");
  env(app.add_option("--batch-max-wait-micros", max_wait_micros,
                     "Longest wait for a batch to fill, from its oldest request's arrival")
          ->capture_default_str(),
      "MEMORIA_BATCH_MAX_WAIT_MICROS");
  env(app.add_option("--tree-memory-mib", config.tree_memory_mib,
                     "Memory for the Merkle tree's hashes (the whole tree up to ~10^6 records "
                     "at 64; the upper levels beyond)")
          ->capture_default_str(),
      "MEMORIA_TREE_MEMORY_MIB");
  env(app.add_option("--min-event-time", min_event_time,
                     "Refuse entries whose event time is before this RFC 3339 time")
          ->check(CLI::Validator(ParseRfc3339Flag, "RFC3339"))
          ->capture_default_str(),
      "MEMORIA_MIN_EVENT_TIME");
  env(app.add_option("--max-event-time-ahead", max_event_time_ahead,
                     "Refuse entries whose event time is later than now plus this duration "
                     "(24h, 90m, 3600s)")
          ->check(CLI::Validator(ParseDurationFlag, "DURATION"))
          ->capture_default_str(),
      "MEMORIA_MAX_EVENT_TIME_AHEAD");
  env(app.add_option("--reserved-disk-mib", config.reserved_disk_mib,
                     "Appends answer RESOURCE_EXHAUSTED while the disk holding the log has less "
                     "free space than this; they resume by themselves once space is freed")
          ->capture_default_str(),
      "MEMORIA_RESERVED_DISK_MIB");
  int64_t stall_seconds = absl::ToInt64Seconds(config.stream_stall_timeout);
  int64_t keepalive_seconds = absl::ToInt64Seconds(config.keepalive_time);
  int64_t keepalive_timeout_seconds = absl::ToInt64Seconds(config.keepalive_timeout);
  int64_t idle_seconds = absl::ToInt64Seconds(config.connection_idle_timeout);
  env(app.add_option("--max-long-reads", config.max_long_reads,
                     "Most GetRecords, Watch and Export streams at once (one thread each); one "
                     "more is answered RESOURCE_EXHAUSTED")
          ->capture_default_str(),
      "MEMORIA_MAX_LONG_READS");
  env(app.add_option("--stream-stall-timeout-seconds", stall_seconds,
                     "Cancel a stream whose client takes no message for this long")
          ->capture_default_str(),
      "MEMORIA_STREAM_STALL_TIMEOUT_SECONDS");
  env(app.add_option("--max-streams-per-connection", config.max_streams_per_connection,
                     "Most concurrent calls on one connection")
          ->capture_default_str(),
      "MEMORIA_MAX_STREAMS_PER_CONNECTION");
  env(app.add_option("--grpc-memory-mib", config.grpc_memory_mib,
                     "Memory gRPC may use for its buffers (resource quota)")
          ->capture_default_str(),
      "MEMORIA_GRPC_MEMORY_MIB");
  env(app.add_option("--keepalive-seconds", keepalive_seconds,
                     "Ping a connection quiet for this long")
          ->capture_default_str(),
      "MEMORIA_KEEPALIVE_SECONDS");
  env(app.add_option("--keepalive-timeout-seconds", keepalive_timeout_seconds,
                     "Close a connection whose keepalive ping is not answered within this long")
          ->capture_default_str(),
      "MEMORIA_KEEPALIVE_TIMEOUT_SECONDS");
  env(app.add_option("--connection-idle-seconds", idle_seconds,
                     "Close a connection that has had no call for this long")
          ->capture_default_str(),
      "MEMORIA_CONNECTION_IDLE_SECONDS");
  env(app.add_option("--tls-cert", config.tls_cert_file, "PEM server certificate chain (TLS)"),
      "MEMORIA_TLS_CERT");
  env(app.add_option("--tls-key", config.tls_key_file, "PEM server private key (TLS)"),
      "MEMORIA_TLS_KEY");
  env(app.add_option("--client-ca", config.client_ca_file,
                     "PEM CA bundle; clients must present a certificate it signed (mTLS)"),
      "MEMORIA_CLIENT_CA");
  env(app.add_flag("--plaintext", config.plaintext,
                   "Allow plaintext on a non-loopback address (loopback is plaintext by default "
                   "when no certificate is given)"),
      "MEMORIA_PLAINTEXT");
  env(app.add_flag("--no-reflection", no_reflection, "Do not serve gRPC server reflection"),
      "MEMORIA_NO_REFLECTION");
  env(app.add_option("--log-level", config.log_level,
                     "trace, debug (shows every rejected request), info, warn, error, critical, "
                     "off")
          ->capture_default_str(),
      "MEMORIA_LOG_LEVEL");
  env(app.add_option("--log-format", config.log_format,
                     "text (one line per event, as spdlog writes them) or json (one JSON object "
                     "per line: time (RFC 3339, UTC), level, msg, and fields such as request_id, "
                     "the x-request-id of the gRPC call a line is about)")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str(),
      "MEMORIA_LOG_FORMAT");
  env(app.add_option("--shutdown-grace-seconds", grace_seconds,
                     "On SIGTERM/SIGINT, how long in-flight calls may take before they are "
                     "cancelled")
          ->capture_default_str(),
      "MEMORIA_SHUTDOWN_GRACE_SECONDS");

  std::string witness_interval = absl::FormatDuration(config.witness_interval);
  std::string witness_timeout = absl::FormatDuration(config.witness_timeout);
  env(app.add_option("--witness-policy", config.witness_policy_file,
                     "C2SP tlog-policy file naming the witnesses (with their URLs) that cosign "
                     "this log's checkpoints, and the quorum; see server/README.md"),
      "MEMORIA_WITNESS_POLICY");
  env(app.add_option("--witness-interval", witness_interval,
                     "Submit the latest checkpoint to the witnesses at most this often under "
                     "load (and at once when the log goes idle)")
          ->check(CLI::Validator(ParseDurationFlag, "DURATION"))
          ->capture_default_str(),
      "MEMORIA_WITNESS_INTERVAL");
  env(app.add_option("--witness-timeout", witness_timeout,
                     "Give up on a witness's answer after this long (each of connecting, "
                     "sending, reading)")
          ->check(CLI::Validator(ParseDurationFlag, "DURATION"))
          ->capture_default_str(),
      "MEMORIA_WITNESS_TIMEOUT");

  std::string tiles_interval = absl::FormatDuration(config.tiles_interval);
  env(app.add_option("--tiles-dir", config.tiles_dir,
                     "Publish the log as C2SP tlog-tiles (checkpoint, hash tiles, entry bundles) "
                     "in this directory, for --http-listen, any static web server or a sync to "
                     "object storage (default: none, not published); the checkpoint is the "
                     "witnesses' cosigned one with --witness-policy"),
      "MEMORIA_TILES_DIR");
  env(app.add_option("--tiles-interval", tiles_interval,
                     "Publish the latest checkpoint's tiles at most this often under load (and at "
                     "once when the log goes idle)")
          ->check(CLI::Validator(ParseDurationFlag, "DURATION"))
          ->capture_default_str(),
      "MEMORIA_TILES_INTERVAL");
  env(app.add_option("--http-listen", config.http_listen,
                     "host:port of the HTTP listener (port 0: any free port; default: none): "
                     "the citizens' portal (/, /api/v1/...; unless --no-portal), GET /metrics "
                     "(Prometheus), /healthz (live), /readyz (ready: store, tree, witnesses; 503 "
                     "with a JSON body naming what is not), and --tiles-dir's files when given. "
                     "Plaintext: keep it on loopback or a private network, or behind a TLS proxy"),
      "MEMORIA_HTTP_LISTEN");
  bool no_portal = !config.portal;
  env(app.add_flag("--no-portal", no_portal,
                   "Do not serve the citizens' portal and its /api/v1 on --http-listen (only "
                   "--tiles-dir)"),
      "MEMORIA_NO_PORTAL");
  env(app.add_option("--portal-time-zone", config.portal_time_zone,
                     "The institution's time zone (IANA name): the days of the portal's dates "
                     "and the zone it shows times in")
          ->capture_default_str(),
      "MEMORIA_PORTAL_TIME_ZONE");

  env(app.add_option("--reader-token-file", config.reader_token_file,
                     "File (mode 0600) holding the bearer token that lets readers get citizens' "
                     "personal data (GetPersonalData); needs TLS off loopback"),
      "MEMORIA_READER_TOKEN_FILE");
  env(app.add_option("--allowed-email-domains", config.allowed_email_domains,
                     "Institutional email domains for the findings")
          ->delimiter(',')
          ->capture_default_str(),
      "MEMORIA_ALLOWED_EMAIL_DOMAINS");
  env(app.add_option("--pqrd-referral-business-days", config.pqrd_referral_business_days,
                     "Findings: a PQRD must be referred within this many business days")
          ->capture_default_str(),
      "MEMORIA_PQRD_REFERRAL_BUSINESS_DAYS");
  env(app.add_option("--alternate-inactive-days", config.alternate_inactive_days,
                     "Findings: an alternate account inactive this many days")
          ->capture_default_str(),
      "MEMORIA_ALTERNATE_INACTIVE_DAYS");
  env(app.add_option("--credentials-rotation-days", config.credentials_rotation_days,
                     "Findings: credentials not rotated for this many days")
          ->capture_default_str(),
      "MEMORIA_CREDENTIALS_ROTATION_DAYS");
  env(app.add_option("--responsible-notification-business-days",
                     config.responsible_notification_business_days,
                     "Findings: a responsible administrator's name must be notified to the "
                     "Oficina de Comunicación Social within this many business days")
          ->capture_default_str(),
      "MEMORIA_RESPONSIBLE_NOTIFICATION_BUSINESS_DAYS");
  env(app.add_option("--password-change-after-employment-days",
                     config.password_change_after_employment_days,
                     "Findings: the passwords of the accounts a person administered must change "
                     "within this many days of their employment ending")
          ->capture_default_str(),
      "MEMORIA_PASSWORD_CHANGE_AFTER_EMPLOYMENT_DAYS");
  env(app.add_option("--non-working-days", config.non_working_days,
                     "Findings: days that are not business days besides weekends and the "
                     "Colombian holidays (a municipal decree), comma-separated YYYY-MM-DD")
          ->delimiter(','),
      "MEMORIA_NON_WORKING_DAYS");
  env(app.add_option("--backup-dir", config.backup_dir,
                     "On SIGUSR1, write an online backup of the log (store, personal data, "
                     "high-water mark) consistent with its latest signed checkpoint into a new "
                     "directory here (server/README.md, Backup and restore)"),
      "MEMORIA_BACKUP_DIR");
  env(app.add_flag("--backup-keys", config.backup_keys,
                   "Also copy the log and administrator private keys into each backup (off: "
                   "keep them safe apart; a log without its key cannot go on)"),
      "MEMORIA_BACKUP_KEYS");
  app.add_option("--restore-from", config.restore_from,
                 "Verify the backup in this directory and install it as --data-dir, then exit "
                 "(0 restored; 1 refused: damaged, a rollback, a non-empty --data-dir; 2 usage). "
                 "The server must be stopped");
  app.add_flag("--restore-overwrite", config.restore_overwrite,
               "With --restore-from: move a non-empty --data-dir aside "
               "(<data-dir>.before-restore-<time>) instead of refusing");
  app.add_option("--restore-known-checkpoint", config.restore_known_checkpoints,
                 "With --restore-from: a file holding a signed checkpoint of this log known to "
                 "exist (a witness's, a client's, another copy's); a backup shorter than it is a "
                 "rollback and is refused. Repeatable");
  app.add_flag("--rebuild-views", config.rebuild_views,
               "Recompute the policy views from the log, compare them with the stored ones, "
               "report and exit (0: identical, 1: different)");
  app.add_flag("--init", config.init,
               "Create a new log (keys if missing, genesis record) in an absent or empty "
               "--data-dir, then serve it; refused on a non-empty one. No environment "
               "variable: creating a log is a deliberate step");
  // Every numeric flag (whatever its type): a negative number is a usage
  // error, not a wrapped-around unsigned value.
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    if (type == "INT" || type == "UINT" || type == "FLOAT") option->check(CLI::NonNegativeNumber);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (100 and up) would hide the usage error's contract.
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Both parse: their validators checked them.
  std::string unused_error;
  absl::ParseTime(absl::RFC3339_full, min_event_time, &config.min_event_time, &unused_error);
  absl::ParseDuration(max_event_time_ahead, &config.max_event_time_ahead);
  absl::ParseDuration(witness_interval, &config.witness_interval);
  absl::ParseDuration(witness_timeout, &config.witness_timeout);
  absl::ParseDuration(tiles_interval, &config.tiles_interval);
  config.batch.max_wait = absl::Microseconds(max_wait_micros);
  config.shutdown_grace = absl::Seconds(grace_seconds);
  config.reflection = !no_reflection;
  config.portal = !no_portal;
  config.stream_stall_timeout = absl::Seconds(stall_seconds);
  config.keepalive_time = absl::Seconds(keepalive_seconds);
  config.keepalive_timeout = absl::Seconds(keepalive_timeout_seconds);
  config.connection_idle_timeout = absl::Seconds(idle_seconds);
  return std::nullopt;
}

absl::Status ValidateServerConfig(const ServerConfig& config) {
  if (config.data_dir.empty()) return absl::InvalidArgumentError("--data-dir is empty");
  std::string host, port;
  if (!SplitHostPort(config.listen, host, port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen \"", config.listen, "\" is not host:port"));
  }
  if (config.max_entry_bytes == 0 || config.max_batch_entries == 0 ||
      config.max_message_bytes == 0 || config.batch.max_entries == 0 ||
      config.batch.max_bytes == 0) {
    return absl::InvalidArgumentError("size and count limits must be positive");
  }
  if (config.max_long_reads == 0 || config.max_streams_per_connection == 0 ||
      config.grpc_memory_mib == 0) {
    return absl::InvalidArgumentError(
        "--max-long-reads, --max-streams-per-connection and --grpc-memory-mib must be positive");
  }
  if (config.max_long_reads > 10'000) {
    return absl::InvalidArgumentError(
        "--max-long-reads is at most 10000: each long read holds a thread");
  }
  if (config.stream_stall_timeout <= absl::ZeroDuration() ||
      config.keepalive_time <= absl::ZeroDuration() ||
      config.keepalive_timeout <= absl::ZeroDuration() ||
      config.connection_idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--stream-stall-timeout-seconds, --keepalive-seconds, --keepalive-timeout-seconds and "
        "--connection-idle-seconds must be positive");
  }
  if (config.max_message_bytes > static_cast<size_t>(INT32_MAX)) {
    return absl::InvalidArgumentError("--max-message-bytes must fit in 31 bits");
  }
  if (config.max_event_time_ahead < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max-event-time-ahead must not be negative");
  }
  if (config.batch.max_wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--batch-max-wait-micros must not be negative");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown-grace-seconds must not be negative");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!config.client_ca_file.empty() && config.tls_cert_file.empty()) {
    return absl::InvalidArgumentError("--client-ca (mTLS) needs --tls-cert and --tls-key");
  }
  if (config.plaintext && !config.tls_cert_file.empty()) {
    return absl::InvalidArgumentError("--plaintext contradicts --tls-cert");
  }
  if (UsesPlaintext(config) && !config.plaintext && !IsLoopbackAddress(config.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve plaintext on the non-loopback address ", config.listen,
        ": give --tls-cert and --tls-key, or --plaintext to accept it"));
  }
  if (!config.reader_token_file.empty() && UsesPlaintext(config) &&
      !IsLoopbackAddress(config.listen)) {
    return absl::InvalidArgumentError(
        "--reader-token-file needs TLS (--tls-cert, --tls-key) off a loopback address: the "
        "token and the personal data would travel in clear");
  }
  if (config.witness_interval <= absl::ZeroDuration() ||
      config.witness_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--witness-interval and --witness-timeout must be positive");
  }
  if (config.max_entry_bytes > kMaxEntryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-entry-bytes is at most ", kMaxEntryBytes,
        ": a larger entry's record could exceed the 65,535 bytes an entry bundle of the "
        "tlog-tiles holds"));
  }
  if (config.tiles_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--tiles-interval must be positive");
  }
  if (!config.http_listen.empty()) {
    std::string http_host, http_port;
    if (!SplitHostPort(config.http_listen, http_host, http_port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--http-listen \"", config.http_listen, "\" is not host:port"));
    }
  }
  if (config.restore_from.empty() &&
      (config.restore_overwrite || !config.restore_known_checkpoints.empty())) {
    return absl::InvalidArgumentError(
        "--restore-overwrite and --restore-known-checkpoint go with --restore-from");
  }
  if (!config.restore_from.empty() && (config.init || config.rebuild_views)) {
    return absl::InvalidArgumentError("--restore-from goes without --init and --rebuild-views");
  }
  if (config.allowed_email_domains.empty()) {
    return absl::InvalidArgumentError("--allowed-email-domains is empty");
  }
  for (const std::string& day : config.non_working_days) {
    absl::CivilDay parsed;
    if (!absl::ParseCivilTime(day, &parsed)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--non-working-days: \"", day, "\" is not a date (YYYY-MM-DD, e.g. 2026-11-13)"));
    }
  }
  bool known_level = false;
  for (std::string_view level : kLevels) known_level |= config.log_level == level;
  if (!known_level) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --log-level \"", config.log_level, "\""));
  }
  if (config.log_format != "text" && config.log_format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --log-format \"", config.log_format, "\": text or json"));
  }
  return absl::OkStatus();
}

}  // namespace memoria::server
