#include "ledger/bundle.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/status.h"

namespace memoria {

// ---- JSON ----------------------------------------------------------------------

JsonObject::JsonObject() : object_(std::make_unique<google::protobuf::Struct>()) {}
JsonObject::JsonObject(JsonObject&&) noexcept = default;
JsonObject& JsonObject::operator=(JsonObject&&) noexcept = default;
JsonObject::~JsonObject() = default;

absl::StatusOr<JsonObject> JsonObject::Parse(std::string_view json) {
  JsonObject object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), object.object_.get(), options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", status.message().as_string()));
  }
  return object;
}

bool JsonObject::Has(std::string_view field) const {
  return object_->fields().count(std::string(field)) > 0;
}

namespace {

absl::StatusOr<const google::protobuf::Value*> Field(const google::protobuf::Struct& object,
                                                     std::string_view field,
                                                     google::protobuf::Value::KindCase kind,
                                                     std::string_view kind_name) {
  auto it = object.fields().find(std::string(field));
  if (it == object.fields().end()) {
    return absl::InvalidArgumentError(absl::StrCat("missing \"", std::string(field), "\""));
  }
  if (it->second.kind_case() != kind) {
    return absl::InvalidArgumentError(absl::StrCat("\"", std::string(field), "\" is not ", std::string(kind_name)));
  }
  return &it->second;
}

}  // namespace

absl::StatusOr<uint64_t> JsonObject::Uint(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kNumberValue, "a number"));
  const double number = value->number_value();
  if (!(number >= 0) || number > 9007199254740992.0 || std::floor(number) != number) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", std::string(field), "\" is not a non-negative integer below 2^53"));
  }
  return static_cast<uint64_t>(number);
}

absl::StatusOr<std::string> JsonObject::String(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kStringValue, "a string"));
  return value->string_value();
}

absl::StatusOr<bool> JsonObject::Bool(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kBoolValue, "a boolean"));
  return value->bool_value();
}

absl::StatusOr<std::string> JsonObject::Bytes(std::string_view field) const {
  ASSIGN_OR_RETURN(std::string text, String(field));
  absl::StatusOr<std::string> bytes = Base64Decode(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", std::string(field), "\" is not base64"));
  }
  return bytes;
}

absl::StatusOr<std::vector<std::string>> JsonObject::StringList(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kListValue, "a list"));
  std::vector<std::string> list;
  for (const google::protobuf::Value& item : value->list_value().values()) {
    if (item.kind_case() != google::protobuf::Value::kStringValue) {
      return absl::InvalidArgumentError(absl::StrCat("\"", std::string(field), "\" holds a non-string"));
    }
    list.push_back(item.string_value());
  }
  return list;
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out.append("\\u00");
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

namespace {

std::string ProofJson(std::span<const Hash> proof) {
  std::string out = "[";
  for (size_t i = 0; i < proof.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, "\"", Base64Encode(AsBytes(proof[i])), "\"");
  }
  out.push_back(']');
  return out;
}

}  // namespace

// ---- Writer ---------------------------------------------------------------------

absl::Status BundleWriter::Put(const std::string& line) {
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.put('\n');
  if (!out_) return absl::DataLossError("cannot write the bundle");
  return absl::OkStatus();
}

absl::Status BundleWriter::WriteHeader(const BundleHeader& header) {
  if (header_.has_value()) return absl::FailedPreconditionError("bundle header written twice");
  if (header.from > header.to || header.to > header.tree_size) {
    return absl::InvalidArgumentError(absl::StrCat("bundle range [", header.from, ", ", header.to,
                                                   ") is not within the tree of ",
                                                   header.tree_size));
  }
  header_ = header;
  next_index_ = header.from;
  return Put(absl::StrCat(
      "{\"format\":", JsonQuote(kBundleFormat), ",\"origin\":", JsonQuote(header.origin),
      ",\"log_vkey\":", JsonQuote(header.log_vkey), ",\"admin_vkey\":", JsonQuote(header.admin_vkey),
      ",\"checkpoint\":", JsonQuote(header.checkpoint), ",\"tree_size\":", header.tree_size,
      ",\"from\":", header.from, ",\"to\":", header.to,
      ",\"proofs\":", header.proofs ? "true" : "false", "}"));
}

