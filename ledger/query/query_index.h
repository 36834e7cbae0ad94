// QueryIndex: the BatchObserver (ledger/views.h) that keeps the query indexes
// (layout in index_keys.h) in the log's `state` column, in the same synced
// batch as the records they index.
//
//   query::QueryIndex index;
//   ObserverList observers({&policy_views, &index});  // the sequencer calls it
//
// Stateless: each record's postings depend on that record alone, so a replay
// of the log reproduces them byte for byte. Costs about eight small puts per
// record (measured in memoria-bench's ledger section).
#pragma once

#include "ledger/query/index_keys.h"
#include "ledger/views.h"

namespace memoria::query {

class QueryIndex final : public BatchObserver {
 public:
  absl::Status OnRecord(uint64_t index, int64_t integration_time_micros, const v1::Entry& entry,
                        std::vector<StatePut>& puts) override {
    (void)integration_time_micros;
    AppendPostings(index, entry, puts);
    return absl::OkStatus();
  }
};

}  // namespace memoria::query
