#include "witness/http_routes.h"

#include <httplib.h>

#include <string>

#include "witness/witness.h"

namespace memoria::witness {
namespace {

void Reply(httplib::Response& response, int status, const std::string& body,
           std::string_view content_type = kTextContentType) {
  response.status = status;
  response.set_content(body, std::string(content_type).c_str());
}

}  // namespace

void RegisterWitnessRoutes(httplib::Server& server, Witness& witness) {
  server.set_payload_max_length(kMaxRequestBytes);
  server.Post("/add-checkpoint", [&witness](const httplib::Request& request,
                                            httplib::Response& response) {
    const WitnessResponse answer = witness.AddCheckpoint(request.body);
    Reply(response, answer.status, answer.body, answer.content_type);
  });
  server.Get(R"(/([0-9a-f]{64})/checkpoint)", [&witness](const httplib::Request& request,
                                                         httplib::Response& response) {
    std::optional<std::string> note = witness.LatestCheckpoint(request.matches[1].str());
    if (!note.has_value()) return Reply(response, kStatusNotFound, "no cosigned checkpoint\n");
    Reply(response, kStatusOk, *note);
  });
  server.Get("/evidence", [&witness](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::vector<std::string>> names = witness.ListEvidence();
    if (!names.ok()) return Reply(response, kStatusInternalError, std::string(names.status().message()));
    std::string body;
    for (const std::string& name : *names) body += name + "\n";
    Reply(response, kStatusOk, body);
  });
  server.Get(R"(/evidence/([0-9a-z.-]+))", [&witness](const httplib::Request& request,
                                                      httplib::Response& response) {
    absl::StatusOr<std::string> text = witness.ReadEvidence(request.matches[1].str());
    if (!text.ok()) return Reply(response, kStatusNotFound, std::string(text.status().message()));
    Reply(response, kStatusOk, *text);
  });
}

}  // namespace memoria::witness
