// memoria-witness: a C2SP tlog-witness server (see README.md).
//
//   memoria-witness --data-dir DIR --log "ORIGIN VKEY" [--log ...] [--listen HOST:PORT]
//
// On first start it generates its Ed25519 cosignature/v1 key (type 0x04) in
// DIR/witness.key (mode 0600); every start prints its vkey on stdout, then
// "listening on HOST:PORT" once it accepts requests. SIGTERM or SIGINT stop it.
#include <httplib.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/clock.h"
#include "ledger/keys.h"
#include "witness/http_routes.h"
#include "witness/witness.h"
#include "witness/witnessed_log.h"

namespace {

using memoria::Signer;
using memoria::SignatureType;

constexpr std::string_view kKeyFile = "witness.key";

struct Flags {
  std::string listen = "127.0.0.1:7380";
  std::string data_dir;
  std::string name = "memoria-witness";
  bool name_given = false;  // --name on the command line
  std::vector<std::string> logs;
  std::string logs_file;
};

int Fail(const std::string& message) {
  std::cerr << "memoria-witness: " << message << "\n";
  return 1;
}

// The witness key: read, or generated on first start.
absl::StatusOr<Signer> LoadOrCreateKey(const Flags& flags, bool& created) {
  const std::string path = (std::filesystem::path(flags.data_dir) / kKeyFile).string();
  absl::StatusOr<Signer> key = memoria::ReadSignerKeyFile(path);
  if (key.ok()) {
    if (key->type() != SignatureType::kCosignatureV1) {
      return absl::InvalidArgumentError(path + " is not a cosignature/v1 key (type 0x04)");
    }
    if (flags.name_given && key->name() != flags.name) {
      return absl::InvalidArgumentError("the key in " + path + " is named " + key->name() +
                                        ", not " + flags.name + " (--name)");
    }
    return key;
  }
  if (key.status().code() != absl::StatusCode::kNotFound) return key.status();
  std::error_code error;
  std::filesystem::create_directories(flags.data_dir, error);
  if (error) return absl::UnavailableError("cannot create " + flags.data_dir + ": " + error.message());
  key = Signer::Generate(flags.name, SignatureType::kCosignatureV1);
  if (!key.ok()) return key.status();
  if (absl::Status written = memoria::WriteSignerKeyFile(path, *key); !written.ok()) return written;
  created = true;
  return key;
}

absl::StatusOr<std::vector<memoria::witness::WitnessedLog>> ConfiguredLogs(const Flags& flags) {
  std::vector<std::pair<std::string, memoria::Verifier>> pairs;
  for (const std::string& line : flags.logs) {
    auto pair = memoria::witness::ParseLogLine(line);
    if (!pair.ok()) return absl::InvalidArgumentError("--log: " + std::string(pair.status().message()));
    pairs.push_back(*std::move(pair));
  }
  if (!flags.logs_file.empty()) {
    std::ifstream in(flags.logs_file);
    if (!in) return absl::NotFoundError("cannot read --logs-file " + flags.logs_file);
    std::stringstream text;
    text << in.rdbuf();
    auto more = memoria::witness::ParseLogsFile(text.str());
    if (!more.ok()) {
      return absl::InvalidArgumentError(flags.logs_file + ": " + std::string(more.status().message()));
    }
    pairs.insert(pairs.end(), more->begin(), more->end());
  }
  return memoria::witness::GroupLogs(pairs);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{
      "memoria-witness: a transparency-log witness (C2SP tlog-witness). It cosigns a log's "
      "checkpoint only if it is consistent with every checkpoint of that log it cosigned "
      "before, and keeps the evidence of any inconsistent one it is shown."};
  app.add_option("--listen", flags.listen, "HOST:PORT to serve HTTP on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--data-dir", flags.data_dir,
                 "directory of the witness key (witness.key, made on first start) and state")
      ->required();
  app.add_option("--name", flags.name,
                 "the witness's key name, a schema-less URL naming it (used when the key is made; "
                 "if given later, it must match the key's)")
      ->capture_default_str();
  app.add_option("--log", flags.logs,
                 "a log to witness: \"ORIGIN VKEY\" (its checkpoint origin and note verifier key); "
                 "repeatable")
      ->allow_extra_args(false);
  app.add_option("--logs-file", flags.logs_file,
                 "a file of \"ORIGIN VKEY\" lines ('#' comments and blank lines skipped)");
  CLI11_PARSE(app, argc, argv);
  flags.name_given = app.count("--name") > 0;

  const size_t colon = flags.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(flags.listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (port < 0 || port > 65535) return Fail("--listen must be HOST:PORT");
  const std::string host = flags.listen.substr(0, colon);

  absl::StatusOr<std::vector<memoria::witness::WitnessedLog>> logs = ConfiguredLogs(flags);
  if (!logs.ok()) return Fail(std::string(logs.status().message()) + " (give --log or --logs-file)");
  bool created = false;
  absl::StatusOr<Signer> key = LoadOrCreateKey(flags, created);
  if (!key.ok()) return Fail(key.status().ToString());
  const std::string vkey = key->verifier().ToString();
  absl::StatusOr<std::unique_ptr<memoria::witness::Witness>> witness = memoria::witness::Witness::Open(
      *std::move(key), *std::move(logs), flags.data_dir, memoria::SystemClock());
  if (!witness.ok()) return Fail(witness.status().ToString());

  // Signals are taken by one thread (sigwait), so none interrupts a request.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  httplib::Server server;
  memoria::witness::RegisterWitnessRoutes(server, **witness);
  const int bound = port == 0 ? server.bind_to_any_port(host.c_str())
                              : (server.bind_to_port(host.c_str(), port) ? port : -1);
  if (bound < 0) return Fail("cannot listen on " + flags.listen);

  std::cout << (created ? "generated witness key " : "witness key ")
            << (std::filesystem::path(flags.data_dir) / kKeyFile).string() << "\n"
            << "vkey " << vkey << "\n"
            << "listening on " << host << ":" << bound << std::endl;

  std::thread stopper([&server, &stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
  });
  const bool served = server.listen_after_bind();
  if (!served) {
    // listen_after_bind returned without a stop signal: wake the stopper.
    pthread_kill(stopper.native_handle(), SIGTERM);
  }
  stopper.join();
  return served ? 0 : 1;
}
