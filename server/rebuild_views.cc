#include "server/rebuild_views.h"

#include <filesystem>

#include "ledger/high_water_mark.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/policy/state_reader.h"
#include "ledger/status.h"

namespace memoria::server {

absl::StatusOr<policy::ViewsDiff> CheckViews(const ServerConfig& config) {
  InitCrypto();
  ASSIGN_OR_RETURN(Signer log_key, ReadSignerKeyFile(config.LogKeyPath()));
  LogOptions options;
  options.path = (std::filesystem::path(config.data_dir) / "db").string();
  options.high_water_mark_path =
      (std::filesystem::path(config.data_dir) / kHighWaterMarkFile).string();
  options.create_if_missing = false;
  options.node_memory_bytes = 0;  // reads records only: no proofs, no tree in memory
  ASSIGN_OR_RETURN(std::unique_ptr<Log> log, Log::Open(options, std::move(log_key)));
  ASSIGN_OR_RETURN(policy::ViewState rebuilt, policy::RebuildViews(*log));
  ASSIGN_OR_RETURN(policy::ViewState stored, policy::ReadViews(policy::LogStateReader(*log)));
  return policy::CompareViews(stored, rebuilt);
}

}  // namespace memoria::server
