#include "tools/bench/load.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}

std::string Describe(const grpc::Status& status) {
  return "code " + std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

}  // namespace

void LatencySamples::Merge(const LatencySamples& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

double LatencySamples::Percentile(double p) {
  if (samples_.empty()) return 0;
  if (sorted_ != samples_.size()) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = samples_.size();
  }
  const double rank = std::clamp(p, 0.0, 1.0) * static_cast<double>(samples_.size() - 1);
  return samples_[static_cast<size_t>(rank + 0.5)];
}

LoadResult RunClosedLoop(const ClosedLoopOptions& options, const ClosedLoopCall& call) {
  struct PerClient {
    LoadResult result;
    Clock::time_point last_answer;
  };
  std::vector<PerClient> per_client(static_cast<size_t>(options.clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options.seconds));
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      PerClient& mine = per_client[static_cast<size_t>(c)];
      mine.last_answer = start;
      for (uint64_t i = 0; Clock::now() < stop; ++i) {
        const auto sent = Clock::now();
        std::optional<grpc::Status> status = call(c, i);
        if (!status) break;
        mine.last_answer = Clock::now();
        if (status->ok()) {
          ++mine.result.calls;
          mine.result.latency.Add(Micros(sent, mine.last_answer));
        } else {
          ++mine.result.failed;
          if (mine.result.first_error.empty()) mine.result.first_error = Describe(*status);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  LoadResult total;
  Clock::time_point end = start;
  for (PerClient& c : per_client) {
    total.calls += c.result.calls;
    total.failed += c.result.failed;
    total.latency.Merge(c.result.latency);
    if (total.first_error.empty()) total.first_error = c.result.first_error;
    end = std::max(end, c.last_answer);
  }
  total.items = total.calls * options.items_per_call;
  total.seconds = Micros(start, end) / 1e6;
  return total;
}

LoadResult RunOpenLoop(const OpenLoopOptions& options, const StartCall& start_call) {
  const uint64_t calls = static_cast<uint64_t>(options.calls_per_second * options.seconds);
  struct Shared {
    std::mutex mutex;
    std::condition_variable answered;
    uint64_t outstanding = 0;  // guarded by mutex
    LoadResult result;         // guarded by mutex
    Clock::time_point last_answer;  // guarded by mutex
  };
  auto shared = std::make_shared<Shared>();  // outlives late callbacks
  const auto start = Clock::now();
  shared->last_answer = start;
  const auto interval = std::chrono::duration<double>(1.0 / options.calls_per_second);
  for (uint64_t i = 0; i < calls; ++i) {
    const auto scheduled =
        start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    std::this_thread::sleep_until(scheduled);
    {
      std::lock_guard<std::mutex> lock(shared->mutex);
      ++shared->outstanding;
    }
    start_call(i, [shared, scheduled](const grpc::Status& status) {
      const auto now = Clock::now();
      std::lock_guard<std::mutex> lock(shared->mutex);
      --shared->outstanding;
      shared->last_answer = std::max(shared->last_answer, now);
      if (status.ok()) {
        ++shared->result.calls;
        shared->result.latency.Add(Micros(scheduled, now));
      } else {
        ++shared->result.failed;
        if (shared->result.first_error.empty()) shared->result.first_error = Describe(status);
      }
      shared->answered.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(shared->mutex);
  shared->answered.wait_for(lock, std::chrono::duration<double>(options.drain_seconds),
                            [&] { return shared->outstanding == 0; });
  LoadResult result = std::move(shared->result);
  result.failed += shared->outstanding;
  if (shared->outstanding > 0 && result.first_error.empty()) {
    result.first_error = std::to_string(shared->outstanding) + " calls unanswered after the drain";
  }
  result.items = result.calls * options.items_per_call;
  result.seconds = Micros(start, shared->last_answer) / 1e6;
  return result;
}

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace memoria::bench
