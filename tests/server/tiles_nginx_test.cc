// The tiles directory served by nginx (Debian's package), as an operator
// would serve it without the server's own listener: the log is read and
// verified through nginx by the independent reader
// (tests/ledger/tile_reader.h), with the caching headers of the
// configuration server/README.md documents. Skipped, saying so, only if no
// nginx binary is installed.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/ledger/tile_reader.h"
#include "tests/server/server_test_util.h"
#include "tests/support/nginx_process.h"

namespace memoria::server {
namespace {

using testing::GenericEntry;
using testing::MustStart;
using testing::NewLocalStub;
using testing::NewWriterKey;
using testing::RegisterWriterEntry;
using testing::StatusText;
using testing::TempDir;

using ::memoria::testing::FindNginx;
using ::memoria::testing::FreePort;
using ::memoria::testing::Nginx;

TEST(TilesNginxTest, NginxServesTheTilesDirectoryAndTheLogVerifiesThroughIt) {
  const std::string nginx = FindNginx();
  if (nginx.empty()) {
    GTEST_SKIP() << "nginx is not installed (Debian package nginx, tools/install-deps.sh): "
                    "the tiles are not checked through a static web server";
  }
  TempDir dir;
  ServerConfig config = testing::TestServerConfig(dir.File("data"));
  config.tiles_dir = dir.File("tiles");
  config.tiles_interval = absl::Milliseconds(100);
  std::unique_ptr<Server> server = MustStart(config);
  ASSERT_NE(server, nullptr);
  auto stub = NewLocalStub(server->port());
  absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir.File("data/keys/admin.key"));
  ASSERT_TRUE(admin.ok()) << admin.status();
  const Signer writer = NewWriterKey("svc");
  auto append = [&](const v1::SignedEntry& entry) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    const grpc::Status status = stub->Append(&context, request, &receipt);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  };
  append(RegisterWriterEntry(*admin, writer.verifier(), "register"));
  int events = 0;
  auto append_events = [&](int n) {
    v1::AppendBatchRequest request;
    for (int i = 0; i < n; ++i) {
      *request.add_entries() = GenericEntry(writer, absl::StrCat("event-", ++events));
    }
    grpc::ClientContext context;
    v1::AppendBatchResponse response;
    const grpc::Status status = stub->AppendBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  };
  auto wait_published = [&] {
    for (int i = 0; i < 2000 && server->tiles()->published_size() != server->log().Size(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(server->tiles()->published_size(), server->log().Size());
  };
  append_events(600);
  wait_published();

  const int port = FreePort();
  ASSERT_NE(port, 0);
  Nginx web(nginx, port, config.tiles_dir, dir.path());
  ASSERT_TRUE(web.ready()) << "nginx did not start: " << web.errors();

  auto read_through_nginx = [&](std::map<std::string, memoria::testing::HttpResponse>& seen) {
    absl::StatusOr<memoria::testing::TiledLog> read = memoria::testing::ReadTiledLog(
        memoria::testing::HttpFetch(
            "127.0.0.1", port, "",
            [&seen](const std::string& path, const memoria::testing::HttpResponse& response) {
              seen[path] = response;
            }),
        server->log_verifier());
    ASSERT_TRUE(read.ok()) << read.status() << "\n" << web.errors();
    ASSERT_EQ(read->entries.size(), server->log().Size());
    for (uint64_t i = 0; i < read->entries.size(); ++i) {
      ASSERT_EQ(read->entries[i], *server->log().GetRecord(i)) << "record " << i;
    }
  };
  std::map<std::string, memoria::testing::HttpResponse> seen;
  read_through_nginx(seen);
  // 602 records: tiles 0 and 1 full, 2 partial.
  ASSERT_TRUE(seen.count("tile/0/001"));
  ASSERT_TRUE(seen.count("tile/0/002.p/90"));
  ASSERT_TRUE(seen.count("tile/entries/002.p/90"));
  EXPECT_EQ(seen["checkpoint"].content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(seen["checkpoint"].cache_control, "public, max-age=5");
  EXPECT_EQ(seen["tile/0/001"].content_type, "application/octet-stream");
  EXPECT_EQ(seen["tile/0/001"].cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(seen["tile/entries/000"].cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(seen["tile/0/002.p/90"].cache_control, "public, max-age=60");

  // Entry bundles compressed on the way (the spec's SHOULD), temporary
  // files and other paths not served.
  httplib::Client client("127.0.0.1", port);
  client.set_decompress(false);
  httplib::Result gzipped = client.Get("/tile/entries/000", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->status, 200);
  EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(gzipped->body.size(), seen["tile/entries/000"].body.size());
  std::ofstream(config.tiles_dir + "/tile/0/000.tmp") << "a temporary file";
  for (const char* path : {"/tile/0/000.tmp", "/tile/0/", "/tile/0/0000", "/tile/0/002.p/",
                           "/tile/64/000", "/tile/0/002.p/090", "/"}) {
    httplib::Result result = client.Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 404) << path;
  }

  // The log grows while nginx serves: the next checkpoint verifies too.
  append_events(200);
  wait_published();
  seen.clear();
  read_through_nginx(seen);
  ASSERT_TRUE(seen.count("tile/0/003.p/34"));
}

}  // namespace
}  // namespace memoria::server
