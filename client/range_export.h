// ExportRange: a memoria-bundle-v1 (ledger/verify/bundle.h) of the records [from,
// to) of the log, as `memoria export` writes it, read through the client's
// one export path (verified_export.h: the Transparency service's Export
// stream, an empty filter with that index range): the records come with
// their inclusion proofs to the latest checkpoint in a bounded number of
// calls (one per records_per_call records), not one proof call per record.
//
//   RangeExportOptions options{.from = 100, .to = 200};
//   RETURN_IF_ERROR(ExportRange(client, options, out));
//
// The bundle: the header (the latest checkpoint, `proofs` forced for a
// partial range), a writer line per writer the log registered before the
// checkpoint (from GetInfo), a trust line per genesis / writer registration /
// revocation before `from`, a record line per record of the range (with its
// proof when the header says so), the end line. Everything is verified
// before it is written (RunVerifiedExport): the checkpoint under the pinned
// log key and against the trusted checkpoint, every proof.
//
// Errors: RunVerifiedExport's; INVALID_ARGUMENT "range [from, to) is not
// within the checkpoint of N records" (nothing written); the writer's and
// the stream's.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

#include "absl/status/status.h"
#include "client/ledger_client.h"

namespace memoria::client {

struct RangeExportOptions {
  uint64_t from = 0;
  // Exclusive end; nullopt: the latest checkpoint's size.
  std::optional<uint64_t> to;
  // Inclusion proofs on every record line (forced for a partial range).
  bool proofs = false;
};

absl::Status ExportRange(LedgerClient& client, const RangeExportOptions& options,
                         std::ostream& out);

}  // namespace memoria::client
