// GET /metrics: see server/operations_routes.h.
#include <httplib.h>

#include "server/metrics.h"
#include "server/operations_routes.h"

namespace memoria::server {

void AddMetricsRoutes(httplib::Server& http, ScrapeMetrics scrape) {
  http.Get("/metrics", [scrape = std::move(scrape)](const httplib::Request&,
                                                    httplib::Response& response) {
    response.status = 200;
    response.set_header("Cache-Control", "no-store");
    response.set_content(scrape(), kPrometheusContentType);
  });
}

}  // namespace memoria::server
