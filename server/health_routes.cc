// GET /healthz and /readyz: see server/operations_routes.h.
#include <httplib.h>

#include "server/operations_routes.h"

namespace memoria::server {

void AddHealthRoutes(httplib::Server& http, CheckReadiness check) {
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.status = 200;
    response.set_header("Cache-Control", "no-store");
    response.set_content("ok\n", "text/plain; charset=utf-8");
  });
  http.Get("/readyz", [check = std::move(check)](const httplib::Request&,
                                                 httplib::Response& response) {
    auto [ready, body] = check();
    response.status = ready ? 200 : 503;
    response.set_header("Cache-Control", "no-store");
    response.set_content(std::move(body), "application/json");
  });
}

}  // namespace memoria::server