absl::Status BundleWriter::WriteWriter(const BundleWriterLine& writer) {
  if (!header_.has_value() || finished_) {
    return absl::FailedPreconditionError("writer line outside header..records");
  }
  std::string line = absl::StrCat("{\"type\":\"writer\",\"vkey\":", JsonQuote(writer.vkey),
                                  ",\"registered_at\":", writer.registered_at);
  if (writer.revoked_at.has_value()) absl::StrAppend(&line, ",\"revoked_at\":", *writer.revoked_at);
  absl::StrAppend(&line, ",\"description\":", JsonQuote(writer.description), "}");
  return Put(line);
}

absl::Status BundleWriter::WriteRecord(const BundleRecordLine& record) {
  if (!header_.has_value() || finished_) {
    return absl::FailedPreconditionError("record line outside header..end");
  }
  if (!record.trust) {
    if (record.index != next_index_ || record.index >= header_->to) {
      return absl::FailedPreconditionError(
          absl::StrCat("record ", record.index, " written where ", next_index_, " belongs"));
    }
    ++next_index_;
    ++records_;
  }
  std::string line = absl::StrCat("{\"type\":", record.trust ? "\"trust\"" : "\"record\"",
                                  ",\"index\":", record.index, ",\"leaf\":\"",
                                  Base64Encode(record.leaf), "\"");
  if (record.proof.has_value()) absl::StrAppend(&line, ",\"proof\":", ProofJson(*record.proof));
  line.push_back('}');
  return Put(line);
}

absl::Status BundleWriter::Finish() {
  if (!header_.has_value() || finished_) return absl::FailedPreconditionError("bundle not open");
  if (next_index_ != header_->to) {
    return absl::FailedPreconditionError(
        absl::StrCat("bundle ends at record ", next_index_, ", header promises ", header_->to));
  }
  finished_ = true;
  RETURN_IF_ERROR(Put(absl::StrCat("{\"type\":\"end\",\"records\":", records_, "}")));
  out_.flush();
  if (!out_) return absl::DataLossError("cannot write the bundle");
  return absl::OkStatus();
}

// ---- Reader ---------------------------------------------------------------------

absl::Status BundleReader::Error(const std::string& what) const {
  return absl::InvalidArgumentError(absl::StrCat("bundle line ", line_number_, ": ", what));
}

absl::StatusOr<std::string> BundleReader::ReadLine() {
  std::string line;
  ++line_number_;
  for (;;) {
    const int c = in_.get();
    if (c == std::char_traits<char>::eof()) {
      if (in_.bad()) return absl::DataLossError(absl::StrCat("bundle line ", line_number_, ": read error"));
      if (line.empty()) {
        return absl::OutOfRangeError("end of file");
      }
      return Error("truncated: the line has no end (the bundle was cut short)");
    }
    if (c == '\n') return line;
    if (line.size() >= kMaxBundleLineBytes) return Error("line too long");
    line.push_back(static_cast<char>(c));
  }
}

