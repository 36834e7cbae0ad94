// Rebuilding the policy views from the log: replays every record through a
// fresh PolicyViews over an empty state and returns the state it produces,
// which must equal the maintained state byte for byte.
//
//   ASSIGN_OR_RETURN(auto rebuilt, RebuildViews(log));
//   ASSIGN_OR_RETURN(auto stored, ReadViews(LogStateReader(log)));
//   ViewsDiff diff = CompareViews(stored, rebuilt);
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/log.h"
#include "ledger/policy/state_reader.h"

namespace memoria::policy {

using ViewState = std::map<std::string, std::string>;

// Replays records [0, log.Size()) (a consistent prefix: the size is read
// once). DATA_LOSS if a record or entry does not parse.
absl::StatusOr<ViewState> RebuildViews(const Log& log);

// Every key of the views (prefix "p/") and its value.
absl::StatusOr<ViewState> ReadViews(const StateReader& state);

struct ViewsDiff {
  size_t missing = 0;    // in expected, not in actual
  size_t extra = 0;      // in actual, not in expected
  size_t different = 0;  // in both, different values
  std::vector<std::string> examples;  // a few keys (hex), for messages
  bool empty() const { return missing == 0 && extra == 0 && different == 0; }
};
ViewsDiff CompareViews(const ViewState& actual, const ViewState& expected);

}  // namespace memoria::policy
