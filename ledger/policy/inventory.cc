#include "ledger/policy/inventory.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/policy/state_keys.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/storage/policy_facts.pb.h"

namespace memoria::policy {
namespace {

absl::StatusOr<v1::AccountState> Version(const StateReader& state, std::string_view account_key,
                                         uint64_t version) {
  ASSIGN_OR_RETURN(std::string bytes, state.Get(AccountVersionKey(account_key, version)));
  v1::AccountState account;
  if (!account.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("version ", version, " of account ", std::string(account_key), " does not parse"));
  }
  return account;
}

}  // namespace

RecordTimeFn LogRecordTimes(const Log& log) {
  return [&log](uint64_t index) -> absl::StatusOr<int64_t> {
    ASSIGN_OR_RETURN(std::string bytes, log.GetRecord(index));
    ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(bytes));
    return record.integration_time_micros();
  };
}

absl::StatusOr<std::optional<uint64_t>> IndexAtTime(uint64_t size, const RecordTimeFn& time_of,
                                                    int64_t time_micros) {
  // The first index whose time is after time_micros, in [0, size].
  uint64_t low = 0, high = size;
  while (low < high) {
    const uint64_t middle = low + (high - low) / 2;
    ASSIGN_OR_RETURN(int64_t time, time_of(middle));
    if (time <= time_micros) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  if (low == 0) return std::nullopt;
  return low - 1;
}

absl::StatusOr<std::vector<v1::AccountState>> InventoryAt(const StateReader& state,
                                                          uint64_t at_index) {
  std::vector<std::pair<std::string, uint64_t>> accounts;
  RETURN_IF_ERROR(state.Scan(kAccountCountPrefix, [&](std::string_view key, std::string_view value) {
    accounts.emplace_back(std::string(key.substr(kAccountCountPrefix.size())),
                          DecodeBigEndian64(value));
    return true;
  }));
  std::vector<v1::AccountState> out;
  for (const auto& [key, count] : accounts) {
    // The last version whose updated_index <= at_index.
    uint64_t low = 0, high = count;  // versions [low, high) undecided; answer = low - 1
    std::optional<v1::AccountState> found;
    while (low < high) {
      const uint64_t middle = low + (high - low) / 2;
      ASSIGN_OR_RETURN(v1::AccountState version, Version(state, key, middle));
      if (version.updated_index() <= at_index) {
        low = middle + 1;
        found = std::move(version);
      } else {
        high = middle;
      }
    }
    if (!found.has_value()) continue;
    // The latest active day up to at_index.
    absl::StatusOr<std::string> days_bytes = state.Get(ActivityCountKey(key));
    uint64_t days = 0;
    if (days_bytes.ok()) {
      days = DecodeBigEndian64(*days_bytes);
    } else if (!absl::IsNotFound(days_bytes.status())) {
      return days_bytes.status();
    }
    low = 0;
    high = days;
    while (low < high) {
      const uint64_t middle = low + (high - low) / 2;
      ASSIGN_OR_RETURN(std::string bytes, state.Get(ActivityKey(key, middle)));
      v1::ActivityFact fact;
      if (!fact.ParseFromString(bytes)) {
        return absl::DataLossError(absl::StrCat("activity of account ", key, " does not parse"));
      }
      if (fact.index() <= at_index) {
        low = middle + 1;
        found->set_last_activity_index(fact.index());
        found->set_last_activity_micros(fact.micros());
      } else {
        high = middle;
      }
    }
    out.push_back(*std::move(found));
  }
  return out;
}

}  // namespace memoria::policy
