#include "server/call_interceptor.h"

#include <sodium.h>

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "memoria/v1/ledger_service.pb.h"
#include "memoria/v1/policy_service.pb.h"
#include "memoria/v1/transparency_service.pb.h"
#include "server/log_format.h"
#include "spdlog/spdlog.h"

namespace memoria::server {
namespace {

constexpr char kOther[] = "other";
constexpr size_t kMaxRequestIdLength = 64;
constexpr size_t kGeneratedIdBytes = 8;

// The services whose methods are labelled by name.
constexpr const char* kServices[] = {"memoria.v1.Ledger", "memoria.v1.Policy",
                                     "memoria.v1.Transparency"};
// Append paths: their rejections are memoria_append_rejects_total too.
constexpr std::string_view kAppendMethods[] = {"Append", "AppendBatch", "ErasePersonalData"};

std::string GenerateRequestId() {
  unsigned char bytes[kGeneratedIdBytes];
  randombytes_buf(bytes, sizeof(bytes));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

std::string_view CodeName(int code) {
  static const std::array<std::string, 17> names = [] {
    std::array<std::string, 17> all;
    for (int i = 0; i < 17; ++i) all[i] = absl::StatusCodeToString(static_cast<absl::StatusCode>(i));
    return all;
  }();
  return code >= 0 && code < 17 ? std::string_view(names[code]) : std::string_view("UNKNOWN");
}

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(grpc::experimental::ServerRpcInfo* info, CallMetrics::Method& method)
      : info_(info), method_(method) {
    method_.in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  ~CallInterceptor() override { method_.in_flight.fetch_sub(1, std::memory_order_relaxed); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      std::multimap<grpc::string_ref, grpc::string_ref>* received =
          methods->GetRecvInitialMetadata();
      const auto given = received->find(kRequestIdMetadata);
      if (given != received->end() &&
          ValidRequestId(std::string_view(given->second.data(), given->second.size()))) {
        id_.assign(given->second.data(), given->second.size());
      } else {
        id_ = GenerateRequestId();
        received->erase(kRequestIdMetadata);
        // id_ lives as long as the call (the interceptor is destroyed with
        // its ServerContext), as the map's string_refs need.
        received->emplace(kRequestIdMetadata, id_);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdMetadata, id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const int code = static_cast<int>(status.error_code());
      method_.codes[static_cast<size_t>(code >= 0 && code < 17 ? code : 2)].Increment();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      if (info_->type() == grpc::experimental::ServerRpcInfo::Type::UNARY) {
        method_.latency.Observe(seconds);
      }
      methods->GetSendTrailingMetadata()->emplace(kRequestIdMetadata, id_);
      if (spdlog::should_log(spdlog::level::debug)) {
        const std::string elapsed = absl::StrCat(seconds);
        LogFields fields({{"request_id", id_},
                          {"method", info_->method()},
                          {"code", CodeName(code)},
                          {"seconds", elapsed}});
        spdlog::debug("call ended");
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  CallMetrics::Method& method_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::string id_;
};

class CallInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(std::shared_ptr<CallMetrics> metrics)
      : metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(info, metrics_->Find(info->method()));
  }

 private:
  const std::shared_ptr<CallMetrics> metrics_;
};

}  // namespace

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find(kRequestIdMetadata);
  if (found == metadata.end()) return "";
  return std::string(found->second.data(), found->second.size());
}

CallMetrics::CallMetrics() {
  // The services' files hold no message: nothing else makes the linker keep
  // them, and the pool cannot find their descriptors without them.
  const void* volatile linked[] = {&descriptor_table_memoria_2fv1_2fledger_5fservice_2eproto,
                                   &descriptor_table_memoria_2fv1_2fpolicy_5fservice_2eproto,
                                   &descriptor_table_memoria_2fv1_2ftransparency_5fservice_2eproto};
  (void)linked;
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  for (const char* service_name : kServices) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(service_name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string& name = service->method(i)->name();
      auto& method = methods_.emplace_back(std::make_unique<Method>(service_name, name));
      by_path_.emplace(absl::StrCat("/", service_name, "/", name), method.get());
    }
  }
  methods_.emplace_back(std::make_unique<Method>(kOther, kOther));
}

CallMetrics::Method& CallMetrics::Find(std::string_view path) {
  const auto found = by_path_.find(absl::string_view(path.data(), path.size()));
  return found != by_path_.end() ? *found->second : *methods_.back();
}

void CallMetrics::Collect(TextEncoder& out) const {
  out.Family("memoria_grpc_requests_total", MetricType::kCounter,
             "gRPC calls ended, by service, method and status code.");
  for (const auto& method : methods_) {
    for (int code = 0; code < 17; ++code) {
      const uint64_t count = method->codes[static_cast<size_t>(code)].value();
      if (count == 0 && code != 0) continue;
      out.Sample("memoria_grpc_requests_total",
                 {{"service", method->service}, {"method", method->name},
                  {"code", std::string(CodeName(code))}},
                 static_cast<double>(count));
    }
  }
  out.Family("memoria_append_rejects_total", MetricType::kCounter,
             "Append, AppendBatch and ErasePersonalData calls rejected, by method and status "
             "code (INVALID_ARGUMENT: a malformed entry or time outside the window; "
             "PERMISSION_DENIED: unknown or revoked writer; UNAUTHENTICATED: bad signature; "
             "ALREADY_EXISTS: request id reused; RESOURCE_EXHAUSTED: disk full or too large).");
  for (const auto& method : methods_) {
    bool append = false;
    for (std::string_view name : kAppendMethods) append |= method->name == name;
    if (!append) continue;
    for (int code = 1; code < 17; ++code) {
      const uint64_t count = method->codes[static_cast<size_t>(code)].value();
      if (count == 0) continue;
      out.Sample("memoria_append_rejects_total",
                 {{"method", method->name}, {"code", std::string(CodeName(code))}},
                 static_cast<double>(count));
    }
  }
  out.Family("memoria_grpc_request_duration_seconds", MetricType::kHistogram,
             "Time from a unary call's arrival to its status (appends include the batch's "
             "sync; the proofs, records and checkpoints are reads).");
  for (const auto& method : methods_) {
    const HistogramSnapshot latency = method->latency.Snapshot();
    if (latency.count() == 0) continue;
    out.HistogramSamples("memoria_grpc_request_duration_seconds",
                         {{"service", method->service}, {"method", method->name}}, latency);
  }
  out.Family("memoria_grpc_calls_in_flight", MetricType::kGauge,
             "gRPC calls in progress (streams: GetRecords, Watch, Export while open).");
  for (const auto& method : methods_) {
    const int64_t now = method->in_flight.load(std::memory_order_relaxed);
    if (now == 0) continue;
    out.Sample("memoria_grpc_calls_in_flight",
               {{"service", method->service}, {"method", method->name}},
               static_cast<double>(now));
  }
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
CallInterceptors(std::shared_ptr<CallMetrics> metrics) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<CallInterceptorFactory>(std::move(metrics)));
  return creators;
}

}  // namespace memoria::server
