// Load generators for the end-to-end figures: a closed loop (N clients, each
// sends its next call when the previous one answers) and an open loop (calls
// sent on a fixed schedule whatever the answers, latency counted from the
// scheduled send time, so a stalled server is not hidden by a stalled client:
// no coordinated omission).
//
//   LoadResult r = RunClosedLoop({.clients = 16, .seconds = 5, .items_per_call = 1},
//       [&](int client, uint64_t i) -> std::optional<grpc::Status> { ... one blocking call ... });
//   std::printf("%.0f/s p99 %.0f us\n", r.ItemsPerSecond(), r.latency.Percentile(0.99));
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

namespace memoria::bench {

// Latency samples in microseconds, kept whole (exact percentiles).
class LatencySamples {
 public:
  void Add(double micros) { samples_.push_back(micros); }
  void Merge(const LatencySamples& other);
  size_t count() const { return samples_.size(); }
  // The p-quantile (0 <= p <= 1); 0 when empty. Sorts on first use after an Add.
  double Percentile(double p);

 private:
  std::vector<double> samples_;
  size_t sorted_ = 0;  // samples_[0, sorted_) is sorted and nothing was added since
};

struct LoadResult {
  uint64_t calls = 0;   // answered OK
  uint64_t failed = 0;  // answered with an error
  uint64_t items = 0;   // calls * items per call
  double seconds = 0;   // from the first send to the last answer
  LatencySamples latency;
  std::string first_error;  // the first failure's code and message

  double ItemsPerSecond() const { return seconds > 0 ? static_cast<double>(items) / seconds : 0; }
};

struct ClosedLoopOptions {
  int clients = 1;              // threads, each with one call in flight
  double seconds = 5;           // stop sending after this long
  uint64_t items_per_call = 1;  // records per call (the batch size)
};

// Client c calls call(c, 0), call(c, 1), ... until `seconds` pass or `call`
// returns nullopt (no more prepared work for that client). `call` makes one
// blocking call and returns its status; it must be safe to call from
// `clients` threads at once (each with its own c).
using ClosedLoopCall = std::function<std::optional<grpc::Status>(int client, uint64_t i)>;
LoadResult RunClosedLoop(const ClosedLoopOptions& options, const ClosedLoopCall& call);

struct OpenLoopOptions {
  double calls_per_second = 1000;
  double seconds = 5;           // calls scheduled: calls_per_second * seconds
  uint64_t items_per_call = 1;
  double drain_seconds = 30;    // how long to wait for the last answers
};

// Starts call i at start + i / calls_per_second: start(i, done) must begin an
// asynchronous call and return at once; `done` is called (from any thread,
// once) with its status. Latency of call i = when done ran - when it was
// scheduled. Calls still unanswered after the drain count as failed.
using StartCall = std::function<void(uint64_t i, std::function<void(const grpc::Status&)> done)>;
LoadResult RunOpenLoop(const OpenLoopOptions& options, const StartCall& start);

// CPU time (user + system, every thread) this process used so far, seconds:
// what the load generator itself costs.
double OwnCpuSeconds();

}  // namespace memoria::bench
