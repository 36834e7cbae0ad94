#include "tools/bench/witness_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/bench/server_process.h"

extern char** environ;

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// The rest of the first whole line of `text` that starts with `prefix`.
bool LineAfter(const std::string& text, const std::string& prefix, std::string& value) {
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    if (end == std::string::npos) return false;  // not written whole yet
    if (text.compare(at, prefix.size(), prefix) == 0) {
      value = text.substr(at + prefix.size(), end - at - prefix.size());
      return true;
    }
    at = end + 1;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WitnessProcess>> WitnessProcess::Start(
    const WitnessProcessOptions& options) {
  std::unique_ptr<WitnessProcess> witness(new WitnessProcess());
  const std::string log_file = options.data_dir + ".log";
  std::filesystem::create_directories(std::filesystem::path(options.data_dir).parent_path());
  std::filesystem::remove(log_file);

  std::vector<std::string> args = {options.binary, "--data-dir", options.data_dir, "--name",
                                   options.name,   "--listen",   "127.0.0.1:0"};
  for (const std::string& log : options.logs) {
    args.push_back("--log");
    args.push_back(log);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int spawned = posix_spawn(&witness->pid_, options.binary.c_str(), &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    witness->pid_ = -1;
    return absl::InternalError("cannot spawn " + options.binary + ": " + std::strerror(spawned));
  }

  auto failed = [&](const std::string& why) {
    std::string text = ReadAll(log_file);
    if (text.size() > 2000) text = text.substr(text.size() - 2000);
    return absl::UnavailableError("memoria-witness " + why + "; its output ends:\n" + text);
  };
  const auto start = Clock::now();
  while (true) {
    int status = 0;
    if (waitpid(witness->pid_, &status, WNOHANG) == witness->pid_) {
      witness->pid_ = -1;
      return failed("exited before listening");
    }
    const std::string out = ReadAll(log_file);
    std::string listening;
    if (LineAfter(out, "listening on 127.0.0.1:", listening) &&
        LineAfter(out, "vkey ", witness->vkey_)) {
      witness->port_ = std::atoi(listening.c_str());
      if (witness->port_ > 0) return witness;
    }
    if (std::chrono::duration<double>(Clock::now() - start).count() > options.start_timeout_seconds) {
      return failed("did not print its port");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

WitnessProcess::~WitnessProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::Status WitnessProcess::Stop(double timeout_seconds) {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  const auto start = Clock::now();
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::duration<double>(Clock::now() - start).count() > timeout_seconds) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return absl::InternalError("memoria-witness did not stop within the timeout; killed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("memoria-witness stopped with status " + std::to_string(status));
  }
  return absl::OkStatus();
}

double WitnessProcess::CpuSeconds() const { return pid_ > 0 ? ProcessCpuSeconds(pid_) : 0; }

}  // namespace memoria::bench
