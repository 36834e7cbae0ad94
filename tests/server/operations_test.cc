// Operations end to end (server/README.md, "Operations"): a real
// memoria-server process with --log-format json --log-level debug and
// --http-listen (no --tiles-dir): its log lines parse as JSON, every line
// about a call carries the call's request id (the client's x-request-id when
// valid, echoed back; a generated one otherwise), what a client sends is
// escaped; /metrics, /healthz and /readyz answer.
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
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/keys.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/free_port.h"
#include "tests/support/server_process.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::FreePort;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::ServerProcess;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

std::string MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                          const std::string& key) {
  const auto found = metadata.find(key);
  return found == metadata.end() ? "" : std::string(found->second.data(), found->second.size());
}

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_port_ = FreePort();
    ASSERT_NE(http_port_, 0);
    const std::string data = dir_.File("data");
    ASSERT_EQ(server_.Start({"--init", "--data-dir", data, "--http-listen",
                             absl::StrCat("127.0.0.1:", http_port_), "--log-format", "json",
                             "--log-level", "debug"}),
              absl::OkStatus());
    stub_ = NewLocalStub(server_.port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(data + "/keys/admin.key");
    ASSERT_TRUE(admin.ok()) << admin.status();
    writer_ = std::make_unique<Signer>(NewWriterKey("svc"));
    ASSERT_TRUE(Append(RegisterWriterEntry(*admin, writer_->verifier(), "register-svc")).ok());
  }

  void TearDown() override {
    if (!terminated_) Terminate();
  }

  // SIGTERM and wait (it must exit 0); the log's lines.
  std::vector<std::string> Terminate() {
    terminated_ = true;
    EXPECT_EQ(server_.Terminate(), 0);
    return absl::StrSplit(server_.Log(), '\n', absl::SkipEmpty());
  }

  // Appends `entry` with x-request-id `request_id` (none if empty); the
  // request id the server answered in its initial and trailing metadata.
  grpc::Status Append(const v1::SignedEntry& entry, const std::string& request_id = "",
                      std::string* initial_id = nullptr, std::string* trailing_id = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    const grpc::Status status = stub_->Append(&context, request, &receipt);
    if (initial_id != nullptr) {
      *initial_id = MetadataValue(context.GetServerInitialMetadata(), "x-request-id");
    }
    if (trailing_id != nullptr) {
      *trailing_id = MetadataValue(context.GetServerTrailingMetadata(), "x-request-id");
    }
    return status;
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(30, 0);
    return client.Get(path.c_str());
  }

  TempDir dir_;
  ServerProcess server_{dir_.path()};
  bool terminated_ = false;
  int http_port_ = 0;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> writer_;
};

google::protobuf::Struct ParseJsonLine(const std::string& line) {
  google::protobuf::Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(line, &object);
  EXPECT_TRUE(status.ok()) << status << ": " << line;
  return object;
}

std::string Field(const google::protobuf::Struct& object, const std::string& name) {
  const auto found = object.fields().find(name);
  return found == object.fields().end() ? "" : found->second.string_value();
}

