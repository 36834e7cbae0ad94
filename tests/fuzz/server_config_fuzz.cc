// The config file reader of memoria-server (server/config.h): the input is
// the file given with --config (TOML/INI, read by CLI11), parsed by
// ParseServerFlags and checked by ValidateServerConfig. Property: the parse
// either goes on (no exit code) or stops with 0 (--help, --version) or 2 (a
// usage error); nothing escapes it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "server/config.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const std::string& ConfigPath() {
  static const std::string path =
      "/tmp/memoria-config-fuzz-" + std::to_string(::getpid()) + ".toml";
  return path;
}

// Swallows what CLI11 prints (usage errors, --help) for one parse.
class Silence {
 public:
  Silence() : out_(std::cout.rdbuf(sink_.rdbuf())), err_(std::cerr.rdbuf(sink_.rdbuf())) {}
  ~Silence() {
    std::cout.rdbuf(out_);
    std::cerr.rdbuf(err_);
  }

 private:
  std::ostringstream sink_;
  std::streambuf* out_;
  std::streambuf* err_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria::server;
  {
    std::ofstream file(ConfigPath(), std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!file) return 0;
  }
  const char* argv[] = {"memoria-server", "--config", ConfigPath().c_str()};
  ServerConfig config;
  std::optional<int> exit_code;
  {
    Silence silence;
    exit_code = ParseServerFlags(3, argv, config);
  }
  ::unlink(ConfigPath().c_str());
  if (exit_code.has_value()) {
    FUZZ_CHECK(*exit_code == 0 || *exit_code == 2,
               "ParseServerFlags exit code " + std::to_string(*exit_code));
    return 0;
  }
  const absl::Status valid = ValidateServerConfig(config);
  FUZZ_CHECK(valid.ok() || absl::IsInvalidArgument(valid),
             "ValidateServerConfig error is not INVALID_ARGUMENT: " + valid.ToString());
  (void)IsLoopbackAddress(config.listen);
  (void)config.LogKeyPath();
  (void)config.AdminKeyPath();
  return 0;
}
