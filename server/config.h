// ServerConfig: everything memoria-server can be told at start, with the
// embedded defaults, and the command line that fills it.
//
//   ServerConfig config;
//   if (std::optional<int> exit_code = ParseServerFlags(argc, argv, config)) return *exit_code;
//   RETURN_IF_ERROR(ValidateServerConfig(config));
//
// Every flag may also come from an environment variable (MEMORIA_<FLAG>, for
// example MEMORIA_DATA_DIR) or from a TOML/INI file given with --config; flags
// win over the environment, which wins over the file.
//
// Transport security: with --tls-cert/--tls-key the server speaks TLS, and with
// --client-ca also requires and verifies client certificates (mTLS). Without a
// certificate it speaks plaintext, which is allowed on a loopback address
// (127.0.0.1, ::1, localhost; logged as a warning) and elsewhere only with an
// explicit --plaintext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/sequencer/batch_limits.h"
#include "ledger/sequencer/entry_validation.h"

namespace memoria::server {

struct ServerConfig {
  // The data directory of the log (created by --init, see `init`).
  std::string data_dir = "data";
  // host:port to listen on; port 0 picks a free port (see Server::port()).
  std::string listen = "127.0.0.1:50051";
  // If non-empty, the bound port is written to this file once serving.
  std::string port_file;

  // The log's private key; generated (mode 0600) by --init if missing.
  // Empty means <data_dir>/keys/log.key.
  std::string log_key_file;
  // The log's origin: the name of a newly generated log key. An existing key
  // file's name wins (a warning is logged when they differ).
  std::string origin = "memoria.local/log";
  // The administrator's verifier key (name+hex8+base64), who may register and
  // revoke writers. When empty, the administrator's private key file is used
  // (see admin_key_file).
  std::string admin_vkey;
  // The administrator's private key file: read for its public half, and
  // generated (mode 0600) by --init if missing. Empty means
  // <data_dir>/keys/admin.key. Ignored when admin_vkey is set.
  std::string admin_key_file;

  // Largest accepted serialized Entry, in bytes: at most (and by default)
  // kMaxEntryBytes (65,404, ledger/record.h), so that every record fits an
  // entry bundle of the tlog-tiles (65,535 bytes).
  size_t max_entry_bytes = ValidationLimits{}.max_entry_bytes;
  // Most entries in one AppendBatch call.
  size_t max_batch_entries = 1000;
  // Largest gRPC message the server receives (larger: RESOURCE_EXHAUSTED).
  size_t max_message_bytes = 4 << 20;
  BatchLimits batch;
  // Memory for the tree's hashes, so that proofs need no store reads (see
  // ledger/node_memory.h): 64 MiB holds the whole tree up to ~10^6 records;
  // a larger log keeps its upper levels.
  size_t tree_memory_mib = 64;
  // Appends are refused (RESOURCE_EXHAUSTED) while the disk holding the log
  // has less free space than this (LogOptions::reserved_disk_bytes).
  size_t reserved_disk_mib = 256;

  // The window of accepted event times (Entry.event_time_micros), with
  // ValidationLimits' defaults: from min_event_time (1900-01-01T00:00:00Z) to
  // now + max_event_time_ahead (24h); an entry outside it is INVALID_ARGUMENT.
  absl::Time min_event_time = ValidationLimits{}.min_event_time;
  absl::Duration max_event_time_ahead = ValidationLimits{}.max_event_time_ahead;

  // What clients may hold (server/long_reads.h, and gRPC's own bounds).
  // Most long reads (GetRecords, Watch, Export) at once; each holds a handler
  // thread while it runs, and one more is answered RESOURCE_EXHAUSTED.
  size_t max_long_reads = 64;
  // A long read whose client takes no message for this long (one write
  // waiting that long for the client's flow-control window) is cancelled.
  absl::Duration stream_stall_timeout = absl::Seconds(30);
  // Most concurrent calls on one HTTP/2 connection (more wait for a free one).
  uint32_t max_streams_per_connection = 100;
  // Memory gRPC may use for its buffers (its resource quota), MiB.
  size_t grpc_memory_mib = 256;
  // A connection quiet for keepalive_time is pinged, and closed if the ping
  // is not answered within keepalive_timeout; one without any call for
  // connection_idle_timeout is closed.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration connection_idle_timeout = absl::Minutes(10);

  // PEM server certificate chain and private key: TLS when both are given.
  // The key file is refused if group or others may access it.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM CA bundle: clients must present a certificate signed by it (mTLS).
  std::string client_ca_file;
  // Allow plaintext on a non-loopback address.
  bool plaintext = false;

  // Serve grpc.reflection.v1alpha.ServerReflection.
  bool reflection = true;
  // spdlog level: trace, debug, info, warn, error, critical, off.
  std::string log_level = "info";
  // Log lines: "text" (spdlog's usual lines) or "json" (one object per line;
  // server/log_format.h).
  std::string log_format = "text";
  // How long a shutdown may wait for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(10);

