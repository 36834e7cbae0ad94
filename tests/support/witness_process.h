// One running memoria-witness (the real binary) on 127.0.0.1 with a free
// port, for the tests of the witness and of the log's witnessing. The
// binary's path is MEMORIA_BINARY_DIR/witness/memoria-witness.
//
//   WitnessProcess witness(data_dir, {"--log", origin + " " + log_vkey}, scratch);
//   ASSERT_NE(witness.port(), 0) << witness.error();
//   ... witness.vkey() ... witness.Kill();   // SIGKILL; the destructor does it too
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace memoria::testing {

class WitnessProcess {
 public:
  // Starts it with --listen 127.0.0.1:0 --data-dir `data_dir` --name `name`
  // and `extra_args`, and waits (up to 10 s) for "listening on"; standard
  // output and error go to files in `scratch`. If it exits while starting,
  // port() is 0 and exit_code() and error() say why.
  WitnessProcess(const std::string& data_dir, const std::vector<std::string>& extra_args,
                 const std::string& scratch, const std::string& name = "witness.example/w1");
  ~WitnessProcess();
  WitnessProcess(const WitnessProcess&) = delete;
  WitnessProcess& operator=(const WitnessProcess&) = delete;

  // SIGKILL, and waits for it. Idempotent.
  void Kill();
  // SIGTERM; the exit code.
  int Stop();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int exit_code() const { return exit_code_; }
  const std::string& error() const { return error_; }
  // The witness's verifier key, as it printed it.
  const std::string& vkey() const { return vkey_; }
  // What it printed on standard output while starting.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  std::string error_;
  std::string out_path_;
  std::string output_;
  std::string vkey_;
};

}  // namespace memoria::testing
