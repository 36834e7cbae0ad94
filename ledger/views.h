// BatchObserver: the hook through which derived views (ledger/policy/) keep
// their state in the log's `state` column, in the same synced batch as the
// records they derive from.
//
//   // In the sequencer, for each batch, after indexes and integration times
//   // are assigned and before the batch is written:
//   std::vector<StatePut> puts;
//   for (each new record, in index order)
//     RETURN_IF_ERROR(observer.OnRecord(index, integration_time_micros, entry, puts));
//   RETURN_IF_ERROR(observer.OnBatchEnd(puts));
//   log.Append(entries, puts);            // puts land in the same WriteBatch
//   observer.OnDurable(last_index);       // after the synced write succeeded
//   // or, if the write failed:
//   observer.OnAbandoned();
//
// Contract for implementations: OnRecord is deterministic in the records
// alone (index, integration time, entry), so that replaying the log from
// record 0 into an empty state reproduces the state byte for byte. A key put
// twice in one batch keeps its last value. Not thread-safe: one sequencer.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ledger/log.h"
#include "memoria/v1/entry.pb.h"

namespace memoria {

class BatchObserver {
 public:
  virtual ~BatchObserver() = default;

  // Called for each new record of a batch (every record, whatever its event),
  // in index order, before the batch is written; appends to `puts` the state
  // puts to write in the same batch. An error means the observer cannot
  // derive its state (a bug or a read error): the batch should not be written.
  virtual absl::Status OnRecord(uint64_t index, int64_t integration_time_micros,
                                const v1::Entry& entry, std::vector<StatePut>& puts) = 0;

  // Called after the last OnRecord of a batch, before the batch is written:
  // appends the puts the observer gathers per batch rather than per record.
  virtual absl::Status OnBatchEnd(std::vector<StatePut>& puts) {
    (void)puts;
    return absl::OkStatus();
  }

  // Every record up to `last_index` is durable (its batch was written). Lets
  // the observer drop what it cached of not-yet-durable puts. Optional: an
  // observer that is never told stays correct, only its cache grows.
  virtual void OnDurable(uint64_t last_index) { (void)last_index; }

  // The batches passed to OnRecord since the last OnDurable were not written
  // (and will not be): forget what was derived from them.
  virtual void OnAbandoned() {}
};

// Several observers as one, called in the order given: a later observer sees
// the puts of the earlier ones for the same record in `puts`. The observers
// are borrowed and must outlive the list.
class ObserverList final : public BatchObserver {
 public:
  explicit ObserverList(std::vector<BatchObserver*> observers) : observers_(std::move(observers)) {}

  absl::Status OnRecord(uint64_t index, int64_t integration_time_micros, const v1::Entry& entry,
                        std::vector<StatePut>& puts) override {
    for (BatchObserver* observer : observers_) {
      absl::Status status = observer->OnRecord(index, integration_time_micros, entry, puts);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  absl::Status OnBatchEnd(std::vector<StatePut>& puts) override {
    for (BatchObserver* observer : observers_) {
      absl::Status status = observer->OnBatchEnd(puts);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  void OnDurable(uint64_t last_index) override {
    for (BatchObserver* observer : observers_) observer->OnDurable(last_index);
  }
  void OnAbandoned() override {
    for (BatchObserver* observer : observers_) observer->OnAbandoned();
  }

 private:
  const std::vector<BatchObserver*> observers_;
};

}  // namespace memoria
