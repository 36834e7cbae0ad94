// memoria-server --tiles-dir and --http-listen: the log published as C2SP
// tlog-tiles, served over HTTP with the spec's content types and caching
// headers, caught up after a restart, and read back and verified by an
// independent reader (tests/ledger/tile_reader.h); the largest entry's record
// fits an entry bundle.
#include <httplib.h>

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/entry_signer.h"
#include "ledger/record.h"
#include "ledger/tile_path.h"
#include "tests/ledger/tile_reader.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"

namespace memoria::server {
namespace {

using ::memoria::testing::ReadFileBytes;
using testing::GenericEntry;
using testing::MustStart;
using testing::NewLocalStub;
using testing::NewWriterKey;
using testing::RegisterWriterEntry;
using testing::StatusText;
using testing::TempDir;

class TilesServerTest : public ::testing::Test {
 protected:
  ServerConfig Config(bool init, bool tiles = true) {
    ServerConfig config = init ? testing::TestServerConfig(dir_.File("data"))
                               : testing::RestartTestServerConfig(dir_.File("data"));
    if (tiles) {
      config.tiles_dir = dir_.File("tiles");
      config.tiles_interval = absl::Milliseconds(100);
      config.http_listen = "127.0.0.1:0";
      // The tiles alone ("/" would be the portal's page).
      config.portal = false;
    }
    return config;
  }

  void Start(const ServerConfig& config) {
    server_ = MustStart(config);
    ASSERT_NE(server_, nullptr);
    stub_ = NewLocalStub(server_->port());
    if (config.init) {
      absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir_.File("data/keys/admin.key"));
      ASSERT_TRUE(admin.ok()) << admin.status();
      writer_ = std::make_unique<Signer>(NewWriterKey("svc"));
      ASSERT_TRUE(Append(RegisterWriterEntry(*admin, writer_->verifier(), "register")).ok());
    }
  }

  void Stop() {
    stub_.reset();
    server_.reset();
  }

  grpc::Status Append(const v1::SignedEntry& entry) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    return stub_->Append(&context, request, &receipt);
  }

  void AppendEvents(int n) {
    v1::AppendBatchRequest request;
    for (int i = 0; i < n; ++i) {
      *request.add_entries() = GenericEntry(*writer_, absl::StrCat("event-", ++events_), "post.published",
                                            {{"url", absl::StrCat("https://example.com/", events_)}});
      if (request.entries_size() == 500 || i + 1 == n) {
        grpc::ClientContext context;
        v1::AppendBatchResponse response;
        const grpc::Status status = stub_->AppendBatch(&context, request, &response);
        ASSERT_TRUE(status.ok()) << StatusText(status);
        request.clear_entries();
      }
    }
  }

