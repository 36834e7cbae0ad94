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
//      "tree_size":N,"from":A,"to":B,"proofs":true|false}
//     The checkpoint signs the first N records; the bundle holds records
//     [A, B), B <= N. "admin_vkey" and "log_vkey" are informative: the
//     verifier pins its own log key and takes the administrator from the
//     genesis record.
//   writer lines (informative; what the log's registrations say), any number:
//     {"type":"writer","vkey":"<vkey>","registered_at":I,"revoked_at":R,"description":"..."}
//     ("revoked_at" only if revoked).
//   trust lines (partial bundles, A > 0): the records before A that the trust
//   chain needs (record 0, the genesis, and every WriterRegistered /
//   WriterRevoked record before A), in index order, each with its inclusion
//   proof to the checkpoint:
//     {"type":"trust","index":I,"leaf":"<base64 record bytes>","proof":["<b64>",...]}
//   record lines, one per record A, A+1, ..., B-1 in order:
//     {"type":"record","index":I,"leaf":"<base64 record bytes>","proof":["<b64>",...]}
//     "proof" (the RFC 9162 inclusion proof of record I in the tree of N
//     leaves) is present when the header says "proofs":true, which a partial
//     bundle (A > 0 or B < N) requires.
//   the last line:
//     {"type":"end","records":B-A}
//
// Verification (VerifyBundle): a full bundle (A = 0, B = N) recomputes the
// Merkle root from every leaf and compares it with the checkpoint; a partial
// one checks every record (and trust record) through its proof, and chain links
// between consecutive records. Either way each record's writer signature is
// checked under the key the log's own genesis and registration records give,
// and the checkpoint under the pinned log key (see ledger/audit.h).
//
// Errors: a bundle that cannot be read as this format (I/O error, bad JSON,
// missing field, bad base64, a line cut short, no end line, lines out of order)
// is INVALID_ARGUMENT (or the I/O error) naming the line number; content that
// reads fine but does not verify is a finding in the AuditReport.
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
#include "ledger/audit.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "memoria/v1/ledger.pb.h"

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

 private:
  JsonObject();
  std::unique_ptr<google::protobuf::Struct> object_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// ---- Lines ----------------------------------------------------------------------

struct BundleHeader {
  std::string origin;
  std::string log_vkey;
  std::string admin_vkey;
  std::string checkpoint;  // signed note text
  uint64_t tree_size = 0;
  uint64_t from = 0;
  uint64_t to = 0;
  bool proofs = false;
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
};

// Writes a bundle line by line to `out` (borrowed; must outlive the writer).
// Memory stays bounded: each line is written as it comes. Callers write the
// header, then writer lines, then trust lines, then records, then Finish();
// the writer checks that order and the record indexes (FAILED_PRECONDITION).
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
  uint64_t next_index_ = 0;
  uint64_t records_ = 0;
  bool finished_ = false;
};

// Reads a bundle line by line from `in` (borrowed). Memory stays bounded.
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
  uint64_t next_index_ = 0;
  int stage_ = 0;  // 0 writers, 1 trust, 2 records, 3 ended
};

// ---- Verification and export ----------------------------------------------------

struct BundleAudit {
  BundleHeader header;
  AuditReport report;
  bool full = false;  // the whole log: verified through the recomputed root
};

// Callbacks into a bundle verification, all optional.
struct BundleHooks {
  // Called now and then with (records read, records the header promises).
  std::function<void(uint64_t, uint64_t)> progress;
  // After the header: the auditor and the bundle's checkpoint, if it opens.
  std::function<void(LogAuditor&, const std::optional<Checkpoint>&)> before_records;
  // After each record line is fed to the auditor.
  std::function<void(LogAuditor&)> after_record;
};

// Reads and verifies a whole bundle under the pinned `log_key` (see above).
// Errors are the reader's (the bundle cannot be read); findings are in the report.
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

}  // namespace memoria
