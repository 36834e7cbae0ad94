// The export bundle: a self-contained, line-oriented (JSON Lines) copy of a log
// or of a range of it, which anyone holding the log's vkey verifies with no
// access to the server.
//
// Format memoria-bundle-v1. UTF-8, one JSON object per line, each line ending
// in '\n'. Integers are JSON numbers (below 2^53); byte strings are standard
// base64 with padding.
//
//   line 1, the header:
//     {"format":"memoria-bundle-v1","origin":"<log origin>","log_vkey":"<vkey>",
//      "admin_vkey":"<vkey>","checkpoint":"<signed note text, with its \n>",
//      "tree_size":N,"from":A,"to":B,"proofs":true|false
//      [,"filtered":true][,"query":"<text>"][,"disclosed":true|false]
//      [,"search":{...}]}
//     The checkpoint signs the first N records; the bundle holds records
//     [A, B), B <= N. "admin_vkey" and "log_vkey" are informative: the
//     verifier pins its own log key and takes the administrator from the
//     genesis record. The last three fields are optional (absent: false, no
//     query, false):
//       "filtered": the record lines are a selection of the records in [A, B)
//         (a query's result): strictly increasing indexes, gaps allowed. A
//         filtered bundle requires "proofs":true.
//       "query": informative, what the selection is (not verified).
//       "disclosed": record lines may carry personal-data openings.
//     A filtered bundle may also state what was searched, so that its answer
//     can be proven complete (an optional field: a verifier that does not
//     know it verifies the bundle as before; absent, completeness is not
//     stated):
//       "search":{"filter":<QueryFilter>,"from":S,"to":E,
//                 "max_event_time_ahead_micros":A}
//       <QueryFilter>: the memoria.v1.QueryFilter of the request (what
//         `memoria request` sent), in protobuf's proto3 JSON mapping with the
//         .proto field names (int64 and uint64 as strings, enums by name,
//         unset fields left out), as MessageToJsonString with
//         preserve_proto_field_names writes it. A reader refuses a field it
//         does not know (a condition it would ignore could hide records).
//       [S, E): the searched range of the log, E <= N; A >= 0 the event-time
//         allowance it was chosen with (the rule: ledger/query/search_range.h).
//       Every record in [S, E) that matches the filter is a record line.
//       The bundle alone does not prove it: `memoria-audit verify --bundle
//       --server` re-applies the filter over records [S, E) read from a
//       source it does not trust (ledger/query/record_match.h) and checks
//       [S, E) against the rule.
//   writer lines (informative; what the log's registrations say), any number:
//     {"type":"writer","vkey":"<vkey>","registered_at":I,"revoked_at":R,"description":"..."}
//     ("revoked_at" only if revoked).
//   trust lines: the records the trust chain needs that are not record lines,
//   in increasing index order, each with its inclusion proof to the checkpoint:
//     {"type":"trust","index":I,"leaf":"<base64 record bytes>","proof":["<b64>",...]}
//     A partial bundle (A > 0) holds record 0, the genesis, and every
//     WriterRegistered / WriterRevoked record before A. A filtered bundle holds
//     every genesis / WriterRegistered / WriterRevoked record before B that is
//     not one of its record lines (so some may come after record lines' indexes).
//   record lines, one per record A, A+1, ..., B-1 in order (filtered: one per
//   selected record, in increasing index order):
//     {"type":"record","index":I,"leaf":"<base64 record bytes>","proof":["<b64>",...],
//      "personal_data":[{"field":"<name>","salt":"<base64 16 bytes>","value":"<text>"},...]}
//     "proof" (the RFC 9162 inclusion proof of record I in the tree of N
//     leaves) is present when the header says "proofs":true, which a partial
//     bundle (A > 0 or B < N) requires. "personal_data" (only in a disclosed
//     bundle; absent when empty) opens commitments of the record's
//     Entry.policy.personal_data (the policy's commitment scheme, checked
//     through an OpeningChecker, ledger/verify/opening_checker.h); a commitment
//     without its opening is data that was erased or is not disclosed.
//   the last line:
//     {"type":"end","records":R}
//     R, the number of record lines (B-A unless filtered).
//
// Verification (VerifyBundle): a full bundle (A = 0, B = N, not filtered)
// recomputes the Merkle root from every leaf and compares it with the
// checkpoint; any other checks every record (and trust record) through its
// proof, and chain links between consecutive records present. Either way each
// record's writer signature is checked under the key the log's own genesis and
// registration records give (trust records are fed to the auditor in index
// order among the record lines, so a registration applies from its own index
// on), and the checkpoint under the pinned log key (see ledger/verify/log_auditor.h). Every
// opening must open a commitment of its field in its record, as
// BundleHooks::opening_checker judges (FindingKind::kPersonalData otherwise, as
// are openings in a bundle that is not disclosed, and every opening when no
// checker is given).
//
// Errors: a bundle that cannot be read as this format (I/O error, bad JSON,
// missing field, bad base64, a line cut short, no end line, lines out of order,
// a record line of a non-filtered bundle out of sequence, a record line that
// repeats a trust line, a filtered bundle without proofs) is INVALID_ARGUMENT
// (or the I/O error) naming the line number; content that reads fine but does
// not verify is a finding in the AuditReport.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/verify/opening_checker.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger.pb.h"
#include "memoria/v1/policy.pb.h"
#include "memoria/v1/query.pb.h"

