// One running memoria-server (the real binary, MEMORIA_BINARY_DIR/server/
// memoria-server) as a child process, gRPC on 127.0.0.1 with a port the OS
// chose, for the tests that kill, restart, signal or read the logs of a real
// server process.
//
//   ServerProcess server(dir.path());
//   ASSERT_TRUE(server.Start({"--init", "--data-dir", data}).ok());
//   ... NewLocalStub(server.port()) ... server.Kill(); ... server.Terminate() ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace memoria::testing {

class ServerProcess {
 public:
  // Its port file (`dir`/port) and log (`dir`/server.log: standard output and
  // error, appended across restarts) go in `dir`.
  explicit ServerProcess(std::string dir);
  // SIGKILL if it runs.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts it with --listen 127.0.0.1:0 --port-file `dir`/port and `args`,
  // and waits until it serves (its port file appears). UNAVAILABLE, quoting
  // its log, if it exits first or does not serve within `timeout`.
  absl::Status Start(const std::vector<std::string>& args,
                     std::chrono::seconds timeout = std::chrono::seconds(60));
  // Sends `signal` (if it runs).
  void Signal(int signal);
  // SIGKILL, and waits for it.
  void Kill();
  // SIGTERM, waits for it; its exit status (128 + the signal if killed; -1
  // if it does not run).
  int Terminate();

  int port() const { return port_; }
  std::string Log() const;

 private:
  const std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace memoria::testing
