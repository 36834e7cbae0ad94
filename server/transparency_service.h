// TransparencyService: the memoria.v1.Transparency gRPC service
// (transparency_service.proto), transparency-law requests over the log's
// query indexes (ledger/query/): Query, a page of records matching a filter,
// and Export, every match with its inclusion proof (and, for a reader, its
// personal data). Public; an export that discloses personal data needs the
// reader credential (policy_access.h).
//
// Bounds: a Query call does one RecordQuery::Find, whose work is capped
// (query::kMaxWorkPerFind): past it the page holds fewer records than asked
// and its next_page_token goes on from where it stopped. An Export call goes
// on through such short pages (its results stay complete) and stops between
// two of them when its client cancels or its deadline passes. An event-time
// range meeting more than query::kMaxEventTimeBuckets stored buckets is
// RESOURCE_EXHAUSTED.
//
// Both are blocking handlers. Export is a long read: admitted by the
// LongReads the Ledger service's GetRecords and Watch share (at most its
// max_concurrent at once, RESOURCE_EXHAUSTED beyond; a client that takes no
// message for its stall timeout is CANCELLED; see long_reads.h).
//
// An export's header states the searched range (search_from, the allowance)
// when the filter can be re-applied from records (query::CheckReapplicable),
// so that a verifier can check the answer is complete.
//
// Thread-safe; every borrowed object must outlive the service.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

#include "ledger/keys.h"
#include "ledger/log.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "server/long_reads.h"
#include "server/policy_access.h"

namespace memoria::server {

class TransparencyService final : public v1::Transparency::Service {
 public:
  // `admin`: the administrator key an export's header names. `personal_data`:
  // the store and the reader credential a disclosing export needs (its views,
  // findings and clock are not used). `max_event_time_ahead`: the event-time
  // allowance appends enforce (--max-event-time-ahead), with which an
  // export's header states its searched range (ledger/query/search_range.h).
  TransparencyService(const Log& log, Verifier admin, LongReads& long_reads,
                      const PolicyServiceOptions& personal_data,
                      absl::Duration max_event_time_ahead);

  grpc::Status Query(grpc::ServerContext* context, const v1::QueryRequest* request,
                     v1::QueryResponse* response) override;
  grpc::Status Export(grpc::ServerContext* context, const v1::ExportRequest* request,
                      grpc::ServerWriter<v1::ExportItem>* writer) override;

 private:
  const Log& log_;
  const Verifier admin_;
  LongReads& long_reads_;
  const PolicyServiceOptions personal_data_;
  const absl::Duration max_event_time_ahead_;
};

}  // namespace memoria::server
