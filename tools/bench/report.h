// Benchmark figures: each with its unit, the raw limit that bounds it (if
// any) and their ratio; printed as a table and written as JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace memoria::bench {

struct Figure {
  std::string section;  // "limits", "ledger", ...
  std::string name;     // "append 1 KiB records, batches of 1000"
  double value = 0;
  std::string unit;     // "records/s", "us", "MB/s", "s", "bytes"
  std::optional<std::string> limit_name;  // the figure this one is bounded by
  std::optional<double> limit_value;
  // A second bound, when two limits bound the figure (e.g. single-entry
  // appends: the empty gRPC call rate and Ed25519 verification).
  std::optional<std::string> limit2_name;
  std::optional<double> limit2_value;
  std::optional<std::string> target;      // e.g. ">= 100000 records/s"
  std::optional<bool> target_met;
};

class Report {
 public:
  void Add(Figure figure);
  // The value of a figure added earlier (0 if absent).
  double Value(const std::string& name) const;

  // A readable table on stdout.
  void Print() const;
  // Every figure with unit, limit, ratio and target, plus the machine and
  // `notes` (e.g. the load average at the start).
  bool WriteJson(const std::string& path,
                 const std::vector<std::pair<std::string, std::string>>& notes = {}) const;

 private:
  std::vector<Figure> figures_;
};

// Cores, CPU model, memory, disk and the load average (/proc/loadavg, read
// now) of this machine, one line each.
std::vector<std::pair<std::string, std::string>> DescribeMachine(const std::string& data_dir);

}  // namespace memoria::bench
