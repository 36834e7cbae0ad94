// RunVerifiedExport: the client's one export path. Runs the Transparency
// service's Export stream (LedgerClient::Export: one call per
// records_per_call results) and checks what it carries before handing it on:
// the header's checkpoint must open under the client's pinned log key, be of
// the size it claims, and be consistent with the client's trusted checkpoint
// (LedgerClient::CheckpointAt); every record's (trust records' too)
// inclusion proof must lead to that checkpoint's root. `memoria request`
// (request_report.h: CSV and a filtered bundle) and `memoria export`
// (range_export.h: a bundle of a range of the log) are both built on it.
//
//   RETURN_IF_ERROR(RunVerifiedExport(client, request, reader_token, {
//       .on_header = [&](const v1::ExportHeader& header, const Checkpoint& checkpoint) {...},
//       .on_record = [&](VerifiedExportRecord record) {...}}));
//
// Errors: FAILED_PRECONDITION without a pinned log key; a verification
// failure (client/errors.h) naming what failed (the checkpoint, or "record N
// is not included in checkpoint M"); DATA_LOSS if the stream has no header,
// a second one, or is empty; LedgerClient::Export's; the first error a
// handler returns (the stream is then cancelled). Memory: one message of the
// stream at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "client/ledger_client.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "memoria/v1/query.pb.h"

namespace memoria::client {

// One record of the stream, its inclusion proof verified.
struct VerifiedExportRecord {
  bool trust = false;  // a trust record (not a result of the query)
  uint64_t index = 0;
  std::string leaf;  // the exact stored bytes
  Hash leaf_hash{};  // SHA-256(0x00 || leaf), computed here
  std::vector<Hash> proof;  // its inclusion proof to the checkpoint
  // Disclosed exports: the openings the server sent (unchecked here).
  std::vector<v1::PersonalDataOpening> personal_data;
};

struct VerifiedExportHandlers {
  // Once, first, with the header and its verified checkpoint.
  std::function<absl::Status(const v1::ExportHeader&, const Checkpoint&)> on_header;
  // Each record in stream order (trust records first, then results by index).
  std::function<absl::Status(VerifiedExportRecord)> on_record;
};

absl::Status RunVerifiedExport(LedgerClient& client, const v1::ExportRequest& request,
                               std::string_view reader_token,
                               const VerifiedExportHandlers& handlers);

}  // namespace memoria::client
