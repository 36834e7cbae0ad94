// What accompanies a transparency-law request's data files, for the clerk who
// hands it out and the citizen who receives it, in Spanish (English with
// `memoria request --lang en`):
//
//   README.txt    the request (reference, description), the date of issue, the
//                 filter in words, the counts, what each file is, step-by-step
//                 verification, the log's key and the checkpoint proven
//                 against (RequestReadme)
//   resumen.html  the same on one printable page: self-contained HTML (no
//                 external assets, no scripts), print CSS for A4/Letter
//                 (RequestSummaryHtml)
//
// Both are UTF-8. Times are the institution's (ledger/query/institution_time.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "ledger/policy/event_labels.h"
#include "memoria/v1/query.pb.h"

namespace memoria::client {

inline constexpr char kRequestCsvName[] = "records.csv";
inline constexpr char kRequestBundleName[] = "records.jsonl";
inline constexpr char kRequestReadmeName[] = "README.txt";
inline constexpr char kRequestSummaryName[] = "resumen.html";

// Everything the documents say.
struct RequestFacts {
  std::string reference;    // the request's filing number ("radicado"); may be empty
  std::string description;  // what was asked; may be empty
  policy::Language language = policy::Language::kEs;
  absl::TimeZone zone = absl::UTCTimeZone();
  int64_t issued_micros = 0;  // the date of issue
  v1::QueryFilter filter;
  bool disclosed = false;
  char csv_separator = ';';
  uint64_t records = 0;        // result records
  uint64_t trust_records = 0;  // administration records in the bundle
  // Result records by built-in event type (ledger/query/event_type.h).
  std::map<std::string, uint64_t> records_by_type;
  uint64_t tree_size = 0;
  // The first record of the range searched, [search_from, tree_size), when
  // the bundle states it (the answer is then provably complete).
  std::optional<uint64_t> search_from;
  std::string checkpoint;  // the signed note proven against
  std::string log_vkey;
};

// README.txt.
std::string RequestReadme(const RequestFacts& facts);

// resumen.html.
std::string RequestSummaryHtml(const RequestFacts& facts);

// `text` with &, <, >, " and ' as HTML character references.
std::string HtmlEscape(std::string_view text);

}  // namespace memoria::client
