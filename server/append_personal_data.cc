// The LedgerService's personal-data step of appends (ledger_service.h): the
// openings an entry carries are filed in the erasable store before it is
// sequenced; an erasure deletes once its record is durable.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/status.h"
#include "server/ledger_service.h"
#include "server/policy_access.h"

namespace memoria::server {

absl::Status LedgerService::FilePersonalData(const std::vector<ValidatedEntry>& entries) {
  PersonalStore* store = options_.personal_store;
  for (const ValidatedEntry& entry : entries) {
    if (!entry.erases.has_value() && entry.openings.empty()) continue;
    if (store == nullptr) {
      return absl::FailedPreconditionError("this server keeps no personal data store");
    }
    // An erasure is only checked here: it deletes once its record is durable
    // (ErasePersonalDataOf).
    if (entry.erases.has_value() && *entry.erases >= log_.Size()) {
      return absl::OutOfRangeError(absl::StrCat("personal_data_erased refers to record ",
                                                *entry.erases, ", beyond the log's ",
                                                log_.Size(), " records"));
    }
    if (!entry.openings.empty()) {
      google::protobuf::RepeatedPtrField<v1::PersonalDataOpening> openings(entry.openings.begin(),
                                                                           entry.openings.end());
      RETURN_IF_ERROR(store->Put(entry.entry_hash, openings));
    }
  }
  return absl::OkStatus();
}

std::vector<uint64_t> LedgerService::ErasedRecords(const std::vector<ValidatedEntry>& entries) {
  std::vector<uint64_t> records;
  for (const ValidatedEntry& entry : entries) {
    if (entry.erases.has_value()) records.push_back(*entry.erases);
  }
  return records;
}

absl::Status LedgerService::ErasePersonalDataOf(const std::vector<uint64_t>& records) {
  for (uint64_t record : records) {
    ASSIGN_OR_RETURN(Hash erased, EntryHashAt(log_, record));
    RETURN_IF_ERROR(options_.personal_store->Erase(erased));
  }
  return absl::OkStatus();
}

}  // namespace memoria::server
