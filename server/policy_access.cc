#include "server/policy_access.h"

#include <string>
#include <utility>

#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::server {

absl::Status CheckReaderAccess(const PolicyServiceOptions& policy,
                               const grpc::ServerContext& context) {
  if (!policy.reader.has_value() || policy.personal_store == nullptr) {
    return absl::FailedPreconditionError(
        "this server has no reader credential configured (--reader-token-file)");
  }
  return policy.reader->Check(context);
}

absl::StatusOr<Hash> EntryHashAt(const Log& log, uint64_t index) {
  ASSIGN_OR_RETURN(std::string bytes, log.GetRecord(index));
  ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(bytes));
  return Sha256(record.entry());
}

absl::StatusOr<std::vector<v1::PersonalDataOpening>> StoredOpenings(const PersonalStore& store,
                                                                    std::string_view leaf) {
  ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(leaf));
  v1::Entry entry;
  if (!entry.ParseFromString(record.entry())) {
    return absl::DataLossError("a stored record's entry does not parse");
  }
  std::vector<v1::PersonalDataOpening> openings;
  if (entry.policy().personal_data().empty()) return openings;
  absl::StatusOr<PersonalDataItem> item = store.Get(Sha256(record.entry()));
  if (absl::IsNotFound(item.status())) return openings;
  RETURN_IF_ERROR(item.status());
  for (v1::PersonalDataOpening& opening : item->openings) openings.push_back(std::move(opening));
  return openings;
}

}  // namespace memoria::server