TEST_F(OperationsTest, JsonLinesCarryRequestIdsAndEscapeWhatClientsSend) {
  // A valid id is the call's, echoed back.
  std::string initial, trailing;
  ASSERT_TRUE(Append(GenericEntry(*writer_, "event-1"), "ops-test-0001", &initial, &trailing).ok());
  EXPECT_EQ(initial, "ops-test-0001");
  EXPECT_EQ(trailing, "ops-test-0001");
  // None: one is generated (16 hex digits).
  ASSERT_TRUE(Append(GenericEntry(*writer_, "event-2"), "", &initial, &trailing).ok());
  EXPECT_THAT(initial, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(trailing, initial);
  const std::string generated = initial;
  // An invalid one (a quote, spaces, braces) is replaced, not echoed.
  const std::string invalid = "x\" } {\"level\":\"critical\"";
  ASSERT_TRUE(Append(GenericEntry(*writer_, "event-3"), invalid, &initial, &trailing).ok());
  EXPECT_THAT(initial, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_NE(initial, generated);
  // A rejected entry whose writer name tries to end the line and forge another.
  const std::string evil = "evil\"}\n{\"level\":\"critical\",\"msg\":\"forged";
  v1::Entry entry;
  entry.set_writer(evil);
  entry.set_request_id("r\n1");
  entry.set_event_time_micros(1700000000000000);
  entry.mutable_generic()->set_type("post.published");
  v1::SignedEntry forged;
  forged.set_entry(entry.SerializeAsString());
  forged.set_key_id(0x01020304);
  forged.set_signature(std::string(64, 'x'));
  std::string rejected_id;
  const grpc::Status rejected = Append(forged, "ops-test-evil", &rejected_id, nullptr);
  EXPECT_EQ(rejected.error_code(), grpc::StatusCode::PERMISSION_DENIED) << StatusText(rejected);
  EXPECT_EQ(rejected_id, "ops-test-evil");
  // A rejection without an id: its reason's line carries the generated one.
  std::string rejected_generated;
  EXPECT_EQ(Append(forged, "", &rejected_generated, nullptr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(rejected_generated, MatchesRegex("[0-9a-f]{16}"));

  // The metrics saw them.
  httplib::Result metrics = Get("/metrics");
  ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_appends_total 4\n"));  // the writer and 3 events
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_log_size_records 5\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_append_rejects_total{method=\"Append\",code="
                                       "\"PERMISSION_DENIED\"} 2\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_grpc_requests_total{service=\"memoria.v1.Ledger\","
                                       "method=\"Append\",code=\"OK\"} 4\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_grpc_request_duration_seconds_count{service="
                                       "\"memoria.v1.Ledger\",method=\"Append\"} 6\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_batch_records_count 4\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(metrics->body, HasSubstr("\nmemoria_rocksdb_write_stall_seconds_total 0\n"));
  httplib::Result healthz = Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  httplib::Result readyz = Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200) << readyz->body;
  EXPECT_THAT(readyz->body, HasSubstr("\"ready\":true"));
  // No tiles without --tiles-dir.
  httplib::Result checkpoint = Get("/checkpoint");
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->status, 404);

  const std::vector<std::string> lines = Terminate();
  ASSERT_GT(lines.size(), 5u);
  std::map<std::string, std::vector<google::protobuf::Struct>> by_request;
  for (const std::string& line : lines) {
    const google::protobuf::Struct object = ParseJsonLine(line);
    EXPECT_THAT(Field(object, "time"),
                MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
                             "\\.[0-9]{6}Z"));
    EXPECT_THAT(Field(object, "level"), ::testing::AnyOf("debug", "info", "warn"));
    EXPECT_FALSE(Field(object, "msg").empty());
    const std::string request_id = Field(object, "request_id");
    if (!request_id.empty()) by_request[request_id].push_back(object);
  }
  // The calls' lines, by id: the client's, the generated ones.
  ASSERT_EQ(by_request["ops-test-0001"].size(), 1u);
  EXPECT_EQ(Field(by_request["ops-test-0001"][0], "msg"), "call ended");
  EXPECT_EQ(Field(by_request["ops-test-0001"][0], "method"), "/memoria.v1.Ledger/Append");
  EXPECT_EQ(Field(by_request["ops-test-0001"][0], "code"), "OK");
  EXPECT_EQ(by_request[generated].size(), 1u);
  EXPECT_EQ(by_request[initial].size(), 1u);
  // The rejection's two lines (the reason, then the end of the call): the
  // forged writer name is in the message, escaped, with no line of its own.
  const std::vector<google::protobuf::Struct>& evil_lines = by_request["ops-test-evil"];
  ASSERT_EQ(evil_lines.size(), 2u);
  EXPECT_EQ(Field(evil_lines[0], "method"), "Append");
  EXPECT_THAT(Field(evil_lines[0], "msg"), HasSubstr("is not registered"));
  EXPECT_THAT(Field(evil_lines[0], "msg"), HasSubstr("evil\\\"}\\n{\\\"level\\\""));
  EXPECT_THAT(Field(evil_lines[0], "msg"), Not(HasSubstr("\n")));
  EXPECT_EQ(Field(evil_lines[1], "code"), "PERMISSION_DENIED");
  ASSERT_EQ(by_request[rejected_generated].size(), 2u);
  EXPECT_THAT(Field(by_request[rejected_generated][0], "msg"), HasSubstr("is not registered"));
  for (const std::string& line : lines) EXPECT_THAT(line, Not(HasSubstr("\"level\":\"critical\"")));
}

}  // namespace
}  // namespace memoria::server
