// StateReader: read access to the views' keys, over the Log's `state` column
// (LogStateReader) or over a map (MapStateReader, for rebuilds and tests).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/log.h"

namespace memoria::policy {

using StateVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class StateReader {
 public:
  virtual ~StateReader() = default;
  // The value of `key`; NOT_FOUND if absent.
  virtual absl::StatusOr<std::string> Get(std::string_view key) const = 0;
  // Visits keys starting with `prefix` in order while `visit` returns true.
  virtual absl::Status Scan(std::string_view prefix, const StateVisitor& visit) const = 0;
};

// Visits the keys prefix || be64(index) || ... with index in [begin, end],
// in order, while `visit` returns true, seeking block by block (2^16 indexes
// per block) instead of scanning the whole prefix: the cost grows with the
// range, not with everything under `prefix`.
absl::Status ScanIndexRange(const StateReader& state, std::string_view prefix, uint64_t begin,
                            uint64_t end, const StateVisitor& visit);

// Reads the log's state column. `log` must outlive the reader. Thread-safe.
class LogStateReader final : public StateReader {
 public:
  explicit LogStateReader(const Log& log) : log_(log) {}
  absl::StatusOr<std::string> Get(std::string_view key) const override {
    return log_.GetState(key);
  }
  absl::Status Scan(std::string_view prefix, const StateVisitor& visit) const override {
    return log_.ScanState(prefix, visit);
  }

 private:
  const Log& log_;
};

// Reads a map. `map` must outlive the reader.
class MapStateReader final : public StateReader {
 public:
  explicit MapStateReader(const std::map<std::string, std::string>& map) : map_(map) {}
  absl::StatusOr<std::string> Get(std::string_view key) const override;
  absl::Status Scan(std::string_view prefix, const StateVisitor& visit) const override;

 private:
  const std::map<std::string, std::string>& map_;
};

}  // namespace memoria::policy
