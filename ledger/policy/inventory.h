// The account inventory (policy item 13) as of any record, and the mapping
// of a time to the last record integrated at or before it.
//
//   ASSIGN_OR_RETURN(std::optional<uint64_t> at, IndexAtTime(log.Size(), LogRecordTimes(log), t));
//   ASSIGN_OR_RETURN(std::vector<v1::AccountState> accounts, InventoryAt(reader, *at));
//
// Cost: IndexAtTime reads O(log n) records (binary search over integration
// times, which never decrease); InventoryAt reads O(accounts · log versions)
// state keys (binary search over each account's versions), never the log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/log.h"
#include "ledger/policy/state_reader.h"
#include "memoria/v1/views.pb.h"

namespace memoria::policy {

// The integration time of the record at `index`.
using RecordTimeFn = std::function<absl::StatusOr<int64_t>(uint64_t index)>;

// Reads record times from `log` (which must outlive the function).
RecordTimeFn LogRecordTimes(const Log& log);

// The last index < size whose record was integrated at or before
// `time_micros`; nullopt if none (the log is empty or starts later).
absl::StatusOr<std::optional<uint64_t>> IndexAtTime(uint64_t size, const RecordTimeFn& time_of,
                                                    int64_t time_micros);

// Every account known as of record `at_index` (inclusive), in key order
// (platform, then handle), each as it was after the latest record up to
// `at_index` that changed it. DATA_LOSS if the state does not parse.
absl::StatusOr<std::vector<v1::AccountState>> InventoryAt(const StateReader& state,
                                                          uint64_t at_index);

}  // namespace memoria::policy
