// TaskPool: threads that run the tasks posted to them, each task once, in the
// order posted (with one thread, also finished in that order). For work that
// must stay off gRPC's callback threads, which every callback call shares:
// work that blocks (synced writes, store reads), or that takes milliseconds of
// CPU (a batch's signatures).
//
//   TaskPool worker(1);
//   worker.Post([&] { store.Put(...); });  // returns at once
//
// Thread-safe. The destructor runs every task already posted, then joins.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memoria {

class TaskPool {
 public:
  explicit TaskPool(size_t threads);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void Post(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // last: they start once the rest is built
};

}  // namespace memoria
