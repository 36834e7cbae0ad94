#include "ledger/query/query_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::query {

absl::StatusOr<uint64_t> CatchUpQueryIndex(Log& log) {
  uint64_t next = 0;
  absl::StatusOr<std::string> stored = log.GetState(kIndexedUpToKey);
  if (stored.ok() && stored->size() == 8) {
    next = DecodeBigEndian64(*stored);
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.ok() ? absl::DataLossError("the query index's q/next is not 8 bytes")
                       : stored.status();
  }
  const uint64_t size = log.Size();
  const uint64_t first = next;
  QueryIndex index;
  while (next < size) {
    const uint64_t end = std::min<uint64_t>(size, next + 1000);
    std::vector<StatePut> puts;
    absl::Status parsed = absl::OkStatus();
    RETURN_IF_ERROR(log.ScanRecords(next, end, [&](uint64_t at, std::string_view bytes) {
      absl::StatusOr<v1::Record> record = DecodeRecord(bytes);
      v1::Entry entry;
      if (!record.ok() || !entry.ParseFromString(record->entry())) {
        parsed = absl::DataLossError(absl::StrCat("record ", at, " does not parse"));
        return false;
      }
      parsed = index.OnRecord(at, record->integration_time_micros(), entry, puts);
      return parsed.ok();
    }));
    RETURN_IF_ERROR(parsed);
    RETURN_IF_ERROR(index.OnBatchEnd(puts));
    RETURN_IF_ERROR(log.WriteState(puts));
    next = end;
  }
  return next - first;
}

}  // namespace memoria::query
