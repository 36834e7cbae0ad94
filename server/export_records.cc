#include "server/export_records.h"

#include <algorithm>
#include <utility>

#include "ledger/query/query.h"
#include "ledger/status.h"

namespace memoria::server {
namespace {

// The records of `query` in order from `start` (all when nullopt), `chunk`
// at a time, at most `limit` of them (0: no limit). Each Find is bounded
// (query::kMaxWorkPerFind) and may give fewer than `chunk`: this goes on from
// where it stopped, and gives up with CANCELLED between two of them once the
// client has gone.
absl::Status ForEachChunk(const std::function<bool()>& cancelled, query::RecordQuery& query,
                          size_t chunk,
                          const std::function<absl::Status(const std::vector<uint64_t>&)>& visit,
                          std::optional<uint64_t> start = std::nullopt, uint64_t limit = 0) {
  uint64_t left = limit == 0 ? UINT64_MAX : limit;
  do {
    if (cancelled()) return absl::CancelledError("the client went away");
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

absl::Status ExportRecords(const Log& log, const v1::QueryFilter& filter, uint64_t tree_size,
                           const ExportRange& range, const std::function<bool()>& cancelled,
                           const std::function<absl::Status(ExportChunk)>& send) {
  ASSIGN_OR_RETURN(query::RecordQuery results,
                   query::RecordQuery::Prepare(log, filter, tree_size, v1::OLDEST_FIRST));
  // Sends records (trust ones or results) with their proofs, as one chunk.
  const auto send_chunk = [&](const std::vector<uint64_t>& indexes, bool trust) -> absl::Status {
    if (cancelled()) return absl::CancelledError("the client went away");
    ExportChunk chunk;
    chunk.trust = trust;
    chunk.indexes = indexes;
    ASSIGN_OR_RETURN(chunk.leaves, log.GetRecords(indexes));
    ASSIGN_OR_RETURN(chunk.proofs, log.InclusionProofs(indexes, tree_size));
    return send(std::move(chunk));
  };

  // The trust chain: the administration records that are not results.
  const auto send_trust_chain = [&]() -> absl::Status {
    v1::QueryFilter administration;
    for (const char* type :
         {"genesis", "writer_registered", "writer_revoked", "administrator_appointed"}) {
      administration.add_event_types(type);
    }
    ASSIGN_OR_RETURN(query::RecordQuery trust_query,
                     query::RecordQuery::Prepare(log, administration, tree_size, v1::OLDEST_FIRST));
    std::vector<uint64_t> trust;
    const auto keep_non_results = [&](const std::vector<uint64_t>& indexes) -> absl::Status {
      for (uint64_t index : indexes) {
        ASSIGN_OR_RETURN(bool result, IsMatch(results, index));
        if (!result) trust.push_back(index);
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(ForEachChunk(cancelled, trust_query, kExportChunk, keep_non_results));
    for (size_t begin = 0; begin < trust.size(); begin += kExportChunk) {
      const size_t end = std::min(trust.size(), begin + kExportChunk);
      RETURN_IF_ERROR(send_chunk({trust.begin() + static_cast<ptrdiff_t>(begin),
                                  trust.begin() + static_cast<ptrdiff_t>(end)},
                                 /*trust=*/true));
    }
    return absl::OkStatus();
  };

  std::optional<uint64_t> from;  // where the results begin; nullopt: the first
  if (range.results_after.has_value()) {
    // The trust chain came with the first call.
    if (*range.results_after >= tree_size - 1) return absl::OkStatus();
    from = *range.results_after + 1;
  } else {
    RETURN_IF_ERROR(send_trust_chain());
  }
  return ForEachChunk(
      cancelled, results, kExportChunk,
      [&](const std::vector<uint64_t>& indexes) { return send_chunk(indexes, /*trust=*/false); },
      from, range.max_results);
}

}  // namespace memoria::server
