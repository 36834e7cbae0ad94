// TaskThread: one thread that runs the tasks posted to it, in order. For work
// that blocks (synced writes, store reads) and so must stay off gRPC's
// callback threads, which every callback call shares.
//
//   TaskThread worker;
//   worker.Post([&] { store.Put(...); });  // returns at once
//
// Thread-safe. The destructor runs every task already posted, then joins.
#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memoria::server {

class TaskThread {
 public:
  TaskThread();
  ~TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  void Post(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace memoria::server
