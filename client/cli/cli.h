// The `memoria` CLI's shared parts: global options, the client they open,
// output helpers and exit codes. Each command group registers itself on the
// CLI11 app (keys.cc, append.cc, read.cc, proof.cc, export.cc) and leaves the action to
// run once the command line is parsed.
//
// Exit codes:
//   0  success
//   1  verification failure: a signature, proof, consistency or chain check
//      failed (the server's data cannot be trusted)
//   2  usage error, or a local problem (files, keys, JSON input)
//   3  server error: unreachable, or it answered with an error
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ledger_client.h"
#include "client/receipt.h"
#include "client/tiles_reader.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria::client::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitVerification = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitServer = 3;

inline constexpr char kExitCodesHelp[] =
    "Exit codes: 0 ok; 1 verification failure (bad signature, proof, consistency, "
    "rollback or fork); 2 usage or local I/O error; 3 server error or server unreachable.";

struct GlobalOptions {
  std::string server = kDefaultTarget;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string log_key;
  std::string state;
  // A C2SP tlog-policy file: checkpoints must be cosigned by its quorum.
  std::string witness_policy;
  bool json = false;
  double timeout_seconds = 10;
  // The institution's time zone (IANA name) for what people read and type:
  // `request`'s files and its plain dates (ledger/query/institution_time.h).
  std::string time_zone = "America/Bogota";
  // The language of what people read (`request`'s files): es or en.
  std::string lang = "es";
};

// What a command does once the command line is parsed.
using Action = std::function<absl::Status()>;

struct Cli {
  CLI::App app{"memoria: append to and verify a memoria audit ledger", "memoria"};
  GlobalOptions globals;
  Action action;
};

// Registers commands (each in its own file).
void AddKeyCommands(Cli& cli);      // keygen, writer register|revoke
void AddAppendCommand(Cli& cli);    // append
void AddReadCommands(Cli& cli);     // get, range, tail, checkpoint, info
void AddProofCommands(Cli& cli);    // proof inclusion|consistency, receipt show
void AddExportCommand(Cli& cli);    // export
void AddPolicyCommands(Cli& cli);   // append-policy, inventory, findings, personal, erase

void AddQueryCommands(Cli& cli);    // query, request

// RFC 3339 ("2024-03-04T10:00:00-05:00") or microseconds since the epoch;
// INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& text);
// RFC 3339 in UTC, to the second.
std::string FormatMicros(int64_t micros);
// The reader credential's token from its file, trailing whitespace removed.
absl::StatusOr<std::string> ReadReaderToken(const std::string& path);

// A reader of the log's C2SP tlog-tiles at `tiles` (URL or directory) for
// the global options: --log-key (required), --state, --tls-ca (https),
// --timeout (per GET).
absl::StatusOr<std::unique_ptr<TilesReader>> OpenTilesReader(const GlobalOptions& globals,
                                                             const std::string& tiles);

// A new subcommand of `parent` that accepts the global options after its name.
CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& description);

// A client for the global options. With `verify`, --log-key is required.
// --witness-policy is read here (a file that does not parse is a local error).
absl::StatusOr<std::unique_ptr<LedgerClient>> OpenClient(const GlobalOptions& globals, bool verify);

// The exit code for a status (see above).
int ExitCode(const absl::Status& status);

// Writes `text` to stdout as is, and flushes.
void Print(std::string_view text);

// Prints a receipt as it came (checked by the caller: LedgerClient::Append
// verifies it for the entry sent when --log-key is given): JSON (--json) or
// tlog-proof text, its leaf as "leaf" / `extra`.
void PrintReceipt(const GlobalOptions& globals, const v1::Receipt& receipt);

}  // namespace memoria::client::cli