  // Waits (up to 20 s) until the published checkpoint is the log's size.
  void WaitPublished() {
    const uint64_t size = server_->log().Size();
    for (int i = 0; i < 2000 && server_->tiles()->published_size() != size; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(server_->tiles()->published_size(), size);
  }

  // Reads the whole log from `fetch` and checks it is the server's.
  void ExpectTheLog(const memoria::testing::TileFetch& fetch) {
    absl::StatusOr<memoria::testing::TiledLog> read =
        memoria::testing::ReadTiledLog(fetch, server_->log_verifier());
    ASSERT_TRUE(read.ok()) << read.status();
    const uint64_t size = server_->log().Size();
    ASSERT_EQ(read->checkpoint.size, size);
    ASSERT_EQ(read->entries.size(), size);
    for (uint64_t i = 0; i < size; ++i) {
      ASSERT_EQ(read->entries[i], *server_->log().GetRecord(i)) << "record " << i;
    }
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> writer_;
  int events_ = 0;
};

TEST_F(TilesServerTest, ServesTheTilesOverHttpWithTheSpecsHeaders) {
  Start(Config(true));
  ASSERT_NE(server_->http_port(), 0);
  AppendEvents(300);
  WaitPublished();
  std::map<std::string, memoria::testing::HttpResponse> responses;
  ExpectTheLog(memoria::testing::HttpFetch(
      "127.0.0.1", server_->http_port(), "",
      [&responses](const std::string& path, const memoria::testing::HttpResponse& response) {
        responses[path] = response;
      }));
  ASSERT_TRUE(responses.count("checkpoint"));
  ASSERT_TRUE(responses.count("tile/0/000"));
  ASSERT_TRUE(responses.count("tile/0/001.p/46"));  // 302 records: genesis, registration, 300
  ASSERT_TRUE(responses.count("tile/1/000.p/1"));
  ASSERT_TRUE(responses.count("tile/entries/000"));
  ASSERT_TRUE(responses.count("tile/entries/001.p/46"));
  for (const auto& [path, response] : responses) {
    SCOPED_TRACE(path);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, ReadFileBytes(dir_.File("tiles/" + path)));
    if (path == "checkpoint") {
      EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
      EXPECT_EQ(response.cache_control, "public, max-age=5");
    } else if (path.find(".p/") != std::string::npos) {
      EXPECT_EQ(response.content_type, "application/octet-stream");
      EXPECT_EQ(response.cache_control, "public, max-age=60");
    } else {
      EXPECT_EQ(response.content_type, "application/octet-stream");
      EXPECT_EQ(response.cache_control, "public, max-age=31536000, immutable");
    }
  }
  // Nothing but the spec's resources: no temporary files, directories,
  // paths outside the directory or of another shape.
  httplib::Client client("127.0.0.1", server_->http_port());
  for (const char* path :
       {"/tile/0/001.p", "/tile/0/001.p/", "/tile/0/000.tmp", "/tile/0/999", "/tile/0/1",
        "/tile/0/0000", "/tile/../checkpoint", "/tile/0/../../checkpoint", "/tile/%2e%2e/checkpoint",
        "/", "/tile/", "/tile/entries", "/tile/0/001.p/45", "/checkpoint.tmp"}) {
    SCOPED_TRACE(path);
    httplib::Result result = client.Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 404);
    EXPECT_EQ(result->get_header_value("Cache-Control"), "no-store");
  }
  // Entry bundles gzip-compressed when asked (the spec's SHOULD), and
  // the same bytes once decompressed; hash tiles as they are.
  {
    httplib::Client raw("127.0.0.1", server_->http_port());
    raw.set_decompress(false);
    httplib::Result gzipped = raw.Get("/tile/entries/000", {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(gzipped);
    EXPECT_EQ(gzipped->status, 200);
    EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
    EXPECT_EQ(gzipped->get_header_value("Vary"), "Accept-Encoding");
    EXPECT_LT(gzipped->body.size(), responses["tile/entries/000"].body.size());
    httplib::Result plain = raw.Get("/tile/entries/000", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->has_header("Content-Encoding"));
    EXPECT_EQ(plain->body, ReadFileBytes(dir_.File("tiles/tile/entries/000")));
    httplib::Client decompressing("127.0.0.1", server_->http_port());
    httplib::Result inflated =
        decompressing.Get("/tile/entries/000", {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(inflated);
    EXPECT_EQ(inflated->body, ReadFileBytes(dir_.File("tiles/tile/entries/000")));
    httplib::Result tile = raw.Get("/tile/0/000", {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(tile);
    EXPECT_FALSE(tile->has_header("Content-Encoding"));
  }
  // HEAD: the headers of GET.
  httplib::Result head = client.Head("/tile/0/000");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_TRUE(head->body.empty());

  // The log grows: the full tile is served as it was, the new partials too.
  const std::string first_tile = responses["tile/0/000"].body;
  AppendEvents(220);  // 522 records: tiles 000 and 001 full
  WaitPublished();
  responses.clear();
  ExpectTheLog(memoria::testing::HttpFetch(
      "127.0.0.1", server_->http_port(), "",
      [&responses](const std::string& path, const memoria::testing::HttpResponse& response) {
        responses[path] = response;
      }));
  EXPECT_EQ(responses["tile/0/000"].body, first_tile);
  EXPECT_TRUE(responses.count("tile/0/001"));
  EXPECT_TRUE(responses.count("tile/0/002.p/10"));
  EXPECT_TRUE(responses.count("tile/1/000.p/2"));
  // The partials of a full tile are gone.
  httplib::Result gone = client.Get("/tile/0/001.p/46");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
}

TEST_F(TilesServerTest, ARestartCatchesUpAnExistingLog) {
  Start(Config(true, /*tiles=*/false));
  AppendEvents(600);
  Stop();
  // An existing log, published for the first time.
  Start(Config(false));
  WaitPublished();
  ExpectTheLog(memoria::testing::DirectoryFetch(dir_.File("tiles")));
  const uint64_t published = server_->tiles()->published_size();
  Stop();
  // Records appended while the tiles were not followed.
  Start(Config(false, /*tiles=*/false));
  AppendEvents(300);
  Stop();
  Start(Config(false));
  WaitPublished();
  EXPECT_GT(server_->tiles()->published_size(), published);
  ExpectTheLog(memoria::testing::HttpFetch("127.0.0.1", server_->http_port()));
}

TEST_F(TilesServerTest, TheLargestEntryIsAcceptedAndPublishedAndOneByteMoreIsNot) {
  Start(Config(true));
  // A generic event whose serialized Entry is exactly kMaxEntryBytes.
  auto sized = [&](size_t entry_bytes, const std::string& request_id) {
    v1::Entry entry;
    entry.set_writer(writer_->name());
    entry.set_request_id(request_id);
    entry.set_event_time_micros(1700000000000000);
    entry.mutable_generic()->set_type("post.published");
    std::string& body = (*entry.mutable_generic()->mutable_attributes())["body"];
    body.assign(entry_bytes - 200, 'b');
    while (entry.ByteSizeLong() < entry_bytes) body.push_back('b');
    while (entry.ByteSizeLong() > entry_bytes) body.pop_back();
    EXPECT_EQ(entry.ByteSizeLong(), entry_bytes);
    return client::SignEntry(*writer_, entry);
  };
  const v1::SignedEntry largest = sized(kMaxEntryBytes, "largest");
  ASSERT_EQ(largest.entry().size(), kMaxEntryBytes);
  grpc::Status status = Append(largest);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  status = Append(sized(kMaxEntryBytes + 1, "too-large"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("65404"), std::string::npos) << status.error_message();
  WaitPublished();
  const std::string record = *server_->log().GetRecord(2);
  EXPECT_LE(record.size(), tiles::kMaxBundledEntryBytes);
  EXPECT_GT(record.size(), kMaxEntryBytes);
  ExpectTheLog(memoria::testing::HttpFetch("127.0.0.1", server_->http_port()));
}

TEST_F(TilesServerTest, AnotherLogsTilesDirectoryStopsTheStart) {
  Start(Config(true));
  WaitPublished();
  Stop();
  // A second log, pointed at the first one's tiles.
  ServerConfig other = testing::TestServerConfig(dir_.File("other"));
  other.tiles_dir = dir_.File("tiles");
  absl::StatusOr<std::unique_ptr<Server>> refused = Server::Start(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(refused.status().message().find("not this log's"), std::string::npos);
}

}  // namespace
}  // namespace memoria::server