absl::StatusOr<BundleHeader> BundleReader::ReadHeader() {
  absl::StatusOr<std::string> line = ReadLine();
  if (!line.ok()) {
    if (absl::IsOutOfRange(line.status())) return Error("empty bundle: no header");
    return line.status();
  }
  absl::StatusOr<JsonObject> object = JsonObject::Parse(*line);
  if (!object.ok()) return Error(std::string(object.status().message()));
  auto field_error = [&](const absl::Status& status) { return Error(std::string(status.message())); };
  BundleHeader header;
  absl::StatusOr<std::string> format = object->String("format");
  if (!format.ok()) return field_error(format.status());
  if (*format != kBundleFormat) {
    return Error(absl::StrCat("unknown format \"", *format, "\" (expected ", std::string(kBundleFormat), ")"));
  }
#define MEMORIA_BUNDLE_FIELD(lhs, expr)                    \
  do {                                                     \
    auto value_ = (expr);                                  \
    if (!value_.ok()) return field_error(value_.status()); \
    lhs = *std::move(value_);                              \
  } while (false)
  MEMORIA_BUNDLE_FIELD(header.origin, object->String("origin"));
  MEMORIA_BUNDLE_FIELD(header.log_vkey, object->String("log_vkey"));
  MEMORIA_BUNDLE_FIELD(header.admin_vkey, object->String("admin_vkey"));
  MEMORIA_BUNDLE_FIELD(header.checkpoint, object->String("checkpoint"));
  MEMORIA_BUNDLE_FIELD(header.tree_size, object->Uint("tree_size"));
  MEMORIA_BUNDLE_FIELD(header.from, object->Uint("from"));
  MEMORIA_BUNDLE_FIELD(header.to, object->Uint("to"));
  if (object->Has("proofs")) MEMORIA_BUNDLE_FIELD(header.proofs, object->Bool("proofs"));
  if (header.from > header.to || header.to > header.tree_size) {
    return Error(absl::StrCat("range [", header.from, ", ", header.to,
                              ") is not within the tree of ", header.tree_size));
  }
  if ((header.from > 0 || header.to < header.tree_size) && !header.proofs) {
    return Error("a partial bundle must carry inclusion proofs");
  }
  header_ = header;
  next_index_ = header.from;
  return header;
}

absl::StatusOr<BundleReader::Line> BundleReader::Next() {
  if (!header_.has_value()) return absl::FailedPreconditionError("ReadHeader first");
  if (stage_ == 3) return absl::FailedPreconditionError("the bundle has ended");
  absl::StatusOr<std::string> text = ReadLine();
  if (!text.ok()) {
    if (absl::IsOutOfRange(text.status())) {
      return Error(absl::StrCat("truncated: the bundle ends without its end line (",
                                next_index_ - header_->from, " of ", header_->to - header_->from,
                                " records read)"));
    }
    return text.status();
  }
  absl::StatusOr<JsonObject> object = JsonObject::Parse(*text);
  if (!object.ok()) return Error(std::string(object.status().message()));
  auto field_error = [&](const absl::Status& status) { return Error(std::string(status.message())); };
  std::string type;
  MEMORIA_BUNDLE_FIELD(type, object->String("type"));
  Line line;
  if (type == "writer") {
    if (stage_ > 0) return Error("writer line after trust or record lines");
    line.type = Line::Type::kWriter;
    MEMORIA_BUNDLE_FIELD(line.writer.vkey, object->String("vkey"));
    MEMORIA_BUNDLE_FIELD(line.writer.registered_at, object->Uint("registered_at"));
    if (object->Has("revoked_at")) MEMORIA_BUNDLE_FIELD(line.writer.revoked_at, object->Uint("revoked_at"));
    if (object->Has("description")) MEMORIA_BUNDLE_FIELD(line.writer.description, object->String("description"));
    return line;
  }
  if (type == "trust" || type == "record") {
    line.type = Line::Type::kRecord;
    line.record.trust = type == "trust";
    MEMORIA_BUNDLE_FIELD(line.record.index, object->Uint("index"));
    MEMORIA_BUNDLE_FIELD(line.record.leaf, object->Bytes("leaf"));
    if (object->Has("proof")) {
      std::vector<std::string> proof;
      MEMORIA_BUNDLE_FIELD(proof, object->StringList("proof"));
      absl::StatusOr<std::vector<Hash>> hashes = DecodeHashes(proof);
      if (!hashes.ok()) return Error(absl::StrCat("\"proof\": ", hashes.status().message()));
      line.record.proof = *std::move(hashes);
    }
    if (line.record.trust) {
      if (stage_ > 1) return Error("trust line after record lines");
      stage_ = 1;
      if (line.record.index >= header_->from) return Error("trust line for a record of the range");
      if (!line.record.proof.has_value()) return Error("trust line without its proof");
      return line;
    }
    stage_ = 2;
    if (line.record.index != next_index_ || next_index_ >= header_->to) {
      return Error(absl::StrCat("record ", line.record.index, " where record ", next_index_,
                                next_index_ >= header_->to ? " is beyond the range" : " belongs"));
    }
    if (header_->proofs && !line.record.proof.has_value()) return Error("record line without its proof");
    ++next_index_;
    return line;
  }
  if (type == "end") {
    uint64_t records = 0;
    MEMORIA_BUNDLE_FIELD(records, object->Uint("records"));
    if (next_index_ != header_->to || records != header_->to - header_->from) {
      return Error(absl::StrCat("end line after ", next_index_ - header_->from, " records; the header promises ",
                                header_->to - header_->from));
    }
    stage_ = 3;
    if (in_.peek() != std::char_traits<char>::eof()) {
      ++line_number_;
      return Error("data after the end line");
    }
    line.type = Line::Type::kEnd;
    return line;
  }
#undef MEMORIA_BUNDLE_FIELD
  return Error(absl::StrCat("unknown line type \"", type, "\""));
}

