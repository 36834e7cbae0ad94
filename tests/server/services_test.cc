// The gRPC surface by audience: one server serves memoria.v1.Ledger,
// memoria.v1.Policy and memoria.v1.Transparency on one port; each method is
// served by its own service only; the health service reports each service;
// reflection lists them.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::testing::HasSubstr;

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(server::testing::TestServerConfig(dir_.path() + "/data"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = server::testing::NewLocalChannel(server_->port());
  }

  // Calls the unary method `path` with the serialized request `request`.
  grpc::Status CallRaw(const std::string& path, const std::string& request,
                       std::string* response = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(request);
    grpc::ByteBuffer raw_request(&slice, 1);
    grpc::ByteBuffer raw_response;
    grpc::internal::RpcMethod method(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(), method, &context, raw_request, &raw_response);
    if (status.ok() && response != nullptr) *response = Bytes(raw_response);
    return status;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServicesTest, EachServiceAnswersItsOwnMethods) {
  {
    grpc::ClientContext context;
    v1::Info info;
    grpc::Status status = server::testing::NewLocalStub(server_->port())
                              ->GetInfo(&context, v1::GetInfoRequest(), &info);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(info.tree_size(), 1u);  // the genesis record
  }
  {
    grpc::ClientContext context;
    v1::Inventory inventory;
    grpc::Status status = server::testing::NewLocalPolicyStub(server_->port())
                              ->GetInventory(&context, v1::InventoryRequest(), &inventory);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(inventory.tree_size(), 1u);
  }
  {
    grpc::ClientContext context;
    v1::QueryRequest request;
    request.mutable_filter()->add_event_types("genesis");
    v1::QueryResponse response;
    grpc::Status status = server::testing::NewLocalTransparencyStub(server_->port())
                              ->Query(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    ASSERT_EQ(response.records_size(), 1);
    EXPECT_EQ(response.records(0).index(), 0u);
  }
}

TEST_F(ServicesTest, AMethodIsServedByItsServiceOnly) {
  // Empty requests: each parses as its (all-default) request message.
  for (const char* moved :
       {"/memoria.v1.Ledger/GetInventory", "/memoria.v1.Ledger/GetFindings",
        "/memoria.v1.Ledger/GetPersonalData", "/memoria.v1.Ledger/ErasePersonalData",
        "/memoria.v1.Ledger/Query", "/memoria.v1.Policy/Query", "/memoria.v1.Policy/GetInfo",
        "/memoria.v1.Transparency/GetInventory", "/memoria.v1.Transparency/GetInfo"}) {
    SCOPED_TRACE(moved);
    EXPECT_EQ(CallRaw(moved, "").error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  for (const char* served : {"/memoria.v1.Ledger/GetInfo", "/memoria.v1.Policy/GetFindings",
                             "/memoria.v1.Transparency/Query"}) {
    SCOPED_TRACE(served);
    const grpc::Status status = CallRaw(served, "");
    EXPECT_TRUE(status.ok()) << StatusText(status);
  }
}

TEST_F(ServicesTest, HealthReportsTheServerAndEachService) {
  for (const std::string service :
       {"", "memoria.v1.Ledger", "memoria.v1.Policy", "memoria.v1.Transparency"}) {
    SCOPED_TRACE(service);
    // HealthCheckRequest{service = 1}.
    std::string request;
    if (!service.empty()) {
      request = absl::StrCat(std::string(1, '\x0a'), std::string(1, static_cast<char>(service.size())),
                             service);
    }
    std::string response;
    const grpc::Status status = CallRaw("/grpc.health.v1.Health/Check", request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(response, std::string("\x08\x01", 2));  // status: SERVING
  }
  // A name that is not a service of this server.
  const std::string unknown = "memoria.v1.Nothing";
  EXPECT_EQ(CallRaw("/grpc.health.v1.Health/Check",
                    absl::StrCat(std::string(1, '\x0a'),
                                 std::string(1, static_cast<char>(unknown.size())), unknown))
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServicesTest, ReflectionListsTheThreeServices) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const std::string path = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  grpc::internal::RpcMethod method(path.c_str(), grpc::internal::RpcMethod::BIDI_STREAMING);
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel_.get(), method, &context));
  // ServerReflectionRequest{list_services = 7: ""}.
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  ASSERT_TRUE(stream->Write(grpc::ByteBuffer(&slice, 1)));
  ASSERT_TRUE(stream->WritesDone());
  grpc::ByteBuffer response;
  ASSERT_TRUE(stream->Read(&response));
  const std::string listed = Bytes(response);
  EXPECT_THAT(listed, HasSubstr("memoria.v1.Ledger"));
  EXPECT_THAT(listed, HasSubstr("memoria.v1.Policy"));
  EXPECT_THAT(listed, HasSubstr("memoria.v1.Transparency"));
  while (stream->Read(&response)) {
  }
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << StatusText(status);
}

}  // namespace
}  // namespace memoria::server