namespace google::protobuf {
class Struct;
}

namespace memoria {

inline constexpr std::string_view kBundleFormat = "memoria-bundle-v1";
// Longest line a reader accepts (a record of 64 KiB entry is far below).
inline constexpr size_t kMaxBundleLineBytes = 16 << 20;

// ---- JSON objects (protobuf's JSON parser; shared with receipts) -------------

// A parsed JSON object with typed, named field access. Errors name the field.
class JsonObject {
 public:
  // INVALID_ARGUMENT if `json` is not one JSON object.
  static absl::StatusOr<JsonObject> Parse(std::string_view json);
  JsonObject(JsonObject&&) noexcept;
  JsonObject& operator=(JsonObject&&) noexcept;
  ~JsonObject();

  bool Has(std::string_view field) const;
  // A non-negative integer below 2^53.
  absl::StatusOr<uint64_t> Uint(std::string_view field) const;
  absl::StatusOr<std::string> String(std::string_view field) const;
  absl::StatusOr<bool> Bool(std::string_view field) const;
  // A base64 string, decoded.
  absl::StatusOr<std::string> Bytes(std::string_view field) const;
  absl::StatusOr<std::vector<std::string>> StringList(std::string_view field) const;
  // A list of JSON objects.
  absl::StatusOr<std::vector<JsonObject>> ObjectList(std::string_view field) const;
  // A nested JSON object.
  absl::StatusOr<JsonObject> Object(std::string_view field) const;
  // This object as JSON text.
  std::string ToJson() const;

 private:
  JsonObject();
  std::unique_ptr<google::protobuf::Struct> object_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// ---- Lines ----------------------------------------------------------------------

// A filtered bundle's statement of what was searched (the "search" field).
struct BundleSearch {
  v1::QueryFilter filter;
  uint64_t from = 0;
  uint64_t to = 0;  // exclusive
  uint64_t max_event_time_ahead_micros = 0;
};

// The filter as the "search" field holds it (canonical: see above), and back
// (INVALID_ARGUMENT for JSON that is not a QueryFilter or has unknown fields).
std::string QueryFilterJson(const v1::QueryFilter& filter);
absl::StatusOr<v1::QueryFilter> ParseQueryFilterJson(std::string_view json);

struct BundleHeader {
  std::string origin;
  std::string log_vkey;
  std::string admin_vkey;
  std::string checkpoint;  // signed note text
  uint64_t tree_size = 0;
  uint64_t from = 0;
  uint64_t to = 0;
  bool proofs = false;
  bool filtered = false;  // record lines are a selection of [from, to)
  std::string query;      // informative; "" is written as absent
  bool disclosed = false;  // record lines may carry personal-data openings
  std::optional<BundleSearch> search;  // filtered bundles: what was searched

