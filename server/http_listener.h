// HttpListener: memoria-server's HTTP listener (--http-listen HOST:PORT),
// cpp-httplib on its own threads. Today it serves the C2SP tlog-tiles
// directory (--tiles-dir, server/tiles_publisher.h) read-only:
//
//   GET /checkpoint                      text/plain; charset=utf-8,
//                                        Cache-Control: public, max-age=5
//                                        (mutable: a few seconds at most)
//   GET /tile/<L>/<N>, /tile/entries/<N> application/octet-stream,
//                                        Cache-Control: public,
//                                        max-age=31536000, immutable
//   GET .../<N>.p/<W> (partial)          application/octet-stream,
//                                        Cache-Control: public, max-age=60
//                                        (never changes, but is deleted once
//                                        its full tile exists)
//
// Entry bundles are gzip-compressed for a client that accepts it
// (Content-Encoding: gzip, Vary: Accept-Encoding), as the spec suggests.
// Only paths of the spec's grammar are served (ledger/tile_path.h: no
// temporary file, no directory listing, no "..": 404 with Cache-Control:
// no-store otherwise). HEAD is answered as GET without the body. Routes for
// more are added in RegisterRoutes: the citizens' portal (/, /portal.js,
// /portal.css, /api/v1/...: server/portal/portal_api.h), unless --no-portal.
//
// Operations (server/operations_routes.h), each when its source is given:
// GET /metrics (Prometheus text), GET /healthz and /readyz.
//
//   ASSIGN_OR_RETURN(auto http, HttpListener::Start({.listen = "127.0.0.1:8080",
//                                                    .tiles_dir = "data/tiles"}));
//   ... http->port() ...; http->Stop();  // or destroy it
//
// The address is bound exclusively (SO_REUSEADDR, never SO_REUSEPORT): a
// second server on the same address fails to start. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/operations_routes.h"

namespace httplib {
class Server;
}

namespace memoria::server {

class PortalApi;

inline constexpr char kCheckpointCacheControl[] = "public, max-age=5";
inline constexpr char kImmutableCacheControl[] = "public, max-age=31536000, immutable";
inline constexpr char kPartialCacheControl[] = "public, max-age=60";

struct HttpListenerOptions {
  // host:port; port 0 picks a free port (see port()).
  std::string listen;
  // The tlog-tiles directory served under /; empty: no tiles routes.
  std::string tiles_dir;
  // GET /metrics answers scrape(); unset: no /metrics.
  ScrapeMetrics metrics;
  // GET /healthz, and /readyz from readiness(); unset: neither.
  CheckReadiness readiness;
  // The citizens' portal (server/portal/portal_api.h): its pages and /api/v1;
  // nullptr: none. Borrowed; must outlive the listener.
  const PortalApi* portal = nullptr;
};

class HttpListener {
 public:
  // Binds and starts serving. INVALID_ARGUMENT for a listen address that is
  // not host:port; UNAVAILABLE if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpListenerOptions& options);
  // Stop()s.
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const { return port_; }
  // Stops accepting and waits for the listener's thread. Idempotent.
  void Stop();

 private:
  explicit HttpListener(const HttpListenerOptions& options);
  void RegisterRoutes();

  const HttpListenerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace memoria::server
