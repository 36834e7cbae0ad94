// ExportRecords: the one walk of an export, shared by the Transparency
// service's Export stream (transparency_service.h) and the portal's bundle
// download (portal/portal_api.h): the trust records (genesis, writer
// registrations and revocations) that are not results, then the results of a
// filter, oldest first, each with its inclusion proof to the tree of
// `tree_size` records, handed on in chunks of at most kExportChunk.
//
//   RETURN_IF_ERROR(ExportRecords(log, filter, tree_size, {}, [&] { return gone; },
//       [&](ExportChunk chunk) -> absl::Status { ... }));
//
// Bounds: each step is one RecordQuery::Find (query::kMaxWorkPerFind); the walk
// goes on through short pages (its results stay complete) and stops with
// CANCELLED between two of them once `cancelled()` is true. Memory: one chunk
// at a time (and the indexes of the trust records).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/hash.h"
#include "ledger/log.h"
#include "memoria/v1/query.pb.h"

namespace memoria::server {

// Records per chunk (and per MultiGet of records and proof nodes).
inline constexpr size_t kExportChunk = 256;

struct ExportChunk {
  bool trust = false;  // trust records (not results of the filter)
  std::vector<uint64_t> indexes;
  std::vector<std::string> leaves;       // the stored bytes, one per index
  std::vector<std::vector<Hash>> proofs;  // inclusion proofs to tree_size, one per index
};

struct ExportRange {
  // Resume after this result (the trust records came with the first call);
  // nullopt: the trust records first, then the results from the first.
  std::optional<uint64_t> results_after;
  // At most this many results (0: no limit).
  uint64_t max_results = 0;
};

// `filter` must be valid (query::ValidateFilter), 0 < tree_size <= log.Size().
// Errors: RecordQuery's, the log's, CANCELLED once `cancelled` says so, and the
// first error `send` returns.
absl::Status ExportRecords(const Log& log, const v1::QueryFilter& filter, uint64_t tree_size,
                           const ExportRange& range, const std::function<bool()>& cancelled,
                           const std::function<absl::Status(ExportChunk)>& send);

}  // namespace memoria::server
