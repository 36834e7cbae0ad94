// Runs one of our programs as a child process, as a user's shell would, and
// keeps its exit code and what it printed (for the CLI and auditor tests).
#pragma once

#include <string>
#include <vector>

namespace memoria::testing {

struct ProcessRun {
  int exit_code = -1;  // -1 if it could not run or did not exit normally
  std::string out;
  std::string err;
};

// Runs `binary` with `args` (passed as they are, no shell interpretation),
// standard input from `stdin_file` (empty: /dev/null); its standard error goes
// through a file in `scratch_dir`.
ProcessRun RunBinary(const std::string& binary, const std::vector<std::string>& args,
                     const std::string& scratch_dir, const std::string& stdin_file = "");

}  // namespace memoria::testing
