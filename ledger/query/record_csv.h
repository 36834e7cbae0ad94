// Records as CSV, for people: what a transparency-law request exports to be
// opened in a spreadsheet.
//
//   std::string csv = CsvHeaderRow();
//   for (each record) {
//     ASSIGN_OR_RETURN(std::string row, CsvRow(index, leaf, /*disclosed=*/nullptr));
//     csv += row;
//   }
//
// RFC 4180: fields separated by commas, every row (the header row too) ended
// by CRLF; a field holding a comma, a double quote, CR or LF is enclosed in
// double quotes, its double quotes doubled. Text is UTF-8 as stored (no BOM).
//
// Columns, in this order (CsvColumns()):
//   index             the record's position in the log
//   integrated_at     when the log sequenced it (Record.integration_time_micros)
//   event_time        when the event happened, as its writer states it
//                     (Entry.event_time_micros)
//   writer            the writer's key name (Entry.writer)
//   event_type        EventTypeName (event_type.h): "post_published", "generic", ...
//   generic_type      a generic event's own type ("post.published"), else empty
//   platform          policy events: the account's platform, lower-case enum
//                     name ("facebook"); else empty
//   account           policy events: the account's handle
//   actor_email, actor_name, actor_dependency
//                     policy events: the official acting
//   refers_to         policy events: the index of the record this one depends
//                     on, if any
//   details           the event's own fields as "name=value; name=value", in
//                     field order: fields left at their default (empty, 0,
//                     false) are left out; enums by lower-case name; bytes as
//                     lower-case hex; int64 fields named *_micros as times
//                     (named without the suffix); fields of a nested message
//                     as "message.field". A generic event: its attributes,
//                     sorted by key.
//   personal_data     policy events: one "field=..." per commitment, in order,
//                     joined by "; ". Redacted (no openings given):
//                     "field=sha256:<hex digest>". Disclosed: "field=<value>"
//                     for a commitment the given openings open, and
//                     "field=sha256:<hex digest> (erased)" for one they do not.
//   leaf_hash         lower-case hex of the RFC 6962 leaf hash of the record
//                     bytes, by which anyone checks the row against the log
// A cell whose text starts with '=', '+', '-', '@', tab or CR gets a leading
// apostrophe (SpreadsheetText), so that a spreadsheet shows a writer's text
// instead of running it as a formula; the exact bytes are in the bundle.
// Times are ISO 8601 UTC with microseconds: 2026-03-01T12:00:00.000123Z
// (FormatMicrosUtc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/hash.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::query {

// The column names above, in order.
const std::vector<std::string>& CsvColumns();

// The header row: the column names, ended by CRLF.
std::string CsvHeaderRow();

// The row of record `index`, whose stored bytes are `leaf`, ended by CRLF.
// `disclosed`: the openings of its personal data that may be shown (borrowed
// for the call); nullptr redacts every personal-data value. DATA_LOSS naming
// the index if `leaf` is not a Record holding an Entry, or if a disclosed
// opening of a field does not open that field's commitment. `leaf_hash`: the
// leaf's RFC 6962 hash if the caller has it (nullptr: computed here).
absl::StatusOr<std::string> CsvRow(uint64_t index, std::string_view leaf,
                                   const std::vector<v1::PersonalDataOpening>* disclosed,
                                   const Hash* leaf_hash = nullptr);

// `text` as one CSV field: as is, or quoted as RFC 4180 says when it holds a
// comma, a double quote, CR or LF.
std::string CsvField(std::string_view text);

// `text`, with a leading apostrophe if a spreadsheet would take it for a
// formula (it starts with '=', '+', '-', '@', tab or CR).
std::string SpreadsheetText(std::string_view text);

// `micros` since the Unix epoch (negative: before it) as ISO 8601 UTC with
// six fractional digits, e.g. "1969-12-31T23:59:59.999999Z" for -1; any
// int64 (years beyond 9999 have more digits, before year 0 a minus sign).
std::string FormatMicrosUtc(int64_t micros);

}  // namespace memoria::query
