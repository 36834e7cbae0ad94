// memoria-server: see `memoria-server --help` and server/server.h.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/config.h"
#include "server/log_format.h"
#include "server/rebuild_views.h"
#include "server/restore.h"
#include "server/server.h"
#include "spdlog/spdlog.h"

namespace {

constexpr int kSummarySeconds = 60;

// Takes a backup into --backup-dir (SIGUSR1) and logs the outcome.
void TakeBackup(const memoria::server::Server& server) {
  if (server.config().backup_dir.empty()) {
    spdlog::warn("received SIGUSR1: no backup taken: --backup-dir is not set");
    return;
  }
  spdlog::info("received SIGUSR1: taking a backup into {}", server.config().backup_dir);
  const absl::Time start = absl::Now();
  absl::StatusOr<memoria::server::Backup> backup = server.TakeBackup();
  if (!backup.ok()) {
    spdlog::error("backup failed: {}", backup.status().ToString());
    return;
  }
  spdlog::info("backup written to {}: {} records, consistent with the signed checkpoint of size {} "
               "(root {}), keys {}, in {:.2f} s",
               backup->path, backup->manifest.size, backup->manifest.size,
               backup->manifest.root_base64, backup->manifest.keys_included ? "included" : "excluded",
               absl::ToDoubleSeconds(absl::Now() - start));
}

// Waits for SIGTERM or SIGINT (blocked in every thread, so no handler runs),
// logging a summary every minute meanwhile and taking a backup on SIGUSR1.
void WaitForSignal(const sigset_t& signals, const memoria::server::Server& server) {
  memoria::server::ServerStats last = server.stats();
  while (true) {
    timespec timeout{kSummarySeconds, 0};
    const int signal = sigtimedwait(&signals, nullptr, &timeout);
    if (signal == SIGTERM || signal == SIGINT) {
      spdlog::info("received {}, shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      return;
    }
    if (signal == SIGUSR1) {
      TakeBackup(server);
      continue;
    }
    if (signal < 0 && errno != EAGAIN) continue;  // EINTR
    const memoria::server::ServerStats now = server.stats();
    const memoria::Log::NodeMemoryStats tree = server.log().node_memory();
    std::string tree_load;
    if (!tree.load_error.empty()) {
      tree_load =
          " (its load failed: " + tree.load_error + "; proofs read the rest from the store)";
    } else if (!tree.loaded) {
      tree_load = " (still loading)";
    }
    spdlog::info(
        "size {}, {:.1f} appends/s, {} batches, {} duplicates, {} rejected in the last {}s; "
        "{} tree hashes in memory from level {}{}",
        now.tree_size, static_cast<double>(now.appended - last.appended) / kSummarySeconds,
        now.batches - last.batches, now.duplicates - last.duplicates, now.rejected - last.rejected,
        kSummarySeconds, tree.nodes, tree.lowest_level, tree_load);
    if (const memoria::server::Witnessing* witnessing = server.witnessing()) {
      const std::optional<memoria::server::CosignedCheckpoint> cosigned =
          witnessing->LatestCosigned();
      std::string failing;
      for (const memoria::server::WitnessStatus& witness : witnessing->Status()) {
        if (!witness.last_error.empty()) failing += (failing.empty() ? "" : ", ") + witness.name;
      }
      spdlog::info("witnessed size {} ({} behind){}", cosigned ? cosigned->size : 0,
                   now.tree_size - (cosigned ? cosigned->size : 0),
                   failing.empty() ? "" : "; failing: " + failing);
    }
    last = now;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // absl's Mutex deadlock detection (on in Debian's absl build) records every
  // lock acquisition in a global graph (GraphCycles, ~1.5% of the server's
  // CPU during concurrent appends): a debugging aid, off in the server.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  memoria::server::ServerConfig config;
  if (std::optional<int> exit_code = memoria::server::ParseServerFlags(argc, argv, config)) {
    return *exit_code;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  // Before the first line; the flag's validator admitted only text or json.
  memoria::server::SetLogFormat(
      memoria::server::ParseLogFormat(config.log_format).value_or(memoria::server::LogFormat::kText));
  if (absl::Status valid = memoria::server::ValidateServerConfig(config);
      !valid.ok() && (!config.restore_from.empty() || config.restore_overwrite ||
                       !config.restore_known_checkpoints.empty())) {
    std::fprintf(stderr, "%s\n", std::string(valid.message()).c_str());
    return 2;
  }
  if (!config.restore_from.empty()) {
    absl::StatusOr<memoria::server::Restored> restored = memoria::server::RestoreBackup({
        .backup_dir = config.restore_from,
        .data_dir = config.data_dir,
        .overwrite = config.restore_overwrite,
        .log_key_file = config.LogKeyPath(),
        .tiles_dir = config.tiles_dir,
        .known_checkpoint_files = config.restore_known_checkpoints,
    });
    if (!restored.ok()) {
      std::fprintf(stderr, "restore refused: %s\n", restored.status().ToString().c_str());
      return 1;
    }
    std::printf("restored %s into %s: %llu records, consistent with the signed checkpoint:\n%s",
                config.restore_from.c_str(), config.data_dir.c_str(),
                static_cast<unsigned long long>(restored->size), restored->checkpoint.c_str());
    if (!restored->moved_aside.empty()) {
      std::printf("the previous data directory was moved to %s\n", restored->moved_aside.c_str());
    }
    for (const std::string& source : restored->checked) {
      std::printf("consistent with %s\n", source.c_str());
    }
    for (const std::string& source : restored->unchecked) {
      std::printf("NOT compared with %s\n", source.c_str());
    }
    std::printf(
        "If this log was signed past size %llu anywhere (witnesses, published tiles, clients' "
        "receipts), serving this copy is a rollback they detect: check with "
        "--restore-known-checkpoint before starting the server.\n",
        static_cast<unsigned long long>(restored->size));
    return 0;
  }
  if (config.rebuild_views) {
    absl::StatusOr<memoria::policy::ViewsDiff> diff = memoria::server::CheckViews(config);
    if (!diff.ok()) {
      spdlog::critical("cannot rebuild the views: {}", diff.status().ToString());
      return 2;
    }
    if (diff->empty()) {
      std::printf("views: identical to a rebuild from the log\n");
      return 0;
    }
    std::printf("views: DIFFERENT from a rebuild from the log: %zu missing, %zu extra, %zu different\n",
                diff->missing, diff->extra, diff->different);
    for (const std::string& key : diff->examples) std::printf("  key %s\n", key.c_str());
    return 1;
  }

  // Block the stop signals before any thread starts, so that only sigtimedwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<memoria::server::Server>> server =
      memoria::server::Server::Start(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return 1;
  }
  const memoria::server::ServerStats stats = (*server)->stats();
  spdlog::info("memoria-server listening on {} (port {}, {})", config.listen, (*server)->port(),
               memoria::server::UsesPlaintext(config)
                   ? "plaintext"
                   : (config.client_ca_file.empty() ? "TLS" : "mTLS"));
  spdlog::info("origin {}, tree size {}, data dir {}", (*server)->log_verifier().name(),
               stats.tree_size, config.data_dir);
  spdlog::info("log vkey   {}", (*server)->log_verifier().ToString());
  spdlog::info("admin vkey {}", (*server)->admin_verifier().ToString());

  WaitForSignal(signals, **server);
  (*server)->Shutdown();
  server->reset();
  spdlog::info("stopped cleanly");
  return 0;
}
