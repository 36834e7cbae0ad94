// memoria: the command-line client of a memoria-server. See client/cli/cli.h
// for the exit codes.
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/numeric_flags.h"
#include "ledger/hash.h"

int main(int argc, char** argv) {
  using namespace memoria::client::cli;
  memoria::InitCrypto();
  Cli cli;
  CLI::App& app = cli.app;
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions& g = cli.globals;
  app.add_option("--server", g.server, "Server address HOST:PORT")
      ->envname("MEMORIA_SERVER")
      ->capture_default_str();
  app.add_option("--tls-ca", g.tls_ca, "PEM CA file: connect with TLS, trusting this CA");
  app.add_option("--tls-cert", g.tls_cert, "PEM client certificate (mTLS; with --tls-key)");
  app.add_option("--tls-key", g.tls_key, "PEM client private key (mTLS)");
  app.add_option("--log-key", g.log_key,
                 "The log's verifier key (name+hex8+base64) to pin; required by commands that "
                 "verify")
      ->envname("MEMORIA_LOG_KEY");
  app.add_option("--state", g.state,
                 "Trusted-state file: the last checkpoint trusted (a signed note), advanced "
                 "atomically after each successful check")
      ->envname("MEMORIA_STATE");
  app.add_option("--witness-policy", g.witness_policy,
                 "Witness policy file (C2SP tlog-policy: witnesses, groups, quorum): trust only "
                 "checkpoints cosigned by its quorum (with --log-key); a checkpoint or receipt "
                 "that does not meet it is refused (exit 1, naming the missing witnesses)")
      ->envname("MEMORIA_WITNESS_POLICY");
  app.add_option("--time-zone", g.time_zone,
                 "The institution's time zone (IANA name, from /usr/share/zoneinfo): the times "
                 "`request` writes, and what its plain dates (2026-01-31) mean")
      ->envname("MEMORIA_TIME_ZONE")
      ->capture_default_str();
  app.add_option("--lang", g.lang,
                 "Language of what people read (`request`'s CSV headers, README.txt, "
                 "resumen.html): es (español) or en (English)")
      ->envname("MEMORIA_LANG")
      ->capture_default_str();
  app.add_flag("--json", g.json, "Print data as JSON");
  app.add_option("--timeout", g.timeout_seconds, "Deadline of each server call, in seconds")
      ->capture_default_str();

  AddKeyCommands(cli);
  AddAppendCommand(cli);
  AddReadCommands(cli);
  AddProofCommands(cli);
  AddExportCommand(cli);
  AddPolicyCommands(cli);
  AddQueryCommands(cli);
  RefuseNegativeNumbers(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!cli.action) return kExitUsage;
  const absl::Status status = cli.action();
  if (!status.ok()) std::cerr << "memoria: " << status.message() << "\n";
  return ExitCode(status);
}