  // The whole log, verified through the recomputed root.
  bool full() const { return !filtered && from == 0 && to == tree_size; }
};

struct BundleWriterLine {
  std::string vkey;
  uint64_t registered_at = 0;
  std::optional<uint64_t> revoked_at;
  std::string description;
};

struct BundleRecordLine {
  bool trust = false;  // a "trust" line rather than a "record" line
  uint64_t index = 0;
  std::string leaf;  // record bytes
  std::optional<std::vector<Hash>> proof;
  // Openings of the record's personal-data commitments (disclosed bundles;
  // never on trust lines).
  std::vector<v1::PersonalDataOpening> personal_data;
};

// Writes a bundle line by line to `out` (borrowed; must outlive the writer).
// Memory stays bounded: each line is written as it comes (a filtered bundle
// keeps the indexes of its trust lines). Callers write the header, then writer
// lines, then trust lines, then records, then Finish(); the writer checks that
// order, the indexes of trust and record lines as the format requires, and
// that openings are only written in a disclosed bundle (FAILED_PRECONDITION);
// a header the format forbids is INVALID_ARGUMENT.
class BundleWriter {
 public:
  explicit BundleWriter(std::ostream& out) : out_(out) {}
  absl::Status WriteHeader(const BundleHeader& header);
  absl::Status WriteWriter(const BundleWriterLine& writer);
  absl::Status WriteRecord(const BundleRecordLine& record);
  // Writes the end line and flushes; DATA_LOSS / UNAVAILABLE if the stream failed.
  absl::Status Finish();

 private:
  absl::Status Put(const std::string& line);
  std::ostream& out_;
  std::optional<BundleHeader> header_;
  uint64_t next_index_ = 0;  // the smallest index the next record line may have
  std::optional<uint64_t> last_trust_;
  std::vector<uint64_t> trust_indexes_;  // filtered bundles: record lines must avoid them
  size_t trust_cursor_ = 0;
  uint64_t records_ = 0;
  bool records_started_ = false;
  bool finished_ = false;
};

// Reads a bundle line by line from `in` (borrowed). Memory stays bounded (a
// filtered bundle keeps the indexes of its trust lines, to refuse a record
// line that repeats one).
class BundleReader {
 public:
  explicit BundleReader(std::istream& in) : in_(in) {}

  // Reads and checks line 1.
  absl::StatusOr<BundleHeader> ReadHeader();

  struct Line {
    enum class Type { kWriter, kRecord, kEnd } type = Type::kEnd;
    BundleWriterLine writer;
    BundleRecordLine record;
  };
  // The next line after the header; a kEnd line last (after which the stream
  // must be at its end). INVALID_ARGUMENT naming the line number if it is
  // malformed, cut short, or out of order, or if the bundle ends without the
  // end line.
  absl::StatusOr<Line> Next();
  // The 1-based number of the last line read.
  uint64_t line_number() const { return line_number_; }