// ---- Verification ----------------------------------------------------------------

absl::StatusOr<BundleAudit> VerifyBundle(std::istream& in, const Verifier& log_key,
                                         const AuditOptions& options, const BundleHooks& hooks) {
  BundleReader reader(in);
  BundleAudit result;
  ASSIGN_OR_RETURN(result.header, reader.ReadHeader());
  const BundleHeader& header = result.header;
  result.full = header.from == 0 && header.to == header.tree_size;

  LogAuditor auditor(log_key, options);
  if (header.log_vkey != log_key.ToString()) {
    auditor.Report(header.tree_size, FindingKind::kCheckpoint,
                   absl::StrCat("bundle names log key ", header.log_vkey,
                                ", not the pinned one"));
  }
  // The checkpoint first: partial bundles verify every record against it.
  std::optional<Checkpoint> checkpoint;
  {
    absl::StatusOr<Checkpoint> opened = OpenCheckpoint(header.checkpoint, log_key);
    if (opened.ok() && opened->size != header.tree_size) {
      auditor.Report(header.tree_size, FindingKind::kCheckpoint,
                     absl::StrCat("the header says tree size ", header.tree_size,
                                  " but the checkpoint signs ", opened->size));
    }
    if (opened.ok()) checkpoint = *opened;
    else if (!result.full) {
      auditor.Report(header.tree_size, FindingKind::kCheckpoint,
                     absl::StrCat("checkpoint does not open under the log key: ",
                                  opened.status().message()));
    }
  }

  if (hooks.before_records) hooks.before_records(auditor, checkpoint);

  std::vector<BundleWriterLine> claimed;
  const uint64_t expected = header.to - header.from;
  uint64_t read = 0;
  for (;;) {
    ASSIGN_OR_RETURN(BundleReader::Line line, reader.Next());
    if (line.type == BundleReader::Line::Type::kEnd) break;
    if (line.type == BundleReader::Line::Type::kWriter) {
      claimed.push_back(std::move(line.writer));
      continue;
    }
    BundleRecordLine& record = line.record;
    if (result.full && !record.trust) {
      auditor.Add(record.index, std::move(record.leaf));
    } else if (checkpoint.has_value()) {
      const std::vector<Hash> proof = record.proof.value_or(std::vector<Hash>{});
      if (record.trust) {
        auditor.AddTrust(record.index, std::move(record.leaf), proof, *checkpoint);
      } else {
        auditor.AddProven(record.index, std::move(record.leaf), proof, *checkpoint);
      }
    }
    if (record.trust) continue;
    if (hooks.after_record) hooks.after_record(auditor);
    if (hooks.progress && (++read % 4096 == 0)) hooks.progress(read, expected);
  }
  if (hooks.progress) hooks.progress(expected, expected);
  if (result.full) (void)auditor.CheckCheckpoint(header.checkpoint);
  result.report = auditor.Finish();

  // Writer lines are claims: each must match what the log's records say.
  for (const BundleWriterLine& writer : claimed) {
    const AuditedWriter* found = nullptr;
    for (const AuditedWriter& audited : result.report.writers) {
      if (audited.vkey == writer.vkey) found = &audited;
    }
    const bool covered = result.full || writer.registered_at < header.to;
    if (found == nullptr) {
      if (covered) {
        result.report.findings.push_back(
            {.index = writer.registered_at, .kind = FindingKind::kTrust,
             .reason = absl::StrCat("writer line names ", writer.vkey,
                                    " but no such registration is in the bundle")});
      }
    } else if (found->registered_at != writer.registered_at ||
               (found->revoked_at.has_value() && found->revoked_at != writer.revoked_at)) {
      result.report.findings.push_back(
          {.index = writer.registered_at, .kind = FindingKind::kTrust,
           .reason = absl::StrCat("writer line for ", writer.vkey,
                                  " disagrees with the log's registration records")});
    }
  }
  if (!result.report.admin_vkey.empty() && header.admin_vkey != result.report.admin_vkey) {
    result.report.findings.push_back(
        {.index = 0, .kind = FindingKind::kTrust,
         .reason = absl::StrCat("header names administrator ", header.admin_vkey,
                                " but the genesis record names ", result.report.admin_vkey)});
  }
  std::stable_sort(result.report.findings.begin(), result.report.findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) { return a.index < b.index; });
  return result;
}