  // Witnesses (server/witnessing.h): a C2SP tlog-policy file naming the
  // witnesses, each with its URL, and the quorum; empty: no witnessing.
  std::string witness_policy_file;
  // Under load the latest checkpoint is submitted at most this often (and at
  // once when the log goes idle).
  absl::Duration witness_interval = absl::Seconds(1);
  // Bounds each of connecting to a witness, sending and reading its answer.
  absl::Duration witness_timeout = absl::Seconds(5);

  // C2SP tlog-tiles (server/tiles_publisher.h): the directory the log is
  // published in; empty: not published.
  std::string tiles_dir;
  // The published checkpoint follows the log at most this often under load
  // (and at once when it goes idle).
  absl::Duration tiles_interval = absl::Seconds(1);
  // host:port of the HTTP listener (server/http_listener.h): the citizens'
  // portal unless portal is false, /metrics, /healthz, /readyz, and
  // tiles_dir's files when given; empty: none.
  std::string http_listen;
  // Serve the citizens' portal and its JSON API (server/portal/) on http_listen.
  bool portal = true;
  // The institution's time zone (IANA name): what the portal's plain dates
  // mean and the zone it shows times in.
  std::string portal_time_zone = "America/Bogota";

  // The policy views (ledger/policy/): personal data and findings.
  // A file holding the reader token (see reader_credential.h); empty: no
  // reader, GetPersonalData answers FAILED_PRECONDITION. Needs TLS unless the
  // address is loopback.
  std::string reader_token_file;
  // Institutional email domains for the findings (a subdomain counts).
  std::vector<std::string> allowed_email_domains = {"pasto.gov.co"};
  // Default thresholds of the time rules (a FindingsRequest may override them).
  uint32_t pqrd_referral_business_days = 2;
  uint32_t alternate_inactive_days = 90;
  uint32_t credentials_rotation_days = 90;
  uint32_t responsible_notification_business_days = 5;
  uint32_t password_change_after_employment_days = 3;
  // Days that are not business days besides weekends and the Colombian
  // holidays (a municipal decree), as YYYY-MM-DD; used by the business-day
  // deadlines of the findings.
  std::vector<std::string> non_working_days;
  // Backups (server/backup.h): SIGUSR1 takes one into this directory; empty:
  // SIGUSR1 only logs that none is configured.
  std::string backup_dir;
  // Copy the log and administrator key files into each backup.
  bool backup_keys = false;
  // memoria-server --restore-from DIR (server/restore.h): verify the backup
  // in DIR and install it as data_dir, then exit (0 restored, 1 refused or
  // failed, 2 usage).
  std::string restore_from;
  // Move a non-empty data_dir aside (to <data_dir>.before-restore-<time>)
  // instead of refusing to restore over it.
  bool restore_overwrite = false;
  // Signed checkpoints of this log known to exist (from a witness, a client,
  // published tiles): a backup shorter than one of them is a rollback and is
  // refused.
  std::vector<std::string> restore_known_checkpoints;

  // memoria-server --rebuild-views: recompute the views from the log, compare
  // them with the stored ones, report and exit (0 equal, 1 different).
  bool rebuild_views = false;
  // memoria-server --init: create a new log in data_dir, which must be absent
  // or empty (generate the keys that are missing, write the genesis record),
  // then serve it. Without it, data_dir must already hold a log (a log key
  // with no store is an error, never a new genesis; see data_dir.h).
  bool init = false;

  // The effective key file paths (the defaults under data_dir when empty).
  std::string LogKeyPath() const;
  std::string AdminKeyPath() const;
};

// Parses the command line (and MEMORIA_* environment, and --config file) into
// `config`, starting from the values it already holds. Returns an exit code
// when the process should stop now: 0 after --help or --version, 2 after a
// usage error (the message is printed to stderr), including a negative number
// given to any numeric flag.
std::optional<int> ParseServerFlags(int argc, const char* const* argv, ServerConfig& config);

// INVALID_ARGUMENT naming the problem if the config is inconsistent: limits of
// zero (the stream and connection bounds included), a negative --max-event-time-ahead,
// a certificate without its key, a client CA without TLS, plaintext
// together with TLS, plaintext on a non-loopback address without --plaintext,
// an unknown log level or format, an unparsable listen address, a witness
// interval or timeout that is not positive, a --max-entry-bytes above
// kMaxEntryBytes, a --tiles-interval that is not positive, --http-listen not
// host:port, --restore-overwrite or --restore-known-checkpoint without
// --restore-from, --restore-from with --init or --rebuild-views.
absl::Status ValidateServerConfig(const ServerConfig& config);

// True if `listen` (host:port) names a loopback host.
bool IsLoopbackAddress(const std::string& listen);

// True if the config serves without TLS.
inline bool UsesPlaintext(const ServerConfig& config) { return config.tls_cert_file.empty(); }

}  // namespace memoria::server
