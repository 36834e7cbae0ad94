#include "server/http_listener.h"

#include <httplib.h>
#include <sys/socket.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/durable_file.h"
#include "ledger/tile_path.h"
#include "server/portal/portal_api.h"

namespace memoria::server {
namespace {

constexpr int kTimeoutSeconds = 10;

void NotFound(httplib::Response& response) {
  response.status = 404;
  response.set_header("Cache-Control", "no-store");
  response.set_content("not found\n", "text/plain; charset=utf-8");
}

// `data` gzip-compressed; nullopt if zlib fails.
std::optional<std::string> Gzip(const std::string& data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  out.resize(stream.total_out);
  return out;
}

// The client accepts gzip (a coarse reading of Accept-Encoding: "gzip" and
// no "gzip;q=0").
bool AcceptsGzip(const httplib::Request& request) {
  const std::string accepted = request.get_header_value("Accept-Encoding");
  return accepted.find("gzip") != std::string::npos &&
         accepted.find("gzip;q=0") == std::string::npos;
}

void ServeFile(const std::string& path, const char* content_type, const char* cache_control,
               httplib::Response& response) {
  absl::StatusOr<std::optional<std::string>> bytes = ReadFileIfExists(path);
  if (!bytes.ok()) {
    response.status = 500;
    response.set_header("Cache-Control", "no-store");
    response.set_content("cannot read the resource\n", "text/plain; charset=utf-8");
    return;
  }
  if (!bytes->has_value()) return NotFound(response);
  response.status = 200;
  response.set_header("Cache-Control", cache_control);
  response.set_content(**std::move(bytes), content_type);
}

}  // namespace

HttpListener::HttpListener(const HttpListenerOptions& options)
    : options_(options), http_(std::make_unique<httplib::Server>()) {}

HttpListener::~HttpListener() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpListenerOptions& options) {
  std::string host = options.listen;
  const size_t colon = host.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(host.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen \"", options.listen, "\" is not host:port"));
  }
  host.resize(colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<HttpListener> listener(new HttpListener(options));
  httplib::Server& http = *listener->http_;
  // cpp-httplib's default sets SO_REUSEPORT: a second server would share the port.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_read_timeout(kTimeoutSeconds, 0);
  http.set_write_timeout(kTimeoutSeconds, 0);
  listener->RegisterRoutes();
  const int bound = port == 0 ? http.bind_to_any_port(host.c_str())
                              : (http.bind_to_port(host.c_str(), static_cast<int>(port))
                                     ? static_cast<int>(port)
                                     : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for HTTP on ", options.listen,
        ": the address is in use or is not an address of this host; give another --http-listen"));
  }
  listener->port_ = bound;
  // Bound and listening: connections wait in the backlog until the thread
  // accepts them.
  listener->thread_ = std::thread([&http] { http.listen_after_bind(); });
  // stop() is a no-op until the thread runs its accept loop: wait for it, so
  // that a Stop() right after Start() cannot miss it (and join for ever).
  for (int i = 0; i < 5000 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return listener;
}

void HttpListener::Stop() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

void HttpListener::RegisterRoutes() {
  httplib::Server& http = *http_;
  if (!options_.tiles_dir.empty()) {
    const std::string dir = options_.tiles_dir;
    http.Get("/checkpoint", [dir](const httplib::Request&, httplib::Response& response) {
      ServeFile(absl::StrCat(dir, "/", tiles::kCheckpointPath), "text/plain; charset=utf-8",
                kCheckpointCacheControl, response);
    });
    http.Get(R"(/tile/.+)", [dir](const httplib::Request& request, httplib::Response& response) {
      const std::string path = request.path.substr(1);
      const std::optional<tiles::TilePath> tile = tiles::ParseTilePath(path);
      if (!tile.has_value()) return NotFound(response);
      ServeFile(dir + "/" + path, "application/octet-stream",
                tile->partial() ? kPartialCacheControl : kImmutableCacheControl, response);
      // Entry bundles compress (their records' text; signatures and hashes
      // do not: about 0.6x in the tests): gzip when asked, as the spec
      // suggests. Hash tiles would not shrink.
      if (tile->entries && response.status == 200) {
        response.set_header("Vary", "Accept-Encoding");
        if (AcceptsGzip(request)) {
          if (std::optional<std::string> gzipped = Gzip(response.body)) {
            response.set_header("Content-Encoding", "gzip");
            response.set_content(*std::move(gzipped), "application/octet-stream");
          }
        }
      }
    });
  }
  if (options_.metrics) AddMetricsRoutes(http, options_.metrics);
  if (options_.readiness) AddHealthRoutes(http, options_.readiness);
  if (options_.portal != nullptr) options_.portal->RegisterRoutes(http);
  http.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    // A route's own 404 (the portal's JSON errors) is kept.
    if (response.status == 404 && response.body.empty()) NotFound(response);
  });
}

}  // namespace memoria::server
