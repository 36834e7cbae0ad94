#include "client/request_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/private_file.h"
#include "client/verified_export.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/verify/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/query/record_csv.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

namespace fs = std::filesystem;

constexpr char kCsvName[] = "records.csv";
constexpr char kBundleName[] = "records.jsonl";
constexpr char kReadmeName[] = "README.txt";

std::string FilterText(const v1::QueryFilter& filter) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(filter, &json, options).ok()) return "";
  return json;
}

// README.txt's section on completeness (kept apart from the rest, whose
// wording is the clerk's).
std::string Completeness(const v1::ExportHeader& header) {
  if (!header.has_search_from()) {
    return "Completeness\n------------\nThis answer does not state the range of the log searched: "
           "it proves that each record\nin it is in the log, not that none was left out.\n\n";
  }
  return absl::StrCat(
      "Completeness\n------------\n"
      "This answer is PROVEN COMPLETE: the bundle states the filter and the range of the log\n"
      "searched, records [", header.search_from(), ", ", header.tree_size(),
      "), which holds every record that can match it. To check that\n"
      "no matching record was left out (memoria-audit reads the range from the server, each\n"
      "record with its inclusion proof, and re-applies the filter):\n\n"
      "   memoria-audit verify --bundle ", kBundleName,
      " --log-key '<the key above>' --server HOST:PORT\n\n");
}

std::string Readme(const RequestOptions& options, const v1::ExportRequest& request,
                   const v1::ExportHeader& header, const RequestSummary& summary) {
  const std::string filter = FilterText(request.filter());
  const std::string disclosure =
      request.disclose_personal_data()
          ? "Personal data IS DISCLOSED in these files (values and salts, each checked against its\n"
            "commitment in the signed record). Handle them under Colombia's data-protection law\n"
            "(Ley 1581 de 2012).\n"
          : "Personal data of citizens is NOT included: it appears only as commitments\n"
            "(sha256:<hex>), salted hashes that reveal nothing and prove the data existed.\n";
  return absl::StrCat(
      "RESPUESTA A UNA SOLICITUD DE INFORMACION PUBLICA / ANSWER TO A PUBLIC INFORMATION REQUEST\n"
      "=========================================================================================\n\n",
      "Request: ", options.description.empty() ? "(no description given)" : options.description,
      "\nFilter (memoria.v1.QueryFilter): ", filter.empty() ? "{}" : filter,
      "\nRecords: ", summary.records, "\n\n",
      "Files\n-----\n",
      kCsvName, "     one row per record, for people (UTF-8, RFC 4180; open it in a spreadsheet\n"
      "                 as UTF-8). Its last column, leaf_hash, ties each row to the log.\n",
      kBundleName, "   the same records for machines (memoria-bundle-v1, JSON Lines): each record's\n"
      "                 exact bytes and its inclusion proof to the signed checkpoint below,\n"
      "                 plus the records that register the writer keys (trust lines).\n",
      kReadmeName, "      this file.\n\n",
      disclosure, "\n",
      "Los registros provienen del libro de auditoria memoria de la institucion. Cualquier persona\n"
      "puede comprobar, sin confiar en la institucion, que cada registro esta en el libro firmado\n"
      "y no fue alterado, con la clave publica del libro (abajo).\n\n",
      "How to verify\n-------------\n"
      "1. Obtain the log's public key from the institution's published channels (not only from\n"
      "   this file) and compare it with the key below:\n\n   ",
      header.log_vkey(), "\n\n"
      "2. With memoria-audit, the auditor that comes with memoria (free software; build it\n"
      "   from the institution's published memoria sources):\n\n"
      "   memoria-audit verify --bundle ", kBundleName, " --log-key '<the key above>'\n\n"
      "   It checks the checkpoint's Ed25519 signature, every record's RFC 6962 inclusion proof,\n"
      "   every writer signature under the keys the log itself registered",
      request.disclose_personal_data() ? ", and every disclosed value against its commitment" : "",
      ".\n\n"
      "3. Or with any RFC 6962 / RFC 9162 and C2SP signed-note implementation: the checkpoint\n"
      "   (a C2SP signed note, in the bundle's first line) signs tree size ", header.tree_size(),
      " and its root;\n"
      "   each record line's leaf hash is SHA-256(0x00 || record bytes) and its \"proof\" is the\n"
      "   inclusion proof of that leaf at \"index\" in that tree.\n\n",
      Completeness(header), "Checkpoint proven against\n-------------------------\n",
      header.checkpoint());
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
  const fs::path csv_path = dir / kCsvName, bundle_path = dir / kBundleName,
                 readme_path = dir / kReadmeName;
  if (fs::exists(bundle_path)) {
    return absl::AlreadyExistsError(absl::StrCat(bundle_path.string(), " exists: choose another --out"));
  }
  const bool personal_data = request.disclose_personal_data();
  ASSIGN_OR_RETURN(std::ofstream csv, OpenPartial(csv_path, personal_data));
  ASSIGN_OR_RETURN(std::ofstream bundle_file, OpenPartial(bundle_path, personal_data));
  BundleWriter bundle(bundle_file);
  csv << query::CsvHeaderRow();

  RequestSummary summary;
  std::optional<v1::ExportHeader> header;
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
                                     &record.leaf_hash));
      csv << row;
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
    std::ofstream readme(readme_path.string() + ".partial", std::ios::binary | std::ios::trunc);
    readme << Readme(options, request, *header, summary);
    readme.close();
    if (!readme) status = absl::DataLossError(absl::StrCat("cannot write ", readme_path.string()));
  }
  for (const fs::path& path : {csv_path, bundle_path, readme_path}) {
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
