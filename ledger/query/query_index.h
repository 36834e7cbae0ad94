// QueryIndex: the BatchObserver (ledger/views.h) that keeps the query indexes
// (layout in index_keys.h) in the log's `state` column, in the same synced
// batch as the records they index.
//
//   RETURN_IF_ERROR(query::CatchUpQueryIndex(log).status());  // at start-up
//   query::QueryIndex index;
//   ObserverList observers({&policy_views, &index});  // the sequencer calls it
//
// Each record's postings depend on that record alone; they are gathered per
// batch and written as one block per posting list (index_keys.h) in
// OnBatchEnd. Not thread-safe (one sequencer).
#pragma once

#include "ledger/encoding.h"
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
    next_ = index + 1;
    return absl::OkStatus();
  }
  absl::Status OnBatchEnd(std::vector<StatePut>& puts) override {
    blocks_.Flush(puts);
    puts.push_back({std::string(kIndexedUpToKey), EncodeBigEndian64(next_)});
    return absl::OkStatus();
  }
  void OnAbandoned() override { blocks_.Clear(); }

 private:
  PostingBlocks blocks_;
  uint64_t next_ = 0;
};

// Indexes the records the query index does not cover yet (kIndexedUpToKey up
// to log.Size(): none, unless the log was written by a version without the
// index or its observer), 1,000 per synced write. Returns how many it
// indexed. Only while nothing appends. DATA_LOSS if a record does not parse.
absl::StatusOr<uint64_t> CatchUpQueryIndex(Log& log);

}  // namespace memoria::query
