// PolicyViews: the BatchObserver (ledger/views.h) that maintains the policy
// views — account inventory history, the facts the rules need, and the
// findings decided per record — in the log's `state` column (layout in
// state_keys.h), in the same batch as the records.
//
//   LogStateReader durable(*log);
//   PolicyViews views(durable);
//   // the sequencer calls views.OnRecord(...) per record, then OnDurable(...)
//
// Deterministic in the records alone: OnRecord reads only keys it wrote for
// earlier records (through `durable` and its own cache of puts not yet
// durable), so replaying the log from record 0 over an empty state
// (RebuildViews, rebuild.h) reproduces every key and value byte for byte.
//
// Not thread-safe (one sequencer). `durable` must outlive the object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/policy/state_reader.h"
#include "ledger/views.h"
#include "memoria/v1/views.pb.h"

namespace memoria::policy {

class PolicyViews final : public BatchObserver {
 public:
  explicit PolicyViews(const StateReader& durable) : durable_(durable) {}

  absl::Status OnRecord(uint64_t index, int64_t integration_time_micros, const v1::Entry& entry,
                        std::vector<StatePut>& puts) override;
  void OnDurable(uint64_t last_index) override;
  void OnAbandoned() override {
    pending_.clear();
    accounts_.clear();
    actors_.clear();
  }

  // Puts not yet known durable (for rebuilds and tests).
  size_t pending_keys() const { return pending_.size(); }

 private:
  // The current value of `key` (pending puts first); nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Read(const std::string& key) const;
  void Put(std::string key, std::string value, uint64_t index, std::vector<StatePut>& puts);
  template <typename Message>
  absl::StatusOr<std::optional<Message>> ReadMessage(const std::string& key) const;

  // The latest state of an account as the views hold it (durable or pending),
  // so that the common records (posts, replies) cost no read and no put.
  struct CachedAccount {
    uint64_t versions = 0;
    std::optional<v1::AccountState> latest;
    uint64_t active_days = 0;
    int64_t last_active_day = -1;
  };
  absl::StatusOr<CachedAccount*> Account(const std::string& account_key);

  const StateReader& durable_;
  std::map<std::string, CachedAccount> accounts_;
  // Actor emails (lower case) known to have their p/ae/ key (durable or pending).
  std::set<std::string> actors_;
  // key -> (value, index of the record that put it), for puts whose batch is
  // not yet known to be durable.
  std::map<std::string, std::pair<std::string, uint64_t>> pending_;
};

// Deterministic serialization of a state value.
std::string SerializeState(const google::protobuf::Message& message);

}  // namespace memoria::policy
