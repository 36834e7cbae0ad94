#include "tools/bench/portal_bench.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

// p-th percentile (0-100) of `samples` (sorted here).
double Percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  const size_t at = std::min(samples.size() - 1,
                             static_cast<size_t>(p / 100.0 * static_cast<double>(samples.size())));
  return samples[at];
}

void Figures(Report& report, const std::string& what, const std::vector<double>& millis) {
  report.Add({.section = "portal", .name = what + ", p50", .value = Percentile(millis, 50), .unit = "ms"});
  report.Add({.section = "portal",
              .name = absl::StrCat(what, ", p95 of ", millis.size()),
              .value = Percentile(millis, 95),
              .unit = "ms"});
}

// The body of GET `path`, timed into `millis`; empty and a message on failure.
std::string Get(httplib::Client& client, const std::string& path, std::vector<double>& millis) {
  const Clock::time_point start = Clock::now();
  httplib::Result result = client.Get(path);
  millis.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  if (!result || result->status != 200) {
    std::fprintf(stderr, "portal bench: GET %s failed (%d)\n", path.c_str(),
                 result ? result->status : -1);
    return "";
  }
  return result->body;
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

void RunPortalBench(int http_port, Report& report) {
  httplib::Client client("127.0.0.1", http_port);
  client.set_read_timeout(60, 0);
  std::vector<double> ignored;
  const std::string info = Get(client, "/api/v1/info", ignored);
  const size_t at = info.find("\"tree_size\":");
  uint64_t tree_size = 0;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(info.substr(at + 12, info.find(',', at) - at - 12), &tree_size) ||
      tree_size == 0) {
    std::fprintf(stderr, "portal bench: no portal on port %d\n", http_port);
    return;
  }
  const std::string n = std::to_string(tree_size);

  std::vector<double> load;
  for (int i = 0; i < 50; ++i) {
    std::vector<double> parts;
    for (const char* path : {"/", "/portal.js", "/portal.css", "/favicon.svg", "/api/v1/info"}) {
      Get(client, path, parts);
    }
    double sum = 0;
    for (double part : parts) sum += part;
    load.push_back(sum);
  }
  Figures(report, absl::StrCat("page load at ", n, " (/, js, css, icon, /api/v1/info)"), load);

  // The query bench's accounts: CuentaPasto<k> on platform k % 5.
  static const char* kPlatforms[] = {"facebook", "twitter", "instagram", "youtube", "tiktok"};
  std::mt19937_64 rng(21);
  const auto account = [&] {
    const uint64_t k = rng() % 30;
    return absl::StrCat(kPlatforms[k % 5], "/CuentaPasto", k);
  };
  const auto window = [&] {
    // 60 days within the last 300 (the events' times span a year back).
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    const absl::CivilDay from = today - 60 - static_cast<int64_t>(rng() % 240);
    return absl::StrCat("&from=", absl::FormatCivilTime(from), "&to=", absl::FormatCivilTime(from + 59));
  };
  struct Case {
    std::string name;
    std::function<std::string()> query;
  };
  const std::vector<Case> cases = {
      {"type post_published", [] { return std::string("type=post_published"); }},
      {"account", [&] { return absl::StrCat("account=", account()); }},
      {"account + type reply_published + 60-day window",
       [&] { return absl::StrCat("account=", account(), "&type=reply_published", window()); }},
  };
  for (const Case& c : cases) {
    std::vector<double> millis;
    for (int i = 0; i < 50; ++i) Get(client, absl::StrCat("/api/v1/records?", c.query()), millis);
    Figures(report, absl::StrCat("search page of 50 at ", n, ": ", c.name), millis);
  }
  {
    std::vector<double> millis;
    for (int i = 0; i < 50; ++i) {
      const std::string first = Get(client, "/api/v1/records?type=post_published&order=oldest", ignored);
      const size_t token = first.find("\"next_page_token\":\"");
      if (token == std::string::npos) break;
      const size_t begin = token + 19, end = first.find('"', begin);
      Get(client,
          absl::StrCat("/api/v1/records?type=post_published&order=oldest&page_token=",
                       httplib::detail::encode_query_param(first.substr(begin, end - begin))),
          millis);
    }
    if (!millis.empty()) Figures(report, absl::StrCat("search at ", n, ": the next page by its token"), millis);
  }
  {
    std::vector<double> millis;
    for (int i = 0; i < 100; ++i) {
      Get(client, absl::StrCat("/api/v1/records/", rng() % tree_size), millis);
    }
    Figures(report, absl::StrCat("record page's answer at ", n, " (record, proof, checkpoint)"), millis);
  }
  if (const char* hook = std::getenv("MEMORIA_BENCH_PORTAL_HOOK"); hook != nullptr && *hook != '\0') {
    const std::string command = absl::StrCat(hook, " http://127.0.0.1:", http_port, " ",
                                             rng() % tree_size);
    std::fflush(stdout);
    const int status = std::system(command.c_str());
    if (status != 0) std::fprintf(stderr, "portal bench: %s exited %d\n", command.c_str(), status);
  }
}

}  // namespace memoria::bench
