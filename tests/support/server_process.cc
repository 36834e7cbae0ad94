#include "tests/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/support/file_bytes.h"

namespace memoria::testing {
namespace {

const std::string kServerBinary = std::string(MEMORIA_BINARY_DIR) + "/server/memoria-server";

int ExitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ServerProcess::ServerProcess(std::string dir) : dir_(std::move(dir)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

std::string ServerProcess::Log() const { return ReadFileBytes(dir_ + "/server.log"); }

absl::Status ServerProcess::Start(const std::vector<std::string>& args,
                                  std::chrono::seconds timeout) {
  const std::string port_file = dir_ + "/port";
  unlink(port_file.c_str());
  port_ = 0;
  std::vector<std::string> all = {kServerBinary, "--listen", "127.0.0.1:0", "--port-file",
                                  port_file};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = dir_ + "/server.log";
  pid_ = fork();
  if (pid_ < 0) return absl::InternalError("fork failed");
  if (pid_ == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(kServerBinary.c_str(), argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError("memoria-server exited during start-up (status " +
                                    std::to_string(ExitStatus(status)) + "):\n" + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::UnavailableError("memoria-server did not start:\n" + Log());
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitStatus(status);
}

}  // namespace memoria::testing
