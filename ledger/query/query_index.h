// QueryIndex: the BatchObserver (ledger/views.h) that keeps the query indexes
// (layout in index_keys.h) in the log's `state` column, in the same synced
// batch as the records they index.
//
//   query::QueryIndex index;
//   ObserverList observers({&policy_views, &index});  // the sequencer calls it
//
// Each record's postings depend on that record alone; they are gathered per
// batch and written as one block per posting list (index_keys.h) in
// OnBatchEnd. Not thread-safe (one sequencer).
#pragma once

#include "ledger/query/index_keys.h"
#include "ledger/views.h"

namespace memoria::query {

class QueryIndex final : public BatchObserver {
 public:
  absl::Status OnRecord(uint64_t index, int64_t integration_time_micros, const v1::Entry& entry,
                        std::vector<StatePut>& puts) override {
    (void)integration_time_micros;
    (void)puts;
    blocks_.Add(index, entry);
    return absl::OkStatus();
  }
  absl::Status OnBatchEnd(std::vector<StatePut>& puts) override {
    blocks_.Flush(puts);
    return absl::OkStatus();
  }
  void OnAbandoned() override { blocks_.Clear(); }

 private:
  PostingBlocks blocks_;
};

}  // namespace memoria::query
