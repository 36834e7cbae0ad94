#include "ledger/policy/rebuild.h"

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/state_keys.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::policy {

absl::StatusOr<ViewState> RebuildViews(const Log& log) {
  ViewState state;
  MapStateReader reader(state);
  PolicyViews views(reader);
  absl::Status status;
  std::vector<StatePut> puts;
  RETURN_IF_ERROR(log.ScanRecords(0, log.Size(), [&](uint64_t index, std::string_view bytes) {
    absl::StatusOr<v1::Record> record = DecodeRecord(bytes);
    v1::Entry entry;
    if (!record.ok() || !entry.ParseFromString(record->entry())) {
      status = absl::DataLossError(absl::StrCat("record ", index, " does not parse"));
      return false;
    }
    puts.clear();
    status = views.OnRecord(index, record->integration_time_micros(), entry, puts);
    if (!status.ok()) return false;
    for (StatePut& put : puts) state[std::move(put.key)] = std::move(put.value);
    views.OnDurable(index);
    return true;
  }));
  RETURN_IF_ERROR(status);
  return state;
}

absl::StatusOr<ViewState> ReadViews(const StateReader& state) {
  ViewState out;
  RETURN_IF_ERROR(state.Scan(kViewsPrefix, [&](std::string_view key, std::string_view value) {
    out.emplace(std::string(key), std::string(value));
    return true;
  }));
  return out;
}

ViewsDiff CompareViews(const ViewState& actual, const ViewState& expected) {
  ViewsDiff diff;
  auto note = [&](const std::string& key) {
    if (diff.examples.size() < 5) diff.examples.push_back(HexEncode(key));
  };
  auto a = actual.begin();
  auto e = expected.begin();
  while (a != actual.end() || e != expected.end()) {
    if (e == expected.end() || (a != actual.end() && a->first < e->first)) {
      ++diff.extra;
      note(a->first);
      ++a;
    } else if (a == actual.end() || e->first < a->first) {
      ++diff.missing;
      note(e->first);
      ++e;
    } else {
      if (a->second != e->second) {
        ++diff.different;
        note(a->first);
      }
      ++a;
      ++e;
    }
  }
  return diff;
}

}  // namespace memoria::policy
