// A real Prometheus (Debian's package) scrapes memoria-server's /metrics
// every second, as an operator's would, and the test reads
// memoria_appends_total back through Prometheus' HTTP query API: the
// exposition parses for Prometheus, and the counter counts the appends.
// Prometheus runs as the test user with its own configuration, storage and
// loopback port in a temporary directory (a system service the package may
// have started is left alone). Skipped, saying so, only if no prometheus
// binary is installed (CI installs it: tools/install-deps.sh).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/keys.h"
#include "tests/support/free_port.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"

namespace memoria::server {
namespace {

using ::memoria::testing::FreePort;
using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::MustStart;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;

std::string FindPrometheus() {
  for (const char* path : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// The value of the instant query `query`'s first sample, or "" if none yet.
std::string QueryValue(int port, const std::string& query, std::string* raw) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get("/api/v1/query", {{"query", query}}, httplib::Headers{});
  if (!result || result->status != 200) return "";
  *raw = result->body;
  google::protobuf::Struct answer;
  if (!google::protobuf::util::JsonStringToMessage(result->body, &answer).ok()) return "";
  // {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}}
  const auto& data = answer.fields().at("data").struct_value().fields();
  const auto found = data.find("result");
  if (found == data.end() || found->second.list_value().values_size() == 0) return "";
  const auto& sample = found->second.list_value().values(0).struct_value().fields();
  const auto value = sample.find("value");
  if (value == sample.end() || value->second.list_value().values_size() != 2) return "";
  return value->second.list_value().values(1).string_value();
}

TEST(PrometheusTest, ScrapesTheServerAndCountsItsAppends) {
  const std::string prometheus = FindPrometheus();
  if (prometheus.empty()) GTEST_SKIP() << "no prometheus binary (apt-get install prometheus)";
  TempDir dir;
  ServerConfig config = server::testing::TestServerConfig(dir.File("data"));
  config.http_listen = "127.0.0.1:0";
  std::unique_ptr<Server> server = MustStart(config);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(server->http_port(), 0);

  const int prometheus_port = FreePort();
  ASSERT_NE(prometheus_port, 0);
  const std::string config_file = dir.File("prometheus.yml");
  WriteFileBytes(config_file, absl::StrCat(R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: memoria
    static_configs:
      - targets: ['127.0.0.1:)",
                                           server->http_port(), "']\n"));
  const std::string storage = dir.File("tsdb");
  const std::string log = dir.File("prometheus.log");
  const std::string config_flag = "--config.file=" + config_file;
  const std::string storage_flag = "--storage.tsdb.path=" + storage;
  const std::string listen_flag = absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port);
  std::vector<const char*> args = {prometheus.c_str(), config_flag.c_str(), storage_flag.c_str(),
                                   listen_flag.c_str(), nullptr};
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(prometheus.c_str(), const_cast<char* const*>(args.data()));
    _exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  } reaper{pid};

  // Appends: the writer's registration and five events.
  std::unique_ptr<v1::Ledger::Stub> stub = NewLocalStub(server->port());
  absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir.File("data") + "/keys/admin.key");
  ASSERT_TRUE(admin.ok()) << admin.status();
  const Signer writer = NewWriterKey("svc");
  std::vector<v1::SignedEntry> entries = {RegisterWriterEntry(*admin, writer.verifier(), "reg")};
  for (int i = 0; i < 5; ++i) entries.push_back(GenericEntry(writer, absl::StrCat("event-", i)));
  for (const v1::SignedEntry& entry : entries) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    const grpc::Status status = stub->Append(&context, request, &receipt);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }

  // Prometheus starts, scrapes (every second) and answers the query; a
  // loaded machine may take a while.
  std::string value, raw;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    value = QueryValue(prometheus_port, "memoria_appends_total{job=\"memoria\"}", &raw);
    if (value == "6") break;
    int status = 0;
    ASSERT_NE(waitpid(pid, &status, WNOHANG), pid) << "prometheus exited:\n" << ReadFileBytes(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_EQ(value, "6") << raw << "\n" << ReadFileBytes(log);
  // The scrape itself was healthy (Prometheus' own up metric), and the
  // histograms parsed (a per-method latency count).
  EXPECT_EQ(QueryValue(prometheus_port, "up{job=\"memoria\"}", &raw), "1") << raw;
  EXPECT_EQ(QueryValue(prometheus_port,
                       "memoria_grpc_request_duration_seconds_count{method=\"Append\"}", &raw),
            "6")
      << raw;
}

}  // namespace
}  // namespace memoria::server
