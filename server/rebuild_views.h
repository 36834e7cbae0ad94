// memoria-server --rebuild-views: recomputes the policy views from the log
// (policy::RebuildViews) and compares them with the views stored in the log's
// state column, without serving.
//
//   ASSIGN_OR_RETURN(policy::ViewsDiff diff, CheckViews(config));
//
// Stored views that differ are not replaced: a difference is reported
// (exit 1) for an operator to investigate, never silently fixed. (The Log's
// state-only write, Log::WriteState, is for state derived at start-up before
// anything appends, as the query index's catch-up does, not for repairs.)
#pragma once

#include "absl/status/statusor.h"
#include "ledger/policy/rebuild.h"
#include "server/config.h"

namespace memoria::server {

// Locks config.data_dir (DataDir: not while a server holds it), opens its
// log with the configured log key (which must exist), rebuilds the views and
// compares. Errors: DataDir::Open's, key file and Log::Open errors, DATA_LOSS
// if a record does not parse.
absl::StatusOr<policy::ViewsDiff> CheckViews(const ServerConfig& config);

}  // namespace memoria::server
