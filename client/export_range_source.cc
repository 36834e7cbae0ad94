#include "client/export_range_source.h"

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/verified_export.h"
#include "ledger/status.h"

namespace memoria::client {

absl::Status ExportRangeSource::ReadRange(
    const Checkpoint& checkpoint, uint64_t begin, uint64_t end,
    const std::function<absl::Status(uint64_t index, std::string_view leaf)>& visit) {
  if (begin > end || end > checkpoint.size) {
    return absl::InvalidArgumentError(absl::StrCat("range [", begin, ", ", end,
                                                   ") is not within the checkpoint of ",
                                                   checkpoint.size, " records"));
  }
  if (begin == end) return absl::OkStatus();
  v1::ExportRequest request;
  request.mutable_filter()->mutable_indexes()->set_from(begin);
  request.mutable_filter()->mutable_indexes()->set_to(end);
  request.set_tree_size(checkpoint.size);
  uint64_t next = begin;
  VerifiedExportHandlers handlers;
  handlers.on_header = [&](const v1::ExportHeader&, const Checkpoint& proven) -> absl::Status {
    if (proven.size != checkpoint.size || proven.root != checkpoint.root) {
      return VerificationFailure(absl::StatusCode::kDataLoss,
                                 absl::StrCat("the server's checkpoint of ", proven.size,
                                              " records differs from the bundle's checkpoint of ",
                                              checkpoint.size, ": fork"));
    }
    return absl::OkStatus();
  };
  handlers.on_record = [&](VerifiedExportRecord record) -> absl::Status {
    if (record.trust) return absl::OkStatus();
    if (record.index != next) {
      return VerificationFailure(
          absl::StatusCode::kDataLoss,
          absl::StrCat("the server left out record ", next, " of the range [", begin, ", ", end,
                       ") (it sent record ", record.index, " next)"));
    }
    ++next;
    return visit(record.index, record.leaf);
  };
  RETURN_IF_ERROR(RunVerifiedExport(client_, request, /*reader_token=*/"", handlers));
  if (next != end) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("the server left out records [", next, ", ", end,
                                            ") of the range [", begin, ", ", end, ")"));
  }
  return absl::OkStatus();
}

}  // namespace memoria::client
