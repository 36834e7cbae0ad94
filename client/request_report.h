// WriteRequest: the answer to a transparency-law request, as files ready to
// send, from the server's Export stream (query.proto):
//
//   DIR/records.csv     one row per record, for people: UTF-8 with BOM, ';' (or
//                       ','), headers and labels in the chosen language, times
//                       in the institution's zone (ledger/query/record_csv.h)
//   DIR/records.jsonl   a filtered memoria-bundle-v1 (ledger/verify/bundle.h): each
//                       record's bytes and inclusion proof, the signed
//                       checkpoint, the trust records; `memoria-audit verify
//                       --bundle` (or any RFC 6962 + C2SP verifier) checks it
//   DIR/README.txt      the request, the filter in words, the counts, what the
//                       files are and how to verify them (request_documents.h)
//   DIR/resumen.html    the same on one printable page
//
//   RequestOptions options;
//   options.dir = "respuesta-2026-118";
//   options.reference = "2026-118";
//   ASSIGN_OR_RETURN(options.zone, query::LoadInstitutionZone("America/Bogota"));
//   ASSIGN_OR_RETURN(RequestSummary summary, WriteRequest(client, export_request, token, options));
//
// Nothing unverified is written: the checkpoint must open under the client's
// pinned log key and be consistent with its trusted checkpoint
// (LedgerClient::CheckpointAt), and every record's inclusion proof must lead
// to its root; otherwise a verification failure (client/errors.h) naming the
// record, and no files are left. Disclosed openings are checked against their
// commitments (record_csv.h). Memory stays bounded: the stream is written as it
// comes. Files are written as *.partial and renamed when complete; with
// disclosure, records.csv and records.jsonl (they hold citizens' values) are
// created with mode 0600 whatever the umask (client/private_file.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/ledger_client.h"
#include "ledger/policy/event_labels.h"
#include "ledger/query/record_csv.h"
#include "memoria/v1/query.pb.h"

namespace memoria::client {

struct RequestProgress {
  uint64_t records = 0;    // result records written so far
  uint64_t position = 0;   // index of the last record written
  uint64_t tree_size = 0;  // size of the checkpoint proven against
  bool done = false;
};

struct RequestOptions {
  // The directory to write (created if missing; ALREADY_EXISTS if it holds
  // records.jsonl).
  std::string dir;
  // The request's reference (its filing number, "radicado") and what was
  // asked, in the requester's words (README.txt, resumen.html).
  std::string reference;
  std::string description;
  // The language of what people read: the CSV's headers and labels,
  // README.txt and resumen.html. Spanish unless told otherwise.
  policy::Language language = policy::Language::kEs;
  // The institution's time zone: every time shown (query::LoadInstitutionZone).
  absl::TimeZone zone = absl::UTCTimeZone();
  // The CSV's separator: ';' (Spanish-locale Excel) or ','.
  char csv_separator = query::kDefaultCsvSeparator;
  // The date of issue shown (microseconds since the Unix epoch); 0: now.
  int64_t issued_micros = 0;
  // Called now and then (every 1,000 records) and once with done = true.
  std::function<void(const RequestProgress&)> progress;
};

struct RequestSummary {
  uint64_t records = 0;        // result records (CSV rows, bundle record lines)
  uint64_t trust_records = 0;  // bundle trust lines
  uint64_t tree_size = 0;
  std::string checkpoint;          // the signed note proven against
  std::vector<std::string> files;  // paths written
};

absl::StatusOr<RequestSummary> WriteRequest(LedgerClient& client, const v1::ExportRequest& request,
                                            std::string_view reader_token,
                                            const RequestOptions& options);

}  // namespace memoria::client
