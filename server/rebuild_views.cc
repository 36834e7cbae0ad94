#include "server/rebuild_views.h"

#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/policy/state_reader.h"
#include "ledger/status.h"
#include "server/data_dir.h"

namespace memoria::server {

absl::StatusOr<policy::ViewsDiff> CheckViews(const ServerConfig& config) {
  InitCrypto();
  // Not beside a running server: it holds the data directory.
  ASSIGN_OR_RETURN(DataDir data_dir, DataDir::Open(config.data_dir, /*init=*/false));
  ASSIGN_OR_RETURN(Signer log_key, ReadSignerKeyFile(config.LogKeyPath()));
  LogOptions options;
  options.path = data_dir.LogStorePath();
  options.high_water_mark_path = data_dir.HighWaterMarkPath();
  options.create_if_missing = false;
  options.node_memory_bytes = 0;  // reads records only: no proofs, no tree in memory
  ASSIGN_OR_RETURN(std::unique_ptr<Log> log, Log::Open(options, std::move(log_key)));
  ASSIGN_OR_RETURN(policy::ViewState rebuilt, policy::RebuildViews(*log));
  ASSIGN_OR_RETURN(policy::ViewState stored, policy::ReadViews(policy::LogStateReader(*log)));
  return policy::CompareViews(stored, rebuilt);
}

}  // namespace memoria::server
