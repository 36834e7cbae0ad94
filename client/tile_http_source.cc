#include "client/tile_http_source.h"

#include <curl/curl.h>

#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace memoria::client {
namespace {

// 256 entries of at most 65,535 bytes, each with its 2-byte length.
constexpr size_t kMaxBody = 256 * (65535 + 2);

struct Body {
  std::string bytes;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  Body* body = static_cast<Body*>(user);
  const size_t n = size * count;
  if (body->bytes.size() + n > kMaxBody) {
    body->too_large = true;
    return 0;  // aborts the transfer
  }
  body->bytes.append(data, n);
  return n;
}

class HttpSource final : public TileSource {
 public:
  HttpSource(std::string prefix, TileHttpOptions options)
      : prefix_(std::move(prefix)), options_(std::move(options)) {}

  ~HttpSource() override {
    absl::MutexLock lock(&mu_);
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  absl::StatusOr<std::string> Fetch(const std::string& path) override {
    const std::string url = absl::StrCat(prefix_, "/", path);
    CURL* handle = Take();
    if (handle == nullptr) return absl::ResourceExhaustedError("libcurl: cannot create a handle");
    Body body;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_reset(handle);  // keeps the connections and the DNS cache
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "memoria-tiles-reader/1");
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
    if (!options_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
    const CURLcode code = curl_easy_perform(handle);
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    Return(handle);
    if (body.too_large) {
      return absl::ResourceExhaustedError(
          absl::StrCat("GET ", url, ": body larger than ", kMaxBody, " bytes"));
    }
    if (code != CURLE_OK) {
      const std::string what = error[0] != '\0' ? std::string(error) : curl_easy_strerror(code);
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return absl::DeadlineExceededError(absl::StrCat("GET ", url, ": ", what));
      }
      return absl::UnavailableError(absl::StrCat("GET ", url, ": ", what));
    }
    if (http_status == 404 || http_status == 410) {
      return absl::NotFoundError(absl::StrCat("GET ", url, ": HTTP ", http_status));
    }
    if (http_status != 200) {
      return absl::UnavailableError(absl::StrCat("GET ", url, ": HTTP ", http_status));
    }
    return std::move(body.bytes);
  }

  std::string Describe() const override { return prefix_; }

 private:
  CURL* Take() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }
  void Return(CURL* handle) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(handle);
  }

  const std::string prefix_;
  const TileHttpOptions options_;
  absl::Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<TileSource>> OpenTileSource(const std::string& location,
                                                           const TileHttpOptions& options) {
  if (location.empty()) return absl::InvalidArgumentError("empty tiles location");
  if (absl::StartsWith(location, "http://") || absl::StartsWith(location, "https://")) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::string prefix = location;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    return std::unique_ptr<TileSource>(std::make_unique<HttpSource>(std::move(prefix), options));
  }
  if (absl::StartsWith(location, "file://")) return DirectoryTileSource(location.substr(7));
  if (absl::StrContains(location, "://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tiles location ", location, ": only http://, https://, file:// or a directory"));
  }
  return DirectoryTileSource(location);
}

}  // namespace memoria::client
