// memoria-audit: verify a memoria log without trusting its server.
//
//   memoria-audit verify --server HOST:PORT --log-key VKEY [--state FILE] [--json]
//   memoria-audit verify --bundle FILE --log-key VKEY [--server HOST:PORT]  (completeness)
//   memoria-audit verify --data DIR --log-key VKEY     (a stopped server's data)
//   memoria-audit verify --tiles URL|DIR --log-key VKEY [--state FILE] [--parallel N]
//   memoria-audit monitor --server HOST:PORT --log-key VKEY --state FILE [--interval S]
//   memoria-audit monitor --tiles URL|DIR --log-key VKEY --state FILE [--interval S]
//   memoria-audit receipt --log-key VKEY --file RECEIPT [--writer VKEY] [--request-id ID]
//   (verify --server, monitor and receipt take --witness-policy FILE)
//
// Exit codes: 0 all verified, 1 integrity failure, 2 usage or I/O error.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "client/cli/numeric_flags.h"
#include "ledger/hash.h"
#include "tools/audit/commands.h"

namespace {

void AddConnectionFlags(CLI::App& command, memoria::client::ConnectionOptions& connection) {
  command.add_option("--tls-ca", connection.tls_ca_file, "PEM CA bundle of the server's certificate (TLS)");
  command.add_option("--tls-cert", connection.tls_cert_file, "PEM client certificate (mTLS)");
  command.add_option("--tls-key", connection.tls_key_file, "PEM client private key (mTLS)");
  command.add_flag("--tls", connection.tls, "TLS against the system's roots");
}

void AddTilesFlags(CLI::App& command, memoria::audit::TilesOptions& tiles) {
  command.add_option("--parallel", tiles.parallel,
                     "Tiles: entry bundles (each with its level-0 tile) fetched at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  command.add_option("--timeout", tiles.http.request_timeout_ms,
                     "Tiles over HTTP: milliseconds a GET may take")
      ->capture_default_str();
}

void AddAuditFlags(CLI::App& command, memoria::AuditOptions& audit) {
  command.add_option("--threads", audit.threads, "Signature verification threads")->capture_default_str();
  command.add_option("--max-findings", audit.max_findings, "Problems listed (the rest are counted)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  memoria::InitCrypto();
  namespace audit = memoria::audit;
  CLI::App app{"memoria-audit: verify a memoria log without trusting its server.\n"
               "Exit codes: 0 all verified, 1 integrity failure, 2 usage or I/O error."};
  app.require_subcommand(1);

  audit::VerifyOptions verify;
  std::string server;
  bool no_progress = false;
  CLI::App* verify_command = app.add_subcommand(
      "verify", "Full audit: every record's signature, chain link and index, the root against the "
                "signed checkpoint, and consistency with the trusted state");
  auto* server_option = verify_command->add_option(
      "--server", server,
      "A live server, HOST:PORT. With --bundle: where the searched range of a request's answer is "
      "read from (each record with its inclusion proof) to prove the answer complete");
  auto* bundle_option = verify_command->add_option(
      "--bundle", verify.bundle_path,
      "An export bundle file. A request's answer that states its searched range is also checked "
      "complete when --server is given (exit 1 naming each matching record left out)");
  auto* data_option = verify_command->add_option(
      "--data", verify.data_dir, "A stopped server's data directory (or its db/), read directly");
  auto* tiles_option = verify_command->add_option(
      "--tiles", verify.tiles.location,
      "A C2SP tlog-tiles log: http(s):// URL prefix (memoria-server --http-listen, nginx, a "
      "CDN), file:// URL or directory (a copy of --tiles-dir)");
  server_option->excludes(data_option, tiles_option);  // --bundle --server: completeness
  bundle_option->excludes(data_option, tiles_option);
  data_option->excludes(tiles_option);
  verify_command->add_option("--log-key", verify.log_vkey, "The log's verifier key (pinned)")->required();
  verify_command->add_option("--state", verify.state_path,
                             "Trusted checkpoint file: consistency is demanded, advanced after a "
                             "clean run (with --tiles, FILE.auditor keeps where the audit stands: "
                             "the next run reads only the records added since)");
  verify_command->add_option("--witness-policy", verify.witness_policy_path,
                             "Witness policy file (C2SP tlog-policy), with --server: verify up to "
                             "the server's latest witnessed checkpoint, which must meet the "
                             "policy's quorum (otherwise exit 1, naming the missing witnesses)");
  verify_command->add_flag("--json", verify.json, "One JSON report on stdout");
  verify_command->add_flag("--no-progress", no_progress, "No progress bar");
  AddConnectionFlags(*verify_command, verify.connection);
  AddTilesFlags(*verify_command, verify.tiles);
  AddAuditFlags(*verify_command, verify.audit);

  audit::MonitorOptions monitor;
  CLI::App* monitor_command = app.add_subcommand(
      "monitor", "Follow a live log: verify each new record and checkpoint, persist the trusted state, "
                 "alert (stderr, exit 1) on any failure");
  auto* monitor_server =
      monitor_command->add_option("--server", monitor.connection.target, "HOST:PORT");
  auto* monitor_tiles = monitor_command->add_option(
      "--tiles", monitor.tiles.location,
      "Follow a C2SP tlog-tiles log instead: http(s):// URL prefix, file:// URL or directory");
  monitor_server->excludes(monitor_tiles);
  monitor_command->add_option("--log-key", monitor.log_vkey, "The log's verifier key (pinned)")->required();
  monitor_command->add_option("--state", monitor.state_path, "Trusted checkpoint file")->required();
  monitor_command->add_option("--interval", monitor.interval_seconds,
                              "Seconds between checkpoint polls (--tiles: every poll; --server: "
                              "when the stream ends)")
      ->capture_default_str();
  monitor_command->add_flag("--once", monitor.once, "Stop once the latest checkpoint is verified");
  monitor_command->add_option("--witness-policy", monitor.witness_policy_path,
                              "Witness policy file (C2SP tlog-policy): follow the server's "
                              "witnessed checkpoints (a record is verified once one covers it); "
                              "each must meet the policy's quorum (otherwise an alert naming the "
                              "missing witnesses, exit 1)");
  monitor_command->add_option("--max-seconds", monitor.max_seconds, "Stop after this many seconds (0: never)");
  AddConnectionFlags(*monitor_command, monitor.connection);
  AddTilesFlags(*monitor_command, monitor.tiles);
  AddAuditFlags(*monitor_command, monitor.audit);

  audit::ReceiptOptions receipt;
  CLI::App* receipt_command = app.add_subcommand(
      "receipt",
      "Verify a saved receipt offline: it must carry its leaf (the record's bytes), which must "
      "hash to its leaf hash and be included in a checkpoint signed by the log key. Prints the "
      "entry the record holds (writer, request id, event); --writer and --request-id check that "
      "it is the entry you expect (otherwise exit 1: \"receipt is for another entry\").");
  receipt_command->add_option("--log-key", receipt.log_vkey, "The log's verifier key (pinned)")->required();
  receipt_command->add_option("--file", receipt.path,
                              "The receipt: `memoria append --json` output, or the "
                              "c2sp.org/tlog-proof text `memoria append` prints")
      ->required();
  receipt_command->add_option("--writer", receipt.writer_vkey,
                              "The writer's vkey: the record must be signed by this key");
  receipt_command->add_option("--request-id", receipt.request_id,
                              "The request id the writer gave the entry: the record must carry it");
  receipt_command->add_option("--witness-policy", receipt.witness_policy_path,
                              "Witness policy file (C2SP tlog-policy): the receipt's checkpoint "
                              "must be cosigned by its quorum (`memoria receipt show --witnessed` "
                              "prints such receipts); otherwise exit 1, naming the missing "
                              "witnesses");
  receipt_command->add_flag("--json", receipt.json,
                            "JSON result: {\"ok\",\"index\",\"tree_size\",\"writer_key_id\","
                            "\"writer\",\"request_id\",\"event\",\"error\"}");

  memoria::client::cli::RefuseNegativeNumbers(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : audit::kExitUsage;
  }

  if (verify_command->parsed()) {
    if (!verify.bundle_path.empty()) {
      verify.source = audit::SourceKind::kBundle;
      verify.connection.target = server;  // "": completeness is not checked
    } else if (!server.empty()) {
      verify.source = audit::SourceKind::kServer;
      verify.connection.target = server;
    } else if (!verify.data_dir.empty()) {
      verify.source = audit::SourceKind::kData;
    } else if (!verify.tiles.location.empty()) {
      verify.source = audit::SourceKind::kTiles;
      verify.tiles.http.ca_file = verify.connection.tls_ca_file;
    } else {
      std::fprintf(stderr,
                   "memoria-audit verify: one of --server, --bundle, --data, --tiles is required\n");
      return audit::kExitUsage;
    }
    verify.progress = !no_progress;
    return audit::RunVerify(verify);
  }
  if (monitor_command->parsed()) {
    if (monitor_server->count() == 0 && monitor_tiles->count() == 0) {
      std::fprintf(stderr, "memoria-audit monitor: one of --server, --tiles is required\n");
      return audit::kExitUsage;
    }
    monitor.tiles.http.ca_file = monitor.connection.tls_ca_file;
    return audit::RunMonitor(monitor);
  }
  if (receipt_command->parsed()) return audit::RunReceipt(receipt);
  return audit::kExitUsage;
}
