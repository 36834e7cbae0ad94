// A real memoria-witness child process on 127.0.0.1 with a free port, for the
// witnessing figures (the bench's own launcher: tools/ may not use the
// tests' support code's build setup, and this one reports the child's CPU).
//
//   absl::StatusOr<std::unique_ptr<WitnessProcess>> witness = WitnessProcess::Start(
//       {.binary = "build/witness/memoria-witness", .data_dir = "/tmp/bench/w1",
//        .name = "w1.example", .logs = {"ORIGIN LOGVKEY"}});
//   ... (*witness)->vkey() ... (*witness)->url() ...
//   (*witness)->Stop();   // SIGTERM, waits for exit 0; the destructor SIGKILLs
//
// Start() waits until it printed its vkey and "listening on 127.0.0.1:PORT"
// on standard output, which (with standard error) goes to <data_dir>.log.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memoria::bench {

struct WitnessProcessOptions {
  std::string binary;             // memoria-witness
  std::string data_dir;           // its --data-dir (key and state; created if missing)
  std::string name;               // its --name: the key's name
  std::vector<std::string> logs;  // one --log "ORIGIN VKEY" each
  double start_timeout_seconds = 30;
};

class WitnessProcess {
 public:
  // UNAVAILABLE if it exits or does not listen within the timeout (the
  // message quotes its output's tail); INTERNAL if it cannot be spawned.
  static absl::StatusOr<std::unique_ptr<WitnessProcess>> Start(const WitnessProcessOptions& options);

  ~WitnessProcess();
  WitnessProcess(const WitnessProcess&) = delete;
  WitnessProcess& operator=(const WitnessProcess&) = delete;

  // SIGTERM and wait; INTERNAL unless it exits 0 within `timeout_seconds`
  // (then it is killed).
  absl::Status Stop(double timeout_seconds = 10);

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Its verifier key (name+hex8+base64), as it printed it.
  const std::string& vkey() const { return vkey_; }
  // CPU time (user + system) it used so far, seconds (0 once stopped).
  double CpuSeconds() const;

 private:
  WitnessProcess() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  std::string vkey_;
};

}  // namespace memoria::bench
