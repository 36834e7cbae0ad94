#include "server/policy_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/inventory.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "server/grpc_status.h"

namespace memoria::server {

PolicyService::PolicyService(Log& log, LedgerService& appends, const PolicyServiceOptions& options)
    : log_(log), appends_(appends), options_(options) {}

grpc::Status PolicyService::GetInventory(grpc::ServerContext*, const v1::InventoryRequest* request,
                                         v1::Inventory* response) {
  const policy::StateReader* views = options_.views;
  if (views == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError("this server keeps no policy views"));
  }
  const uint64_t size = log_.Size();
  std::optional<uint64_t> at;
  switch (request->as_of_case()) {
    case v1::InventoryRequest::kAtIndex:
      if (request->at_index() >= size) {
        return ToGrpcStatus(absl::OutOfRangeError(
            absl::StrCat("index ", request->at_index(), " is beyond the log's ", size, " records")));
      }
      at = request->at_index();
      break;
    case v1::InventoryRequest::kAtTimeMicros: {
      absl::StatusOr<std::optional<uint64_t>> index =
          policy::IndexAtTime(size, policy::LogRecordTimes(log_), request->at_time_micros());
      if (!index.ok()) return ToGrpcStatus(index.status());
      at = *index;
      break;
    }
    case v1::InventoryRequest::AS_OF_NOT_SET:
      if (size > 0) at = size - 1;
      break;
  }
  response->set_tree_size(size);
  if (!at.has_value()) return grpc::Status::OK;
  response->set_at_index(*at);
  absl::StatusOr<std::vector<v1::AccountState>> accounts = policy::InventoryAt(*views, *at);
  if (!accounts.ok()) return ToGrpcStatus(accounts.status());
  for (v1::AccountState& account : *accounts) *response->add_accounts() = std::move(account);
  return grpc::Status::OK;
}

grpc::Status PolicyService::GetFindings(grpc::ServerContext*, const v1::FindingsRequest* request,
                                        v1::Findings* response) {
  const policy::StateReader* views = options_.views;
  if (views == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError("this server keeps no policy views"));
  }
  policy::FindingsOptions options = options_.findings;
  const v1::FindingThresholds& t = request->thresholds();
  if (!t.allowed_email_domains().empty()) {
    options.allowed_email_domains.assign(t.allowed_email_domains().begin(),
                                         t.allowed_email_domains().end());
  }
  if (t.pqrd_referral_business_days() != 0) {
    options.pqrd_referral_business_days = t.pqrd_referral_business_days();
  }
  if (t.alternate_inactive_days() != 0) options.alternate_inactive_days = t.alternate_inactive_days();
  if (t.credentials_rotation_days() != 0) {
    options.credentials_rotation_days = t.credentials_rotation_days();
  }
  if (t.responsible_notification_business_days() != 0) {
    options.responsible_notification_business_days = t.responsible_notification_business_days();
  }
  if (t.password_change_after_employment_days() != 0) {
    options.password_change_after_employment_days = t.password_change_after_employment_days();
  }
  const Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock();
  const int64_t at = request->at_micros() != 0 ? request->at_micros() : clock.NowMicros();
  absl::StatusOr<policy::FindingsResult> result = policy::EvaluateFindings(
      *views, log_.Size(), policy::LogRecordTimes(log_), at, request->since_micros(), options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (result->at_index.has_value()) response->set_at_index(*result->at_index);
  for (v1::Finding& finding : result->findings) *response->add_findings() = std::move(finding);
  return grpc::Status::OK;
}

grpc::Status PolicyService::GetPersonalData(grpc::ServerContext* context,
                                            const v1::GetPersonalDataRequest* request,
                                            v1::PersonalData* response) {
  if (absl::Status s = CheckReaderAccess(options_, *context); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<Hash> hash = EntryHashAt(log_, request->index());
  if (!hash.ok()) return ToGrpcStatus(hash.status());
  absl::StatusOr<PersonalDataItem> item = options_.personal_store->Get(*hash);
  if (!item.ok()) return ToGrpcStatus(item.status());
  response->set_index(request->index());
  response->set_erased(item->erased);
  for (v1::PersonalDataOpening& opening : item->openings) {
    *response->add_openings() = std::move(opening);
  }
  return grpc::Status::OK;
}

grpc::Status PolicyService::ErasePersonalData(grpc::ServerContext* context,
                                              const v1::AppendRequest* request,
                                              v1::Receipt* response) {
  v1::Entry entry;
  if (!request->has_entry() || !entry.ParseFromString(request->entry().entry()) ||
      !entry.policy().has_personal_data_erased()) {
    return appends_.Reject(
        *context, "ErasePersonalData",
        absl::InvalidArgumentError(
            "ErasePersonalData takes an entry holding a personal_data_erased event"));
  }
  absl::StatusOr<std::vector<v1::Receipt>> receipts =
      appends_.AppendEntries(*context, {&request->entry()});
  if (!receipts.ok()) return appends_.Reject(*context, "ErasePersonalData", receipts.status());
  *response = std::move(receipts->front());
  return grpc::Status::OK;
}

}  // namespace memoria::server
