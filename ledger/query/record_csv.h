// Records as CSV, for people: what a transparency-law request exports to be
// opened by a clerk in a spreadsheet (Excel, LibreOffice) in a Spanish locale.
//
//   CsvOptions options;                      // Spanish, ';', the zone given
//   options.zone = institution_zone;         // institution_time.h
//   std::string csv = CsvFileStart(options); // BOM + header row
//   for (each record) {
//     ASSIGN_OR_RETURN(std::string row, CsvRow(index, leaf, /*disclosed=*/nullptr, options));
//     csv += row;
//   }
//
// The file: UTF-8 with a byte-order mark (kUtf8Bom: without it Excel reads
// UTF-8 as the ANSI code page and garbles "Comunicación"); fields separated
// by `separator` (';' by default: Excel splits a double-clicked .csv at the
// Windows list separator, which is ';' in Spanish locales, where ',' is the
// decimal separator; ',' with --csv-separator ,); RFC 4180 otherwise: every
// row ended by CRLF, a field holding the separator, ',' or ';', a double
// quote, CR or LF enclosed in double quotes, its double quotes doubled.
//
// Columns, in this order (CsvColumns(): the stable ids; the header row shows
// CsvColumnLabel in the chosen language):
//   index             the record's position in the log
//   integrated_at     when the log sequenced it (Record.integration_time_micros)
//   event_time        when the event happened, as its writer states it
//                     (Entry.event_time_micros)
//   event_type_label  the type in words (ledger/policy/event_labels.h)
//   event_type        EventTypeName (event_type.h): "post_published", "generic", ...
//   generic_type      a generic event's own type ("post.published"), else empty
//   platform          policy events: the account's platform, lower-case enum
//                     name ("facebook"); else empty
//   account           policy events: the account's handle
//   actor_email, actor_name, actor_dependency
//                     policy events: the official acting
//   refers_to         policy events: the index of the record this one depends
//                     on, if any
//   writer            the writer's key name (Entry.writer)
//   one column per field of the built-in events (EventFieldColumns(): every
//   field of LogGenesis, WriterRegistered, WriterRevoked and of each
//   PolicyEvent kind, by name, in the order of the .proto files; a nested
//   message's fields as "message.field", e.g. "person.email"; a field named
//   *_micros without the suffix). Events that share a field name share its
//   column ("reason", "platform_post_id"). Empty when the event has no such
//   field or leaves it at its default. Enums in words (EnumValueLabel),
//   booleans "sí"/"no" ("yes"/"no"), bytes as lower-case hex, times as below;
//   a repeated field as a JSON array of its values.
//   attributes        a generic event's attributes as one JSON object, keys
//                     sorted: {"text":"Hola; \"Pasto\"","url":"https://..."}
//                     (JSON, so that no text can be mistaken for a separator)
//   personal_data     policy events: a JSON object, one member per commitment
//                     in order. Redacted (no openings given):
//                     "field":"sha256:<hex digest>". Disclosed: the value for
//                     a commitment the given openings open, and
//                     "sha256:<hex digest> (suprimido)" ("(erased)") for one
//                     they do not.
//   leaf_hash         lower-case hex of the RFC 6962 leaf hash of the record
//                     bytes, by which anyone checks the row against the log
// Every cell whose text starts with '=', '+', '-', '@', tab or CR gets a
// leading apostrophe (SpreadsheetText, OWASP's advice against CSV formula
// injection), so that a spreadsheet shows a writer's or a citizen's text
// instead of running it as a formula; the exact bytes are in the bundle.
// Times are the institution's, to the second, with the offset:
// "2026-01-31 23:30:00 -05:00" (FormatInstitutionTime; the bundle keeps the
// exact microseconds).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/hash.h"
#include "ledger/policy/event_labels.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::query {

// The UTF-8 byte-order mark that starts the file.
inline constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

// The separator `memoria request` uses unless told otherwise.
inline constexpr char kDefaultCsvSeparator = ';';

struct CsvOptions {
  char separator = kDefaultCsvSeparator;  // ';' or ','
  policy::Language language = policy::Language::kEs;
  absl::TimeZone zone = absl::UTCTimeZone();  // callers set the institution's
};

// The column ids above, in order.
const std::vector<std::string>& CsvColumns();

// The event-field columns of CsvColumns() (between writer and attributes).
const std::vector<std::string>& EventFieldColumns();

// The header of column `id` in `lang` ("Fecha del evento"); the id itself
// for an id that is not a column.
std::string CsvColumnLabel(std::string_view id, policy::Language lang);

// True if column `id` has labels (every column does: a test checks).
bool HasCsvColumnLabel(std::string_view id);

// The value `value` (lower-case enum value name, e.g. "hidden") of a policy
// enum in words ("oculto"); `value` itself if not in the table.
std::string EnumValueLabel(std::string_view value, policy::Language lang);

// True if `value` (lower-case enum value name) has labels.
bool HasEnumValueLabel(std::string_view value);

// The header row: the column labels, ended by CRLF (no BOM).
std::string CsvHeaderRow(const CsvOptions& options);

// What the file starts with: kUtf8Bom, then the header row.
std::string CsvFileStart(const CsvOptions& options);

// The row of record `index`, whose stored bytes are `leaf`, ended by CRLF.
// `disclosed`: the openings of its personal data that may be shown (borrowed
// for the call); nullptr redacts every personal-data value. DATA_LOSS naming
// the index if `leaf` is not a Record holding an Entry, or if a disclosed
// opening of a field does not open that field's commitment. `leaf_hash`: the
// leaf's RFC 6962 hash if the caller has it (nullptr: computed here).
absl::StatusOr<std::string> CsvRow(uint64_t index, std::string_view leaf,
                                   const std::vector<v1::PersonalDataOpening>* disclosed,
                                   const CsvOptions& options, const Hash* leaf_hash = nullptr);

// `text` as one CSV field: as is, or quoted as RFC 4180 says when it holds
// `separator`, ',' or ';' (whichever separator a program guesses), a double
// quote, CR or LF.
std::string CsvField(std::string_view text, char separator = kDefaultCsvSeparator);

// `text`, with a leading apostrophe if a spreadsheet would take it for a
// formula (it starts with '=', '+', '-', '@', tab or CR).
std::string SpreadsheetText(std::string_view text);

// `micros` since the Unix epoch (negative: before it) as ISO 8601 UTC with
// six fractional digits, e.g. "1969-12-31T23:59:59.999999Z" for -1; any
// int64 (years beyond 9999 have more digits, before year 0 a minus sign).
std::string FormatMicrosUtc(int64_t micros);

}  // namespace memoria::query
