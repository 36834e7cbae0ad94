#include "server/transparency_service.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/policy/inventory.h"
#include "ledger/query/query.h"
#include "ledger/query/record_match.h"
#include "ledger/query/search_range.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "server/export_records.h"
#include "server/grpc_status.h"

namespace memoria::server {

TransparencyService::TransparencyService(const Log& log, Verifier admin, LongReads& long_reads,
                                         const PolicyServiceOptions& personal_data,
                                         absl::Duration max_event_time_ahead)
    : log_(log),
      admin_(std::move(admin)),
      long_reads_(long_reads),
      personal_data_(personal_data),
      max_event_time_ahead_(max_event_time_ahead) {}

grpc::Status TransparencyService::Query(grpc::ServerContext*, const v1::QueryRequest* request,
                                  v1::QueryResponse* response) {
  const absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(query::ValidateFilter(request->filter()));
    RETURN_IF_ERROR(query::ValidateOrder(request->order()));
    const uint32_t page_size =
        request->page_size() == 0 ? query::kDefaultPageSize : request->page_size();
    if (page_size > query::kMaxPageSize) {
      return absl::InvalidArgumentError(absl::StrCat("page_size ", page_size, " is above the ",
                                                     query::kMaxPageSize, " records a page holds"));
    }
    const uint64_t size = log_.Size();
    query::PageToken position{size, 0};
    std::optional<uint64_t> start;
    if (!request->page_token().empty()) {
      ASSIGN_OR_RETURN(position,
                       query::DecodePageToken(request->page_token(), request->filter(), request->order()));
      if (position.tree_size > size) {
        return absl::InvalidArgumentError("the page token is not from this log");
      }
      start = position.next;
    }
    ASSIGN_OR_RETURN(query::RecordQuery query, query::RecordQuery::Prepare(
                                                   log_, request->filter(), position.tree_size,
                                                   request->order()));
    ASSIGN_OR_RETURN(query::QueryPage page, query.Find(start, page_size));
    ASSIGN_OR_RETURN(std::vector<std::string> leaves, log_.GetRecords(page.indexes));
    for (size_t i = 0; i < page.indexes.size(); ++i) {
      v1::QueryRecord* record = response->add_records();
      record->set_index(page.indexes[i]);
      record->set_leaf(std::move(leaves[i]));
    }
    response->set_tree_size(position.tree_size);
    if (page.next) {
      response->set_next_page_token(query::EncodePageToken(
          request->filter(), request->order(), {position.tree_size, *page.next}));
    }
    return absl::OkStatus();
  }();
  return ToGrpcStatus(status);
}

grpc::Status TransparencyService::Export(grpc::ServerContext* context, const v1::ExportRequest* request,
                                   grpc::ServerWriter<v1::ExportItem>* writer) {
  const absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(query::ValidateFilter(request->filter()));
    if (request->disclose_personal_data()) {
      RETURN_IF_ERROR(CheckReaderAccess(personal_data_, *context));
    }
    const bool resumed = request->has_results_after();
    if (resumed && request->tree_size() == 0) {
      return absl::InvalidArgumentError(
          "results_after needs the tree_size of the export's first call");
    }
    const uint64_t tree_size = request->tree_size() == 0 ? log_.Size() : request->tree_size();
    if (tree_size > log_.Size()) {
      return absl::OutOfRangeError(absl::StrCat("tree size ", tree_size,
                                                " is beyond the log's size ", log_.Size()));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<LongReads::Slot> slot, long_reads_.Admit(*context));
    v1::ExportItem first;
    v1::ExportHeader& header = *first.mutable_header();
    ASSIGN_OR_RETURN(*header.mutable_checkpoint(), log_.CheckpointAt(tree_size));
    header.set_tree_size(tree_size);
    header.set_log_vkey(log_.verifier().ToString());
    header.set_admin_vkey(admin_.ToString());
    header.set_max_results(request->max_results());
    if (query::CheckReapplicable(request->filter()).ok()) {
      const int64_t ahead = absl::ToInt64Microseconds(max_event_time_ahead_);
      const policy::RecordTimeFn times = policy::LogRecordTimes(log_);
      ASSIGN_OR_RETURN(const query::SearchRange range,
                       query::ChooseSearchRange(request->filter(), tree_size, ahead, times));
      header.set_search_from(range.from);
      header.set_max_event_time_ahead_micros(ahead);
    }
    if (!slot->Write(*writer, first)) return GoneOrStalledError();

    ExportRange range;
    if (resumed) range.results_after = request->results_after();
    range.max_results = request->max_results();
    return ExportRecords(
        log_, request->filter(), tree_size, range, [&] { return context->IsCancelled(); },
        [&](ExportChunk chunk) -> absl::Status {
          v1::ExportItem item;
          for (size_t i = 0; i < chunk.indexes.size(); ++i) {
            v1::ExportedRecord& record = *item.add_records();
            record.set_index(chunk.indexes[i]);
            record.set_trust(chunk.trust);
            for (const Hash& hash : chunk.proofs[i]) record.add_inclusion_proof(hash.data(), hash.size());
            if (request->disclose_personal_data() && !chunk.trust) {
              ASSIGN_OR_RETURN(std::vector<v1::PersonalDataOpening> openings,
                               StoredOpenings(*personal_data_.personal_store, chunk.leaves[i]));
              for (v1::PersonalDataOpening& opening : openings) {
                *record.add_personal_data() = std::move(opening);
              }
            }
            record.set_leaf(std::move(chunk.leaves[i]));
          }
          if (!slot->Write(*writer, item)) return GoneOrStalledError();
          return absl::OkStatus();
        });
  }();
  return ToGrpcStatus(status);
}

}  // namespace memoria::server
