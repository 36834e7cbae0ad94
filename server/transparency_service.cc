#include "server/transparency_service.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/query/query.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "server/grpc_status.h"

namespace memoria::server {
namespace {

// Records per Export message (and per MultiGet of records and proof nodes).
constexpr size_t kExportChunk = 256;

// The records of `query` in order from `start` (all when nullopt), `chunk`
// at a time, at most `limit` of them (0: no limit). Each Find is bounded
// (query::kMaxWorkPerFind) and may give fewer than `chunk`: this goes on from
// where it stopped, and gives up with CANCELLED between two of them once the
// client has gone (cancelled, or its deadline passed).
absl::Status ForEachChunk(grpc::ServerContext& context, query::RecordQuery& query, size_t chunk,
                          const std::function<absl::Status(const std::vector<uint64_t>&)>& visit,
                          std::optional<uint64_t> start = std::nullopt, uint64_t limit = 0) {
  uint64_t left = limit == 0 ? UINT64_MAX : limit;
  do {
    if (context.IsCancelled()) return absl::CancelledError("the client went away");
    ASSIGN_OR_RETURN(query::QueryPage page, query.Find(start, std::min<uint64_t>(chunk, left)));
    if (!page.indexes.empty()) RETURN_IF_ERROR(visit(page.indexes));
    left -= page.indexes.size();
    start = page.next;
  } while (start.has_value() && left > 0);
  return absl::OkStatus();
}

// Whether record `index` is one of `query`'s matches.
absl::StatusOr<bool> IsMatch(query::RecordQuery& query, uint64_t index) {
  ASSIGN_OR_RETURN(query::QueryPage page, query.Find(index, 1));
  return !page.indexes.empty() && page.indexes.front() == index;
}

}  // namespace

TransparencyService::TransparencyService(const Log& log, Verifier admin, LongReads& long_reads,
                                         const PolicyServiceOptions& personal_data)
    : log_(log),
      admin_(std::move(admin)),
      long_reads_(long_reads),
      personal_data_(personal_data) {}

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
    if (!slot->Write(*writer, first)) return GoneOrStalledError();

    ASSIGN_OR_RETURN(query::RecordQuery results,
                     query::RecordQuery::Prepare(log_, request->filter(), tree_size, v1::OLDEST_FIRST));
    // Sends records (trust ones or results) with their proofs, in one message.
    const auto send = [&](const std::vector<uint64_t>& indexes, bool trust) -> absl::Status {
      if (context->IsCancelled()) return absl::CancelledError("the client went away");
      ASSIGN_OR_RETURN(std::vector<std::string> leaves, log_.GetRecords(indexes));
      ASSIGN_OR_RETURN(std::vector<std::vector<Hash>> proofs, log_.InclusionProofs(indexes, tree_size));
      v1::ExportItem item;
      for (size_t i = 0; i < indexes.size(); ++i) {
        v1::ExportedRecord& record = *item.add_records();
        record.set_index(indexes[i]);
        record.set_trust(trust);
        for (const Hash& hash : proofs[i]) record.add_inclusion_proof(hash.data(), hash.size());
        if (request->disclose_personal_data() && !trust) {
          ASSIGN_OR_RETURN(std::vector<v1::PersonalDataOpening> openings,
                           StoredOpenings(*personal_data_.personal_store, leaves[i]));
          for (v1::PersonalDataOpening& opening : openings) {
            *record.add_personal_data() = std::move(opening);
          }
        }
        record.set_leaf(std::move(leaves[i]));
      }
      if (!slot->Write(*writer, item)) return GoneOrStalledError();
      return absl::OkStatus();
    };

    // The trust chain: the administration records that are not results.
    const auto send_trust_chain = [&]() -> absl::Status {
      v1::QueryFilter administration;
      for (const char* type :
           {"genesis", "writer_registered", "writer_revoked", "administrator_appointed"}) {
        administration.add_event_types(type);
      }
      ASSIGN_OR_RETURN(
          query::RecordQuery trust_query,
          query::RecordQuery::Prepare(log_, administration, tree_size, v1::OLDEST_FIRST));
      std::vector<uint64_t> trust;
      const auto keep_non_results = [&](const std::vector<uint64_t>& indexes) -> absl::Status {
        for (uint64_t index : indexes) {
          ASSIGN_OR_RETURN(bool result, IsMatch(results, index));
          if (!result) trust.push_back(index);
        }
        return absl::OkStatus();
      };
      RETURN_IF_ERROR(ForEachChunk(*context, trust_query, kExportChunk, keep_non_results));
      for (size_t begin = 0; begin < trust.size(); begin += kExportChunk) {
        const size_t end = std::min(trust.size(), begin + kExportChunk);
        RETURN_IF_ERROR(send({trust.begin() + static_cast<ptrdiff_t>(begin),
                              trust.begin() + static_cast<ptrdiff_t>(end)},
                             /*trust=*/true));
      }
      return absl::OkStatus();
    };

    std::optional<uint64_t> from;  // where the results begin; nullopt: the first
    if (resumed) {
      // The trust chain came with the first call.
      if (request->results_after() >= tree_size - 1) return absl::OkStatus();
      from = request->results_after() + 1;
    } else {
      RETURN_IF_ERROR(send_trust_chain());
    }
    return ForEachChunk(
        *context, results, kExportChunk,
        [&](const std::vector<uint64_t>& indexes) { return send(indexes, /*trust=*/false); },
        from, request->max_results());
  }();
  return ToGrpcStatus(status);
}

}  // namespace memoria::server
