// The check tools/sanitize.sh thread runs before the tests: that TSan, with
// absl_sync_for_tsan.cc preloaded, sees the order absl::Mutex and
// absl::CondVar give (no report on `guarded`, `ready`) and still reports a
// real race (exactly one report, on `unguarded`). Without the preload it
// reports the guarded accesses too; with a broken preload it would report
// nothing, or deadlock.
#include <thread>

#include "absl/synchronization/mutex.h"

namespace {
absl::Mutex mu;
absl::CondVar cv;
int guarded = 0;     // only under mu
bool ready = false;  // only under mu
int unguarded = 0;   // the real race
}  // namespace

int main() {
  std::thread a([] {
    for (int i = 0; i < 1000; ++i) {
      absl::MutexLock lock(&mu);
      ++guarded;
    }
    absl::MutexLock lock(&mu);
    ready = true;
    cv.Signal();
  });
  std::thread b([] {
    for (int i = 0; i < 1000; ++i) {
      absl::MutexLock lock(&mu);
      ++guarded;
    }
  });
  {
    absl::MutexLock lock(&mu);
    while (!ready) cv.Wait(&mu);
    mu.Await(absl::Condition(+[](int* n) { return *n > 0; }, &guarded));
  }
  std::thread c([] { ++unguarded; });
  ++unguarded;
  c.join();
  a.join();
  b.join();
  absl::MutexLock lock(&mu);
  return guarded == 2000 ? 0 : 3;
}
