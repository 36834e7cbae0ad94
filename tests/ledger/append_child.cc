// A child process for crash_test: appends batches of 50 records to the log at
// argv[1], two in flight at a time, until it is killed, or kills itself (SIGKILL) after building batch
// number argv[2] and before writing it; argv[3], if given, is the log's
// high-water mark file.
//
//   ledger_append_child DIR [KILL_BEFORE_BATCH [MARK]]
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <string>

#include "ledger/log.h"
#include "tests/ledger/crash_batch.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long kill_before_batch = argc > 2 ? std::strtol(argv[2], nullptr, 10) : -1;
  memoria::InitCrypto();
  long writes = 0;  // counted in the Log's writer thread, where the hook runs
  memoria::LogOptions options{.path = argv[1]};
  if (argc > 3) options.high_water_mark_path = argv[3];
  options.before_write_for_testing = [&] {
    if (writes++ == kill_before_batch) raise(SIGKILL);
  };
  auto log = memoria::Log::Open(options, memoria::testing::CrashLogKey());
  if (!log.ok()) return 3;
  // Two batches in flight at a time, as memoria-server's sequencer runs.
  std::future<absl::StatusOr<memoria::AppendResult>> in_flight;
  while (true) {
    auto next = (*log)->AppendAsync(memoria::testing::CrashBatch((*log)->NextIndex()));
    if (in_flight.valid() && !in_flight.get().ok()) return 4;
    in_flight = std::move(next);
  }
}
