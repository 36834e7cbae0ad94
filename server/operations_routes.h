// The HTTP listener's operations routes (server/http_listener.h registers
// them when their source is given): GET /metrics (server/metrics_routes.cc)
// and GET /healthz, /readyz (server/health_routes.cc). Every answer has
// Cache-Control: no-store.
//
//   /metrics  200, the Prometheus text format 0.0.4
//             (Content-Type: text/plain; version=0.0.4; charset=utf-8)
//   /healthz  200 "ok\n" while the process serves HTTP (liveness)
//   /readyz   200 or 503 with the readiness as JSON (server/readiness.h):
//             {"ready":false,"not_ready":["witnesses"],"checks":[...]}
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace httplib {
class Server;
}

namespace memoria::server {

// The text of one scrape.
using ScrapeMetrics = std::function<std::string()>;
// Whether the server is ready, and the JSON body saying why.
using CheckReadiness = std::function<std::pair<bool, std::string>()>;

void AddMetricsRoutes(httplib::Server& http, ScrapeMetrics scrape);
void AddHealthRoutes(httplib::Server& http, CheckReadiness check);

}  // namespace memoria::server
