#include "tests/support/witness_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/support/file_bytes.h"

namespace memoria::testing {

WitnessProcess::WitnessProcess(const std::string& data_dir,
                               const std::vector<std::string>& extra_args,
                               const std::string& scratch, const std::string& name) {
  static int counter = 0;
  out_path_ = scratch + "/witness.out." + std::to_string(getpid()) + "." + std::to_string(++counter);
  const std::string err_path = out_path_ + ".err";
  std::vector<std::string> args = {std::string(MEMORIA_BINARY_DIR) + "/witness/memoria-witness",
                                   "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--name",
                                   name};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Everything the child needs is made before fork (no allocation after).
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // Wait for "listening on 127.0.0.1:PORT", or for the process to exit.
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      error_ = ReadFileBytes(err_path);
      break;
    }
    const std::string out = ReadFileBytes(out_path_);
    const size_t at = out.find("listening on 127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = std::stoi(out.substr(at + 23));
      const size_t vkey = out.find("vkey ");
      output_ = out;
      vkey_ = out.substr(vkey + 5, out.find('\n', vkey) - vkey - 5);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

WitnessProcess::~WitnessProcess() { Kill(); }

void WitnessProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
}

int WitnessProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace memoria::testing
