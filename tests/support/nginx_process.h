// nginx (Debian's package) as a child process serving a tiles directory with
// the configuration server/README.md documents ("Serving the tiles with
// nginx"): the static web server an operator would put in front of
// --tiles-dir, for the tests that read tiles through it.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/free_port.h"

namespace memoria::testing {

// The nginx binary, or "" if none is installed (the test then skips, saying so).
std::string FindNginx();

class Nginx {
 public:
  // Starts nginx on 127.0.0.1:`port` serving `tiles`, its files in
  // `scratch`/nginx; ready() once it accepts connections.
  Nginx(const std::string& binary, int port, const std::string& tiles, const std::string& scratch);
  // Stops it (SIGTERM to the master, which stops its worker) and waits.
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  bool ready() const { return ready_; }
  // Its error log.
  std::string errors() const;

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
  std::string conf_path_;
  std::string error_log_;
};

}  // namespace memoria::testing
