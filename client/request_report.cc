#include "client/request_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/private_file.h"
#include "client/request_documents.h"
#include "client/verified_export.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/verify/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/query/event_type.h"
#include "ledger/query/record_csv.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

namespace fs = std::filesystem;

std::string FilterText(const v1::QueryFilter& filter) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(filter, &json, options).ok()) return "";
  return json;
}

// The built-in event type of a verified record's bytes ("" if they do not
// parse, which CsvRow has already refused).
std::string RecordType(std::string_view leaf) {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  v1::Entry entry;
  if (!record.ok() || !entry.ParseFromString(record->entry())) return "";
  return std::string(query::EventTypeName(entry));
}

// Opens the file `path`.partial for writing; mode 0600 if it will hold
// disclosed personal data.
absl::StatusOr<std::ofstream> OpenPartial(const fs::path& path, bool personal_data) {
  if (personal_data) return CreatePrivateFile(path.string() + ".partial");
  std::ofstream out(path.string() + ".partial", std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot create ", path.string(), ".partial"));
  return out;
}

}  // namespace

absl::StatusOr<RequestSummary> WriteRequest(LedgerClient& client, const v1::ExportRequest& request,
                                            std::string_view reader_token,
                                            const RequestOptions& options) {
  if (!client.options().log_key.has_value()) {
    return absl::FailedPreconditionError("a request needs the pinned log key (--log-key)");
  }
  const fs::path dir(options.dir);
  std::error_code error;
  const bool created = !fs::exists(dir);
  fs::create_directories(dir, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("cannot create ", options.dir, ": ", error.message()));
  const fs::path csv_path = dir / kRequestCsvName, bundle_path = dir / kRequestBundleName,
                 readme_path = dir / kRequestReadmeName, summary_path = dir / kRequestSummaryName;
  if (fs::exists(bundle_path)) {
    return absl::AlreadyExistsError(absl::StrCat(bundle_path.string(), " exists: choose another --out"));
  }
  const bool personal_data = request.disclose_personal_data();
  ASSIGN_OR_RETURN(std::ofstream csv, OpenPartial(csv_path, personal_data));
  ASSIGN_OR_RETURN(std::ofstream bundle_file, OpenPartial(bundle_path, personal_data));
  BundleWriter bundle(bundle_file);
  query::CsvOptions csv_options;
  csv_options.separator = options.csv_separator;
  csv_options.language = options.language;
  csv_options.zone = options.zone;
  csv << query::CsvFileStart(csv_options);

  RequestSummary summary;
  std::optional<v1::ExportHeader> header;
  std::map<std::string, uint64_t> records_by_type;
  RequestProgress progress;
  VerifiedExportHandlers handlers;
  handlers.on_header = [&](const v1::ExportHeader& sent, const Checkpoint& checkpoint) {
    header = sent;
    summary.tree_size = checkpoint.size;
    summary.checkpoint = sent.checkpoint();
    progress.tree_size = checkpoint.size;
    BundleHeader line;
    line.origin = checkpoint.origin;
    line.log_vkey = sent.log_vkey();
    line.admin_vkey = sent.admin_vkey();
    line.checkpoint = sent.checkpoint();
    line.tree_size = checkpoint.size;
    line.from = 0;
    line.to = checkpoint.size;
    line.proofs = true;
    line.filtered = true;
    line.query = FilterText(request.filter());
    line.disclosed = request.disclose_personal_data();
    if (sent.has_search_from()) {
      // The searched range the server chose (ledger/query/search_range.h);
      // memoria-audit verify --bundle --server checks it and re-applies the
      // filter over it.
      if (sent.search_from() > checkpoint.size || sent.max_event_time_ahead_micros() < 0) {
        return VerificationFailure(absl::StatusCode::kDataLoss,
                                   "the export's searched range is not within its checkpoint");
      }
      line.search = BundleSearch{.filter = request.filter(),
                                 .from = sent.search_from(),
                                 .to = checkpoint.size,
                                 .max_event_time_ahead_micros =
                                     static_cast<uint64_t>(sent.max_event_time_ahead_micros())};
    }
    return bundle.WriteHeader(line);
  };
  handlers.on_record = [&](VerifiedExportRecord record) -> absl::Status {
    BundleRecordLine line;
    line.trust = record.trust;
    line.index = record.index;
    line.proof = std::move(record.proof);
    if (record.trust) {
      ++summary.trust_records;
    } else {
      line.personal_data = std::move(record.personal_data);
      ASSIGN_OR_RETURN(std::string row,
                       query::CsvRow(record.index, record.leaf,
                                     request.disclose_personal_data() ? &line.personal_data : nullptr,
                                     csv_options, &record.leaf_hash));
      csv << row;
      ++records_by_type[RecordType(record.leaf)];
      ++summary.records;
      progress.records = summary.records;
      progress.position = record.index;
      if (options.progress && summary.records % 1000 == 0) options.progress(progress);
    }
    line.leaf = std::move(record.leaf);
    return bundle.WriteRecord(line);
  };

  absl::Status status = RunVerifiedExport(client, request, reader_token, handlers);
  if (status.ok()) status = bundle.Finish();
  csv.close();
  bundle_file.close();
  if (status.ok() && (!csv || !bundle_file)) status = absl::DataLossError("cannot write the request files");
  if (status.ok()) {
    RequestFacts facts;
    facts.reference = options.reference;
    facts.description = options.description;
    facts.language = options.language;
    facts.zone = options.zone;
    facts.issued_micros =
        options.issued_micros != 0 ? options.issued_micros : absl::ToUnixMicros(absl::Now());
    facts.filter = request.filter();
    facts.disclosed = request.disclose_personal_data();
    facts.csv_separator = options.csv_separator;
    facts.records = summary.records;
    facts.trust_records = summary.trust_records;
    facts.records_by_type = std::move(records_by_type);
    facts.tree_size = header->tree_size();
    if (header->has_search_from()) facts.search_from = header->search_from();
    facts.checkpoint = header->checkpoint();
    facts.log_vkey = header->log_vkey();
    for (const auto& [path, text] : {std::pair{readme_path, RequestReadme(facts)},
                                     std::pair{summary_path, RequestSummaryHtml(facts)}}) {
      std::ofstream file(path.string() + ".partial", std::ios::binary | std::ios::trunc);
      file << text;
      file.close();
      if (!file) {
        status = absl::DataLossError(absl::StrCat("cannot write ", path.string()));
        break;
      }
    }
  }
  for (const fs::path& path : {csv_path, bundle_path, readme_path, summary_path}) {
    const std::string partial = path.string() + ".partial";
    if (status.ok()) {
      fs::rename(partial, path, error);
      if (error) status = absl::PermissionDeniedError(absl::StrCat("cannot rename ", partial));
      summary.files.push_back(path.string());
    } else {
      fs::remove(partial, error);
    }
  }
  if (!status.ok()) {
    if (created) fs::remove(dir, error);  // only if it is still empty
    return status;
  }
  progress.done = true;
  if (options.progress) options.progress(progress);
  return summary;
}

}  // namespace memoria::client
