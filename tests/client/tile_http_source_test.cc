// client/tile_http_source.h against a real HTTP server on loopback
// (cpp-httplib): bodies as served, gzip-encoded bodies decoded, 404 and 410 as
// NOT_FOUND and other statuses as UNAVAILABLE naming the URL, a server that
// does not answer in time as DEADLINE_EXCEEDED, an oversized body refused,
// and the location forms (URL, file://, directory, other schemes).
#include <httplib.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/tile_http_source.h"
#include "tests/support/file_bytes.h"
#include "tests/support/temp_dir.h"

namespace memoria::client {
namespace {

std::string Gzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

class TileHttpSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/log/checkpoint", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("a checkpoint\n", "text/plain; charset=utf-8");
    });
    server_.Get("/log/tile/entries/000", [this](const httplib::Request& request,
                                                httplib::Response& response) {
      accept_encoding_ = request.get_header_value("Accept-Encoding");
      response.set_header("Content-Encoding", "gzip");
      response.set_content(Gzip(std::string(5000, 'e')), "application/octet-stream");
    });
    server_.Get("/log/tile/0/000", [](const httplib::Request&, httplib::Response& response) {
      response.status = 410;
    });
    server_.Get("/log/tile/0/001", [](const httplib::Request&, httplib::Response& response) {
      response.status = 503;
    });
    server_.Get("/log/slow", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::milliseconds(6000));
      response.set_content("late", "text/plain");
    });
    server_.Get("/log/huge", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(17 << 20, 'h'), "application/octet-stream");
    });
    // One request per connection: the test server's few worker threads are
    // not held by the client's idle pooled connections.
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/log/"); }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::string accept_encoding_;
};

TEST_F(TileHttpSourceTest, FetchesDecodesAndNamesTheUrlInErrors) {
  TileHttpOptions options;
  options.request_timeout_ms = 3000;  // generous: the machine may be busy
  absl::StatusOr<std::unique_ptr<TileSource>> source = OpenTileSource(url(), options);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Describe(), absl::StrCat("http://127.0.0.1:", port_, "/log"));
  EXPECT_EQ(*(*source)->Fetch("checkpoint"), "a checkpoint\n");
  absl::StatusOr<std::string> bundle = (*source)->Fetch("tile/entries/000");
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(*bundle, std::string(5000, 'e'));
  EXPECT_NE(accept_encoding_.find("gzip"), std::string::npos) << accept_encoding_;

  absl::Status missing = (*source)->Fetch("tile/0/002").status();
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_NE(missing.message().find(absl::StrCat("127.0.0.1:", port_, "/log/tile/0/002")),
            std::string::npos) << missing;
  EXPECT_NE(missing.message().find("HTTP 404"), std::string::npos) << missing;
  EXPECT_TRUE(absl::IsNotFound((*source)->Fetch("tile/0/000").status()));
  absl::Status unavailable = (*source)->Fetch("tile/0/001").status();
  EXPECT_TRUE(absl::IsUnavailable(unavailable)) << unavailable;
  EXPECT_NE(unavailable.message().find("HTTP 503"), std::string::npos) << unavailable;
  EXPECT_TRUE(absl::IsDeadlineExceeded((*source)->Fetch("slow").status()));
  EXPECT_TRUE(absl::IsResourceExhausted((*source)->Fetch("huge").status()));

  // Several fetches at once on pooled handles (normal timeouts: the test
  // server has few threads and the machine may be busy).
  absl::StatusOr<std::unique_ptr<TileSource>> pooled = OpenTileSource(url());
  ASSERT_TRUE(pooled.ok());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<std::string> fetched = (*pooled)->Fetch("tile/entries/000");
      EXPECT_TRUE(fetched.ok()) << fetched.status();
      if (fetched.ok()) ++good;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 4);
}

TEST(TileSourceLocationTest, DirectoriesFileUrlsAndOtherSchemes) {
  ::memoria::testing::TempDir dir;
  ::memoria::testing::WriteFileBytes(dir.File("checkpoint"), "note\n");
  for (const std::string& location : {dir.path(), "file://" + dir.path()}) {
    absl::StatusOr<std::unique_ptr<TileSource>> source = OpenTileSource(location);
    ASSERT_TRUE(source.ok()) << source.status();
    EXPECT_EQ(*(*source)->Fetch("checkpoint"), "note\n");
    EXPECT_TRUE(absl::IsNotFound((*source)->Fetch("tile/0/000").status()));
    EXPECT_TRUE(absl::IsInvalidArgument((*source)->Fetch("../etc/passwd").status()));
  }
  EXPECT_TRUE(absl::IsInvalidArgument(OpenTileSource("ftp://example.org/log").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(OpenTileSource("").status()));
  absl::StatusOr<std::unique_ptr<TileSource>> refused = OpenTileSource("http://127.0.0.1:1");
  ASSERT_TRUE(refused.ok());
  absl::Status down = (*refused)->Fetch("checkpoint").status();
  EXPECT_TRUE(absl::IsUnavailable(down)) << down;
  EXPECT_NE(down.message().find("http://127.0.0.1:1/checkpoint"), std::string::npos) << down;
}

}  // namespace
}  // namespace memoria::client