 private:
  absl::StatusOr<std::string> ReadLine();
  absl::Status Error(const std::string& what) const;
  std::istream& in_;
  std::optional<BundleHeader> header_;
  uint64_t line_number_ = 0;
  uint64_t next_index_ = 0;  // the smallest index the next record line may have
  uint64_t records_ = 0;     // record lines read
  std::optional<uint64_t> last_trust_;
  std::vector<uint64_t> trust_indexes_;  // filtered bundles: record lines must avoid them
  size_t trust_cursor_ = 0;
  int stage_ = 0;  // 0 writers, 1 trust, 2 records, 3 ended
};

// ---- Verification and export ----------------------------------------------------

struct BundleAudit {
  BundleHeader header;
  AuditReport report;
  bool full = false;  // the whole log: verified through the recomputed root
  // Personal-data openings that open their record's commitment.
  uint64_t openings_verified = 0;
};

// Callbacks into a bundle verification, all optional.
struct BundleHooks {
  // Called now and then with (records read, records the header promises; for
  // a filtered bundle, the size of its range: an upper bound), and once at the
  // end with (records read, records read).
  std::function<void(uint64_t, uint64_t)> progress;
  // After the header: the auditor and the bundle's checkpoint, if it opens.
  std::function<void(LogAuditor&, const std::optional<Checkpoint>&)> before_records;
  // After each record line is fed to the auditor.
  std::function<void(LogAuditor&)> after_record;
  // Checks the personal-data openings of a disclosed bundle (borrowed for the
  // call; policy::CommitmentOpeningChecker). Null: openings cannot be checked,
  // each is a kPersonalData finding.
  const OpeningChecker* opening_checker = nullptr;
};

// The most writer lines VerifyBundle holds, and the most trust lines it holds
// at once (before the record line that follows them): a real log has a few
// writers and administration records; a bundle with more is refused
// (INVALID_ARGUMENT) rather than held in memory.
inline constexpr size_t kMaxBundleWriterLines = 100'000;
inline constexpr size_t kMaxBundleTrustLinesHeld = 100'000;

// Reads and verifies a whole bundle under the pinned `log_key` (see above).
// Errors are the reader's (the bundle cannot be read; more lines of a kind
// than the bounds above); findings are in the report. Memory stays bounded:
// records are checked as they come; the writer lines and the trust lines (the
// log's genesis and writer administration records, held until the record
// line that follows them in index order) are bounded above.
absl::StatusOr<BundleAudit> VerifyBundle(std::istream& in, const Verifier& log_key,
                                         const AuditOptions& options = {},
                                         const BundleHooks& hooks = {});

// Where an export reads from (a server connection, a store).
class BundleSource {
 public:
  virtual ~BundleSource() = default;
  // The latest signed checkpoint note.
  virtual absl::StatusOr<std::string> LatestCheckpoint() = 0;
  // The administrator vkey and the writer keys registered.
  virtual absl::StatusOr<std::string> AdminVkey() = 0;
  virtual absl::StatusOr<std::vector<v1::WriterInfo>> Writers() = 0;
  // Calls `visit(index, leaf bytes)` for records [begin, end) in order; stops
  // at the first error `visit` returns and returns it.
  virtual absl::Status ScanRecords(
      uint64_t begin, uint64_t end,
      const std::function<absl::Status(uint64_t, std::string)>& visit) = 0;
  // The inclusion proof of `index` in the tree of `tree_size` leaves.
  virtual absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) = 0;
};

struct ExportOptions {
  uint64_t from = 0;
  // Exclusive end; nullopt: the latest checkpoint's size.
  std::optional<uint64_t> to;
  // Inclusion proofs on every record line (forced for a partial range).
  bool proofs = false;
};

// Writes a bundle of records [from, to) of the log behind `source`, covered by
// its latest checkpoint (checked under `log_key` first). INVALID_ARGUMENT for a
// range beyond the checkpoint; the source's and the stream's errors otherwise.
absl::Status ExportBundle(BundleSource& source, const Verifier& log_key,
                          const ExportOptions& options, std::ostream& out);

struct SelectionExportOptions {
  uint64_t from = 0;
  // Exclusive end; nullopt: the latest checkpoint's size.
  std::optional<uint64_t> to;
  // The selected records (a query's result): strictly increasing indexes in
  // [from, to). Borrowed for the call.
  std::span<const uint64_t> indexes;
  // Informative description of the selection, written in the header.
  std::string query;
  // Set: the bundle is disclosed, and each record line carries the openings
  // this returns for it (an empty list for a record with none, or whose data
  // was erased). Unset: no personal data leaves the log.
  std::function<absl::StatusOr<std::vector<v1::PersonalDataOpening>>(uint64_t index)> openings;
};

// Writes a filtered bundle of the records `options.indexes` of the log behind
// `source`, covered by its latest checkpoint (checked under `log_key` first),
// with proofs, and as trust lines the genesis and every writer registration
// and revocation before `to` that is not selected. INVALID_ARGUMENT for a
// range beyond the checkpoint or indexes not increasing within it; the
// source's, the callback's and the stream's errors otherwise.
absl::Status ExportSelection(BundleSource& source, const Verifier& log_key,
                             const SelectionExportOptions& options, std::ostream& out);

}  // namespace memoria
