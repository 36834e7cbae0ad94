// CallInterceptor: what memoria-server notes about every gRPC call, as a
// gRPC server interceptor (one per call, no handler changed):
//
// - a request id: the client's `x-request-id` metadata if present and valid
//   (1 to 64 characters of [A-Za-z0-9._:-]; a UUID is), otherwise 16 random
//   hex digits. It is echoed to the client in the initial and the trailing
//   metadata (`x-request-id`), and handlers read it with RequestIdOf (it is
//   put into the call's received metadata, replacing an invalid one);
// - per method (service and method labels; methods of other services, as
//   health and reflection, count as method "other"): calls by status code,
//   the latency of unary calls (a histogram), calls in progress;
// - at --log-level debug, a line when the call ends ("call ended") with the
//   fields request_id, method, code and seconds (server/log_format.h).
//
// Its cost on a call: a hash lookup, three relaxed atomic adds, a clock read
// at each end; no lock.
//
//   auto calls = std::make_shared<CallMetrics>();
//   builder.experimental().SetInterceptorCreators(CallInterceptors(calls));
//   registry.AddCollector([calls](TextEncoder& out) { calls->Collect(out); });
//
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "server/metrics.h"

namespace memoria::server {

inline constexpr char kRequestIdMetadata[] = "x-request-id";

// True if `id` may be used as a request id as the client sent it.
bool ValidRequestId(std::string_view id);
// The request id of a call (set by CallInterceptor); empty if none.
std::string RequestIdOf(const grpc::ServerContextBase& context);

class CallMetrics {
 public:
  // The methods of memoria.v1.Ledger, Policy and Transparency (from their
  // descriptors), and "other".
  CallMetrics();
  CallMetrics(const CallMetrics&) = delete;
  CallMetrics& operator=(const CallMetrics&) = delete;

  struct Method {
    explicit Method(std::string service_name, std::string method_name)
        : service(std::move(service_name)), name(std::move(method_name)) {}
    const std::string service;
    const std::string name;
    std::array<Counter, 17> codes;  // by grpc::StatusCode
    Histogram latency{kLatencyBuckets};
    std::atomic<int64_t> in_flight{0};
  };

  // The method of a call's path ("/memoria.v1.Ledger/Append"), or "other".
  Method& Find(std::string_view path);
  // memoria_grpc_requests_total, memoria_grpc_request_duration_seconds,
  // memoria_grpc_calls_in_flight, memoria_append_rejects_total.
  void Collect(TextEncoder& out) const;

 private:
  std::vector<std::unique_ptr<Method>> methods_;  // the last is "other"
  absl::flat_hash_map<std::string, Method*> by_path_;
};

// The interceptor factories to give grpc::ServerBuilder.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
CallInterceptors(std::shared_ptr<CallMetrics> metrics);

}  // namespace memoria::server
