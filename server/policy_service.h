// PolicyService: the memoria.v1.Policy gRPC service (policy_service.proto),
// the social-media policy's views and the citizens' personal data
// (ledger/policy/): GetInventory and GetFindings (public: transparency law,
// policy item 4) read the views in the log's state column; GetPersonalData
// (values and salts of a record's commitments) needs the reader credential
// (policy_access.h); ErasePersonalData (habeas data) appends an
// administrator-signed personal_data_erased entry through the Ledger
// service's append path, which deletes the record's values and salts once
// that entry's record is durable (see ledger_service.h, "Personal data,
// durability order"). A rejected erasure counts among the Ledger service's
// rejected appends.
//
// Every method is a blocking handler; ErasePersonalData waits for its record.
//
// Thread-safe; every borrowed object must outlive the service.
#pragma once

#include <grpcpp/grpcpp.h>

#include "ledger/log.h"
#include "memoria/v1/policy_service.grpc.pb.h"
#include "server/ledger_service.h"
#include "server/policy_access.h"

namespace memoria::server {

class PolicyService final : public v1::Policy::Service {
 public:
  // `appends`: the Ledger service, through which erasures are appended.
  PolicyService(Log& log, LedgerService& appends, const PolicyServiceOptions& options);

  grpc::Status GetInventory(grpc::ServerContext* context, const v1::InventoryRequest* request,
                            v1::Inventory* response) override;
  grpc::Status GetFindings(grpc::ServerContext* context, const v1::FindingsRequest* request,
                           v1::Findings* response) override;
  grpc::Status GetPersonalData(grpc::ServerContext* context,
                               const v1::GetPersonalDataRequest* request,
                               v1::PersonalData* response) override;
  grpc::Status ErasePersonalData(grpc::ServerContext* context, const v1::AppendRequest* request,
                                 v1::Receipt* response) override;

 private:
  Log& log_;
  LedgerService& appends_;
  const PolicyServiceOptions options_;
};

}  // namespace memoria::server
