#include "client/cli/cli.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/trusted_state.h"
#include "client/cli/json.h"
#include "client/errors.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/status.h"
#include "ledger/verify/witness_policy.h"

namespace memoria::client::cli {

CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->fallthrough();
  command->footer(kExitCodesHelp);
  return command;
}

absl::StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& text) {
  int64_t micros = 0;
  if (absl::SimpleAtoi(text, &micros)) return micros;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " \"", text, "\" is neither RFC 3339 (2024-03-04T10:00:00-05:00) nor microseconds: ",
        error));
  }
  return absl::ToUnixMicros(time);
}

std::string FormatMicros(int64_t micros) {
  return absl::FormatTime(absl::RFC3339_sec, absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

absl::StatusOr<std::string> ReadReaderToken(const std::string& path) {
  ASSIGN_OR_RETURN(std::string token, ReadFile(path));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  return token;
}

absl::StatusOr<std::unique_ptr<LedgerClient>> OpenClient(const GlobalOptions& globals,
                                                         bool verify) {
  ClientOptions options;
  options.connection.target = globals.server;
  options.connection.tls_ca_file = globals.tls_ca;
  options.connection.tls_cert_file = globals.tls_cert;
  options.connection.tls_key_file = globals.tls_key;
  if (globals.timeout_seconds <= 0) return absl::InvalidArgumentError("--timeout must be positive");
  options.timeout = absl::Seconds(globals.timeout_seconds);
  if (!globals.log_key.empty()) {
    absl::StatusOr<Verifier> key = Verifier::Parse(globals.log_key);
    if (!key.ok()) return Annotate(key.status(), "--log-key");
    options.log_key = *std::move(key);
  } else if (verify) {
    return absl::InvalidArgumentError(
        "this command verifies what the server sends: pin the log's key with --log-key VKEY "
        "(or MEMORIA_LOG_KEY); `memoria info` shows the server's");
  }
  if (options.log_key.has_value()) options.state_file = globals.state;
  if (!globals.witness_policy.empty()) {
    absl::StatusOr<WitnessPolicy> policy = ReadWitnessPolicyFile(globals.witness_policy);
    if (!policy.ok()) return Annotate(policy.status(), "--witness-policy");
    options.witness_policy = *std::move(policy);
  }
  return LedgerClient::Create(std::move(options));
}

absl::StatusOr<std::unique_ptr<TilesReader>> OpenTilesReader(const GlobalOptions& globals,
                                                             const std::string& tiles) {
  if (globals.log_key.empty()) {
    return absl::InvalidArgumentError(
        "reading from tiles verifies everything against the log's key: pin it with --log-key "
        "VKEY (or MEMORIA_LOG_KEY)");
  }
  absl::StatusOr<Verifier> key = Verifier::Parse(globals.log_key);
  if (!key.ok()) return Annotate(key.status(), "--log-key");
  if (globals.timeout_seconds <= 0) return absl::InvalidArgumentError("--timeout must be positive");
  TileHttpOptions http;
  http.ca_file = globals.tls_ca;
  http.request_timeout_ms = static_cast<long>(globals.timeout_seconds * 1000);
  absl::StatusOr<std::unique_ptr<TilesReader>> reader =
      TilesReader::Open(tiles, *key, globals.state, http);
  if (!reader.ok()) return Annotate(reader.status(), "--tiles");
  return reader;
}

int ExitCode(const absl::Status& status) {
  switch (KindOf(status)) {
    case ErrorKind::kNone:
      return kExitOk;
    case ErrorKind::kVerification:
      return kExitVerification;
    case ErrorKind::kServer:
      return kExitServer;
    case ErrorKind::kLocal:
      return kExitUsage;
  }
  return kExitUsage;
}

void Print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintReceipt(const GlobalOptions& globals, const v1::Receipt& receipt) {
  if (globals.json) {
    Print(FormatReceiptJson(receipt) + "\n");
  } else {
    Print(FormatTlogProof(TlogProofFromReceipt(receipt)));
  }
}

}  // namespace memoria::client::cli
