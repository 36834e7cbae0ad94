#include "client/range_export.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/verified_export.h"
#include "ledger/verify/bundle.h"
#include "ledger/status.h"

namespace memoria::client {

absl::Status ExportRange(LedgerClient& client, const RangeExportOptions& options,
                         std::ostream& out) {
  if (!client.options().log_key.has_value()) {
    return absl::FailedPreconditionError("an export needs the pinned log key (--log-key)");
  }
  const Verifier& log_key = *client.options().log_key;
  // Every record of the range is a result. (A range that ends before it
  // starts is refused once the checkpoint's size is known, as a range beyond
  // it is; the filter asks for an empty range meanwhile.)
  v1::ExportRequest request;
  v1::IndexRange& indexes = *request.mutable_filter()->mutable_indexes();
  indexes.set_from(options.from);
  if (options.to.has_value()) indexes.set_to(std::max(*options.to, options.from));
  BundleWriter writer(out);
  BundleHeader header;
  VerifiedExportHandlers handlers;
  handlers.on_header = [&](const v1::ExportHeader& sent,
                           const Checkpoint& checkpoint) -> absl::Status {
    const uint64_t size = checkpoint.size;
    header.from = options.from;
    header.to = options.to.value_or(size);
    if (header.from > header.to || header.to > size) {
      return absl::InvalidArgumentError(absl::StrCat("range [", header.from, ", ", header.to,
                                                     ") is not within the checkpoint of ", size,
                                                     " records"));
    }
    ASSIGN_OR_RETURN(v1::Info info, client.GetInfo());
    header.origin = checkpoint.origin;
    header.log_vkey = log_key.ToString();
    header.admin_vkey = info.admin_vkey();
    header.checkpoint = sent.checkpoint();
    header.tree_size = size;
    header.proofs = options.proofs || header.from > 0 || header.to < size;
    RETURN_IF_ERROR(writer.WriteHeader(header));
    for (const v1::WriterInfo& writer_info : info.writers()) {
      if (writer_info.registered_at() >= size) continue;  // after the checkpoint
      BundleWriterLine line{.vkey = writer_info.vkey(),
                            .registered_at = writer_info.registered_at(),
                            .description = writer_info.description()};
      if (writer_info.revoked() && writer_info.revoked_at() < size) {
        line.revoked_at = writer_info.revoked_at();
      }
      RETURN_IF_ERROR(writer.WriteWriter(line));
    }
    return absl::OkStatus();
  };
  handlers.on_record = [&](VerifiedExportRecord record) -> absl::Status {
    // The trust records the range needs are those before it; the stream
    // also sends those after it (not results either).
    if (record.trust && record.index >= header.from) return absl::OkStatus();
    BundleRecordLine line{.trust = record.trust, .index = record.index,
                          .leaf = std::move(record.leaf)};
    if (record.trust || header.proofs) line.proof = std::move(record.proof);
    return writer.WriteRecord(line);
  };
  RETURN_IF_ERROR(RunVerifiedExport(client, request, /*reader_token=*/"", handlers));
  return writer.Finish();
}

}  // namespace memoria::client
