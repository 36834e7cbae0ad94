#include "tools/bench/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/status/status.h"
#include "memoria/v1/ledger_service.grpc.pb.h"

extern char** environ;

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// The port in `path` (the server writes it whole: temporary file, rename), else 0.
int ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  in >> port;
  return in && port > 0 && port < 65536 ? port : 0;
}

// The number a line of /proc/<pid>/status gives `field` (kB for sizes), 0 if none.
uint64_t StatusField(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream value(line.substr(field.size() + 1));
      uint64_t number = 0;
      value >> number;
      return number;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const ServerProcessOptions& options) {
  std::unique_ptr<ServerProcess> server(new ServerProcess(options));
  const std::string port_file = options.data_dir + ".port";
  const std::string log_file = options.data_dir + ".log";
  std::filesystem::remove(port_file);
  // The data directory's parent holds the port and log files; the directory
  // itself is the server's to create (--init takes an absent one).
  std::filesystem::create_directories(std::filesystem::path(options.data_dir).parent_path());

  std::vector<std::string> args = {options.binary,      "--data-dir",  options.data_dir,
                                   "--listen",          "127.0.0.1:0", "--port-file",
                                   port_file,           "--log-level", "warn"};
  if (options.init) args.push_back("--init");
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const auto start = Clock::now();
  const int spawned = posix_spawn(&server->pid_, options.binary.c_str(), &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    server->pid_ = -1;
    return absl::InternalError("cannot spawn " + options.binary + ": " + std::strerror(spawned));
  }

  auto failed = [&](const std::string& why) {
    return absl::UnavailableError("memoria-server " + why + "; its log ends:\n" + Tail(log_file, 2000));
  };
  while (server->port_ == 0) {
    int status = 0;
    if (waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return failed("exited before serving");
    }
    if (Seconds(start) > options.start_timeout_seconds) return failed("did not write its port file");
    server->port_ = ReadPortFile(port_file);
    if (server->port_ == 0) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  server->seconds_to_port_file_ = Seconds(start);

  auto stub = v1::Ledger::NewStub(
      grpc::CreateChannel(server->target(), grpc::InsecureChannelCredentials()));
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::Info info;
    if (stub->GetInfo(&context, v1::GetInfoRequest(), &info).ok()) break;
    if (Seconds(start) > options.start_timeout_seconds) return failed("does not answer GetInfo");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server->seconds_to_first_call_ = Seconds(start);
  return server;
}

ServerProcess::~ServerProcess() { Kill(); }

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status ServerProcess::Stop(double timeout_seconds) {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  const auto start = Clock::now();
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (Seconds(start) > timeout_seconds) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return absl::InternalError("memoria-server did not stop within the timeout; killed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("memoria-server stopped with status " + std::to_string(status));
  }
  return absl::OkStatus();
}

uint64_t ServerProcess::ResidentBytes() const {
  return pid_ > 0 ? StatusField(pid_, "VmRSS") * 1024 : 0;
}
uint64_t ServerProcess::PeakResidentBytes() const {
  return pid_ > 0 ? StatusField(pid_, "VmHWM") * 1024 : 0;
}
uint64_t ServerProcess::Threads() const { return pid_ > 0 ? StatusField(pid_, "Threads") : 0; }

double ServerProcess::CpuSeconds() const { return pid_ > 0 ? ProcessCpuSeconds(pid_) : 0; }

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces): state is field 3,
  // utime and stime are fields 14 and 15.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string FindSiblingBinary(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  // build/tools/bench/memoria-bench: the build root is two levels up.
  const std::filesystem::path root = self.parent_path().parent_path().parent_path();
  for (const std::filesystem::path& candidate :
       {root / "server" / name, root / "tools" / "audit" / name, root / "client" / "cli" / name,
        root / "witness" / name, self.parent_path() / name}) {
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return "";
}

std::shared_ptr<grpc::Channel> NewBenchConnection(const std::string& target, int index) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("memoria.bench.connection", index);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

}  // namespace memoria::bench
