// Metrics: the few instruments memoria-server keeps (counters, histograms)
// and the Prometheus text exposition format 0.0.4 they are scraped in
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Debian 12
// has no prometheus-cpp; this is the whole of it.
//
// Hot paths update lock-free instruments (relaxed atomics: a Counter is one
// fetch_add, a Histogram's Observe a bucket search and three atomic adds);
// nothing grows with the log. Everything else is read when scraped: a
// MetricsRegistry holds collectors, functions that read their component's
// state (sizes, gauges, RocksDB properties) and write whole families into a
// TextEncoder.
//
//   Histogram sync(kLatencyBuckets);          // owned by whoever observes
//   sync.Observe(0.004);
//   MetricsRegistry registry;
//   registry.AddCollector([&](TextEncoder& out) {
//     out.Family("memoria_batch_sync_seconds", MetricType::kHistogram, "Time to sync a batch.");
//     out.HistogramSamples("memoria_batch_sync_seconds", {}, sync.Snapshot());
//   });
//   std::string text = registry.Scrape();     // text/plain; version=0.0.4
//
// Thread-safe: instruments from any thread; AddCollector before scrapes start.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memoria::server {

// The Content-Type of a scrape.
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds (seconds) for latencies: 100 us to 10 s.
inline const std::vector<double> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                    0.005,  0.01,    0.025,  0.05,  0.1,
                                                    0.25,   0.5,     1,      2.5,   5,
                                                    10};

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Cumulative bucket counts, as exposed.
struct HistogramSnapshot {
  std::vector<double> bounds;         // the finite upper bounds, ascending
  std::vector<uint64_t> cumulative;   // bounds.size() + 1 counts; the last is +Inf (= count)
  double sum = 0;
  uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

// Observations counted into fixed buckets (le = upper bound, inclusive).
class Histogram {
 public:
  // `bounds` ascending and finite.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);
  // Buckets are read one by one: a snapshot taken during observations may
  // lag them by a few, never lose one.
  HistogramSnapshot Snapshot() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<uint64_t> sum_bits_{0};                 // a double's bits
};

enum class MetricType { kCounter, kGauge, kHistogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

// Writes the text format. A family (its # HELP and # TYPE lines, then every
// sample of it) must be written whole, before the next one starts.
class TextEncoder {
 public:
  // `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); `help` is
  // escaped (\\ and \n).
  void Family(std::string_view name, MetricType type, std::string_view help);
  // One sample line: name{labels} value. Label values are escaped (\\, \",
  // \n); label names must be valid. Values: integers exactly, others in the
  // shortest form that reads back the same, +Inf, -Inf, NaN.
  void Sample(std::string_view name, const Labels& labels, double value);
  // A histogram's name_bucket{...,le="..."} lines, then name_sum and name_count.
  void HistogramSamples(std::string_view name, const Labels& labels,
                        const HistogramSnapshot& histogram);
  // The text so far; the encoder is empty afterwards.
  std::string Take();

 private:
  std::string out_;
};

// The text format's escaping of a label value (\\, \", \n) and of HELP text
// (\\, \n).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// A number as the text format writes it.
std::string FormatValue(double value);

class MetricsRegistry {
 public:
  using Collector = std::function<void(TextEncoder&)>;
  // Collectors run at each scrape in the order added.
  void AddCollector(Collector collector) ABSL_LOCKS_EXCLUDED(mu_);
  // Runs every collector; the exposition text.
  std::string Scrape() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memoria::server