// ---- Export ---------------------------------------------------------------------

absl::Status ExportBundle(BundleSource& source, const Verifier& log_key,
                          const ExportOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(std::string note, source.LatestCheckpoint());
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(note, log_key));
  const uint64_t to = options.to.value_or(checkpoint.size);
  if (options.from > to || to > checkpoint.size) {
    return absl::InvalidArgumentError(absl::StrCat("range [", options.from, ", ", to,
                                                   ") is not within the checkpoint of ",
                                                   checkpoint.size, " records"));
  }
  const bool partial = options.from > 0 || to < checkpoint.size;
  const bool proofs = options.proofs || partial;
  ASSIGN_OR_RETURN(std::string admin_vkey, source.AdminVkey());
  ASSIGN_OR_RETURN(std::vector<v1::WriterInfo> writers, source.Writers());

  BundleWriter writer(out);
  RETURN_IF_ERROR(writer.WriteHeader({.origin = checkpoint.origin,
                                      .log_vkey = log_key.ToString(),
                                      .admin_vkey = admin_vkey,
                                      .checkpoint = note,
                                      .tree_size = checkpoint.size,
                                      .from = options.from,
                                      .to = to,
                                      .proofs = proofs}));
  std::set<uint64_t> trust;
  if (options.from > 0) trust.insert(0);
  for (const v1::WriterInfo& info : writers) {
    if (info.registered_at() >= checkpoint.size) continue;  // after the checkpoint
    BundleWriterLine line{.vkey = info.vkey(), .registered_at = info.registered_at(),
                          .description = info.description()};
    if (info.revoked() && info.revoked_at() < checkpoint.size) line.revoked_at = info.revoked_at();
    RETURN_IF_ERROR(writer.WriteWriter(line));
    if (info.registered_at() < options.from) trust.insert(info.registered_at());
    if (line.revoked_at.has_value() && *line.revoked_at < options.from) trust.insert(*line.revoked_at);
  }
  for (const uint64_t index : trust) {
    RETURN_IF_ERROR(source.ScanRecords(index, index + 1, [&](uint64_t i, std::string leaf) {
      ASSIGN_OR_RETURN(std::vector<Hash> proof, source.InclusionProof(i, checkpoint.size));
      return writer.WriteRecord({.trust = true, .index = i, .leaf = std::move(leaf),
                                 .proof = std::move(proof)});
    }));
  }
  RETURN_IF_ERROR(source.ScanRecords(options.from, to, [&](uint64_t index, std::string leaf) {
    BundleRecordLine line{.index = index, .leaf = std::move(leaf)};
    if (proofs) {
      ASSIGN_OR_RETURN(line.proof, source.InclusionProof(index, checkpoint.size));
    }
    return writer.WriteRecord(line);
  }));
  return writer.Finish();
}

}  // namespace memoria
