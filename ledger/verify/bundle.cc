#include "ledger/verify/bundle.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/receipt.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

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

absl::StatusOr<std::vector<JsonObject>> JsonObject::ObjectList(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kListValue, "a list"));
  std::vector<JsonObject> list;
  for (const google::protobuf::Value& item : value->list_value().values()) {
    if (item.kind_case() != google::protobuf::Value::kStructValue) {
      return absl::InvalidArgumentError(absl::StrCat("\"", std::string(field), "\" holds a non-object"));
    }
    JsonObject object;
    *object.object_ = item.struct_value();
    list.push_back(std::move(object));
  }
  return list;
}

absl::StatusOr<JsonObject> JsonObject::Object(std::string_view field) const {
  ASSIGN_OR_RETURN(const google::protobuf::Value* value,
                   Field(*object_, field, google::protobuf::Value::kStructValue, "an object"));
  JsonObject object;
  *object.object_ = value->struct_value();
  return object;
}

std::string JsonObject::ToJson() const {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*object_, &json).ok()) return "{}";
  return json;
}

std::string QueryFilterJson(const v1::QueryFilter& filter) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(filter, &json, options).ok()) return "{}";
  return json;
}

absl::StatusOr<v1::QueryFilter> ParseQueryFilterJson(std::string_view json) {
  v1::QueryFilter filter;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &filter, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a memoria.v1.QueryFilter: ", status.message().as_string()));
  }
  return filter;
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

std::string OpeningsJson(std::span<const v1::PersonalDataOpening> openings) {
  std::string out = "[";
  for (size_t i = 0; i < openings.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", "{\"field\":", JsonQuote(openings[i].field()),
                    ",\"salt\":\"", Base64Encode(openings[i].salt()),
                    "\",\"value\":", JsonQuote(openings[i].value()), "}");
  }
  out.push_back(']');
  return out;
}

// True if `index` is one of `indexes` (increasing), looked up from `*cursor`
// on; the cursor advances past the indexes below `index` (callers look up
// increasing indexes).
bool ContainsFrom(const std::vector<uint64_t>& indexes, size_t* cursor, uint64_t index) {
  while (*cursor < indexes.size() && indexes[*cursor] < index) ++*cursor;
  return *cursor < indexes.size() && indexes[*cursor] == index;
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
  if (header.filtered && !header.proofs) {
    return absl::InvalidArgumentError("a filtered bundle must carry inclusion proofs");
  }
  if (header.search.has_value() &&
      (!header.filtered || header.search->from > header.search->to ||
       header.search->to > header.tree_size)) {
    return absl::InvalidArgumentError(
        "a bundle's searched range must be a range of its tree, in a filtered bundle");
  }
  header_ = header;
  next_index_ = header.from;
  std::string line = absl::StrCat(
      "{\"format\":", JsonQuote(kBundleFormat), ",\"origin\":", JsonQuote(header.origin),
      ",\"log_vkey\":", JsonQuote(header.log_vkey), ",\"admin_vkey\":", JsonQuote(header.admin_vkey),
      ",\"checkpoint\":", JsonQuote(header.checkpoint), ",\"tree_size\":", header.tree_size,
      ",\"from\":", header.from, ",\"to\":", header.to,
      ",\"proofs\":", header.proofs ? "true" : "false");
  // Absent unless set: bundles without them are byte for byte as before.
  if (header.filtered) absl::StrAppend(&line, ",\"filtered\":true");
  if (!header.query.empty()) absl::StrAppend(&line, ",\"query\":", JsonQuote(header.query));
  if (header.disclosed) absl::StrAppend(&line, ",\"disclosed\":true");
  if (header.search.has_value()) {
    const BundleSearch& search = *header.search;
    absl::StrAppend(&line, ",\"search\":{\"filter\":", QueryFilterJson(search.filter),
                    ",\"from\":", search.from, ",\"to\":", search.to,
                    ",\"max_event_time_ahead_micros\":", search.max_event_time_ahead_micros, "}");
  }
  line.push_back('}');
  return Put(line);
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
  const BundleHeader& header = *header_;
  if (record.trust) {
    if (records_started_) return absl::FailedPreconditionError("trust line after record lines");
    if (record.index >= (header.filtered ? header.to : header.from) ||
        (last_trust_.has_value() && record.index <= *last_trust_)) {
      return absl::FailedPreconditionError(
          absl::StrCat("trust line ", record.index, " is out of order or beyond the range"));
    }
    if (!record.proof.has_value()) return absl::FailedPreconditionError("trust line without its proof");
    if (!record.personal_data.empty()) {
      return absl::FailedPreconditionError("trust line with personal-data openings");
    }
    last_trust_ = record.index;
    if (header.filtered) trust_indexes_.push_back(record.index);
  } else {
    const bool in_sequence = header.filtered ? record.index >= next_index_ : record.index == next_index_;
    if (!in_sequence || record.index >= header.to) {
      return absl::FailedPreconditionError(absl::StrCat(
          "record ", record.index, " written where ", next_index_,
          header.filtered ? " or a later record of the range belongs" : " belongs"));
    }
    if (header.filtered && ContainsFrom(trust_indexes_, &trust_cursor_, record.index)) {
      return absl::FailedPreconditionError(
          absl::StrCat("record ", record.index, " was written as a trust line"));
    }
    if (header.proofs && !record.proof.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat("record ", record.index, " without its proof"));
    }
    if (!header.disclosed && !record.personal_data.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("record ", record.index, ": openings in a bundle that is not disclosed"));
    }
    records_started_ = true;
    next_index_ = record.index + 1;
    ++records_;
  }
  std::string line = absl::StrCat("{\"type\":", record.trust ? "\"trust\"" : "\"record\"",
                                  ",\"index\":", record.index, ",\"leaf\":\"",
                                  Base64Encode(record.leaf), "\"");
  if (record.proof.has_value()) absl::StrAppend(&line, ",\"proof\":", ProofJson(*record.proof));
  if (!record.personal_data.empty()) {
    absl::StrAppend(&line, ",\"personal_data\":", OpeningsJson(record.personal_data));
  }
  line.push_back('}');
  return Put(line);
}

absl::Status BundleWriter::Finish() {
  if (!header_.has_value() || finished_) return absl::FailedPreconditionError("bundle not open");
  if (!header_->filtered && next_index_ != header_->to) {
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
  if (object->Has("filtered")) MEMORIA_BUNDLE_FIELD(header.filtered, object->Bool("filtered"));
  if (object->Has("query")) MEMORIA_BUNDLE_FIELD(header.query, object->String("query"));
  if (object->Has("disclosed")) MEMORIA_BUNDLE_FIELD(header.disclosed, object->Bool("disclosed"));
  if (object->Has("search")) {
    absl::StatusOr<JsonObject> search_object = object->Object("search");
    if (!search_object.ok()) return field_error(search_object.status());
    auto search_error = [&](const absl::Status& status) {
      return Error(absl::StrCat("\"search\": ", status.message()));
    };
    absl::StatusOr<JsonObject> filter_object = search_object->Object("filter");
    if (!filter_object.ok()) return search_error(filter_object.status());
    BundleSearch search;
    absl::StatusOr<v1::QueryFilter> filter = ParseQueryFilterJson(filter_object->ToJson());
    if (!filter.ok()) return search_error(filter.status());
    search.filter = *std::move(filter);
    for (auto [name, target] : {std::pair<const char*, uint64_t*>{"from", &search.from},
                                {"to", &search.to},
                                {"max_event_time_ahead_micros", &search.max_event_time_ahead_micros}}) {
      absl::StatusOr<uint64_t> value = search_object->Uint(name);
      if (!value.ok()) return search_error(value.status());
      *target = *value;
    }
    if (!header.filtered || search.from > search.to || search.to > header.tree_size) {
      return Error(absl::StrCat("\"search\": range [", search.from, ", ", search.to,
                                ") is not a range of the tree of ", header.tree_size,
                                " in a filtered bundle"));
    }
    header.search = std::move(search);
  }
  if (header.from > header.to || header.to > header.tree_size) {
    return Error(absl::StrCat("range [", header.from, ", ", header.to,
                              ") is not within the tree of ", header.tree_size));
  }
  if (header.filtered && !header.proofs) {
    return Error("a filtered bundle must carry inclusion proofs");
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
      if (header_->filtered) {
        return Error(absl::StrCat("truncated: the bundle ends without its end line (",
                                  records_, " records read)"));
      }
      return Error(absl::StrCat("truncated: the bundle ends without its end line (",
                                records_, " of ", header_->to - header_->from, " records read)"));
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
    if (object->Has("personal_data")) {
      std::vector<JsonObject> openings;
      MEMORIA_BUNDLE_FIELD(openings, object->ObjectList("personal_data"));
      for (size_t i = 0; i < openings.size(); ++i) {
        v1::PersonalDataOpening& opening = line.record.personal_data.emplace_back();
        auto opening_error = [&](const absl::Status& status) {
          return Error(absl::StrCat("\"personal_data\" ", i, ": ", status.message()));
        };
        absl::StatusOr<std::string> field = openings[i].String("field");
        if (!field.ok()) return opening_error(field.status());
        absl::StatusOr<std::string> salt = openings[i].Bytes("salt");
        if (!salt.ok()) return opening_error(salt.status());
        absl::StatusOr<std::string> value = openings[i].String("value");
        if (!value.ok()) return opening_error(value.status());
        opening.set_field(*std::move(field));
        opening.set_salt(*std::move(salt));
        opening.set_value(*std::move(value));
      }
    }
    const uint64_t index = line.record.index;
    if (line.record.trust) {
      if (stage_ > 1) return Error("trust line after record lines");
      stage_ = 1;
      if (header_->filtered ? index >= header_->to : index >= header_->from) {
        return Error(header_->filtered ? "trust line beyond the range"
                                       : "trust line for a record of the range");
      }
      if (last_trust_.has_value() && index <= *last_trust_) {
        return Error(absl::StrCat("trust line ", index, " after trust line ", *last_trust_,
                                  " (not in increasing order)"));
      }
      if (!line.record.proof.has_value()) return Error("trust line without its proof");
      if (!line.record.personal_data.empty()) return Error("trust line with personal-data openings");
      last_trust_ = index;
      if (header_->filtered) trust_indexes_.push_back(index);
      return line;
    }
    stage_ = 2;
    if (header_->filtered) {
      if (index < next_index_ || index >= header_->to) {
        return Error(absl::StrCat("record ", index,
                                  index >= header_->to ? " is beyond the range"
                                  : records_ > 0      ? " after a later record (not in increasing order)"
                                                      : " is before the range"));
      }
      if (ContainsFrom(trust_indexes_, &trust_cursor_, index)) {
        return Error(absl::StrCat("record ", index, " repeats a trust line"));
      }
    } else if (index != next_index_ || next_index_ >= header_->to) {
      return Error(absl::StrCat("record ", index, " where record ", next_index_,
                                next_index_ >= header_->to ? " is beyond the range" : " belongs"));
    }
    if (header_->proofs && !line.record.proof.has_value()) return Error("record line without its proof");
    next_index_ = index + 1;
    ++records_;
    return line;
  }
  if (type == "end") {
    uint64_t records = 0;
    MEMORIA_BUNDLE_FIELD(records, object->Uint("records"));
    if (header_->filtered) {
      if (records != records_) {
        return Error(absl::StrCat("end line counts ", records, " records after ", records_, " record lines"));
      }
    } else if (next_index_ != header_->to || records != header_->to - header_->from) {
      return Error(absl::StrCat("end line after ", records_, " records; the header promises ",
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

namespace {

// Checks the openings of record `index` (bytes `leaf`) against the
// commitments of its entry; each problem is a kPersonalData finding. Returns
// how many openings open their commitment.
uint64_t CheckOpenings(uint64_t index, std::string_view leaf,
                       std::span<const v1::PersonalDataOpening> openings, bool disclosed,
                       const OpeningChecker* checker, LogAuditor& auditor) {
  if (openings.empty()) return 0;
  auto finding = [&](const v1::PersonalDataOpening& opening, const std::string& what) {
    auditor.Report(index, FindingKind::kPersonalData,
                   absl::StrCat("opening of \"", opening.field(), "\": ", what));
  };
  if (!disclosed) {
    for (const v1::PersonalDataOpening& opening : openings) {
      finding(opening, "in a bundle whose header does not say \"disclosed\"");
    }
    return 0;
  }
  if (checker == nullptr) {
    for (const v1::PersonalDataOpening& opening : openings) {
      finding(opening, "no checker of personal-data commitments was given to the verifier");
    }
    return 0;
  }
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  v1::Entry entry;
  if (!record.ok() || !entry.ParseFromString(record->entry())) return 0;  // the auditor reports it
  uint64_t verified = 0;
  for (const v1::PersonalDataOpening& opening : openings) {
    absl::Status opened = absl::NotFoundError("the record has no commitment for this field");
    for (const v1::PersonalDataCommitment& commitment : entry.policy().personal_data()) {
      if (commitment.field() != opening.field()) continue;
      opened = checker->Check(opening, commitment);
      if (opened.ok()) break;
    }
    if (opened.ok()) {
      ++verified;
    } else {
      finding(opening, std::string(opened.message()));
    }
  }
  return verified;
}

}  // namespace

absl::StatusOr<BundleAudit> VerifyBundle(std::istream& in, const Verifier& log_key,
                                         const AuditOptions& options, const BundleHooks& hooks) {
  BundleReader reader(in);
  BundleAudit result;
  ASSIGN_OR_RETURN(result.header, reader.ReadHeader());
  const BundleHeader& header = result.header;
  result.full = header.full();

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
  // Trust records wait for the first record line after them in index order:
  // the auditor applies registrations and revocations as of their index, and a
  // registration may itself be a record line (filtered bundles).
  std::deque<BundleRecordLine> trust;
  auto feed_trust_before = [&](uint64_t limit) {
    while (!trust.empty() && trust.front().index < limit) {
      BundleRecordLine& line = trust.front();
      if (checkpoint.has_value()) {
        auditor.AddTrust(line.index, std::move(line.leaf), *line.proof, *checkpoint);
      }
      trust.pop_front();
    }
  };
  const uint64_t expected = header.to - header.from;
  uint64_t read = 0;
  for (;;) {
    ASSIGN_OR_RETURN(BundleReader::Line line, reader.Next());
    if (line.type == BundleReader::Line::Type::kEnd) break;
    if (line.type == BundleReader::Line::Type::kWriter) {
      if (claimed.size() == kMaxBundleWriterLines) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than ", kMaxBundleWriterLines, " writer lines: not a bundle of a real log"));
      }
      claimed.push_back(std::move(line.writer));
      continue;
    }
    BundleRecordLine& record = line.record;
    if (record.trust) {
      if (trust.size() == kMaxBundleTrustLinesHeld) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than ", kMaxBundleTrustLinesHeld,
            " trust lines before a record line: not a bundle of a real log"));
      }
      trust.push_back(std::move(record));  // the reader checked: with its proof, in order
      continue;
    }
    feed_trust_before(record.index);
    result.openings_verified +=
        CheckOpenings(record.index, record.leaf, record.personal_data, header.disclosed,
                      hooks.opening_checker, auditor);
    if (result.full) {
      auditor.Add(record.index, std::move(record.leaf));
    } else if (checkpoint.has_value()) {
      const std::vector<Hash> proof = record.proof.value_or(std::vector<Hash>{});
      auditor.AddProven(record.index, std::move(record.leaf), proof, *checkpoint);
    }
    if (hooks.after_record) hooks.after_record(auditor);
    ++read;
    if (hooks.progress && read % 4096 == 0) hooks.progress(read, expected);
  }
  feed_trust_before(header.to);
  if (hooks.progress) hooks.progress(read, read);
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
               (found->revoked_at.has_value() && found->revoked_at != writer.revoked_at) ||
               (!found->revoked_at.has_value() && writer.revoked_at.has_value() &&
                (result.full || *writer.revoked_at < header.to))) {
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
  // The auditor kept at most max_findings; the bundle's own findings above
  // join them under the same bound (the first problems listed, the rest counted).
  if (result.report.findings.size() > options.max_findings) {
    result.report.findings_omitted += result.report.findings.size() - options.max_findings;
    result.report.findings.resize(options.max_findings);
  }
  return result;
}

// ---- Export ---------------------------------------------------------------------

namespace {

// The header and writer lines every export begins with.
struct ExportStart {
  Checkpoint checkpoint;
  uint64_t to = 0;
  bool proofs = false;
  // The genesis and the writer registrations and revocations the checkpoint covers.
  std::set<uint64_t> administration;
};

// `header` gives from, proofs (forced for a partial range) and the filter fields.
absl::StatusOr<ExportStart> StartExport(BundleSource& source, const Verifier& log_key,
                                        BundleHeader header, std::optional<uint64_t> to,
                                        BundleWriter& writer) {
  ExportStart start;
  ASSIGN_OR_RETURN(header.checkpoint, source.LatestCheckpoint());
  ASSIGN_OR_RETURN(start.checkpoint, OpenCheckpoint(header.checkpoint, log_key));
  const uint64_t size = start.checkpoint.size;
  start.to = to.value_or(size);
  if (header.from > start.to || start.to > size) {
    return absl::InvalidArgumentError(absl::StrCat("range [", header.from, ", ", start.to,
                                                   ") is not within the checkpoint of ", size,
                                                   " records"));
  }
  header.proofs = header.proofs || header.from > 0 || start.to < size;
  start.proofs = header.proofs;
  ASSIGN_OR_RETURN(header.admin_vkey, source.AdminVkey());
  ASSIGN_OR_RETURN(std::vector<v1::WriterInfo> writers, source.Writers());
  header.origin = start.checkpoint.origin;
  header.log_vkey = log_key.ToString();
  header.tree_size = size;
  header.to = start.to;
  RETURN_IF_ERROR(writer.WriteHeader(header));
  if (size > 0) start.administration.insert(0);
  for (const v1::WriterInfo& info : writers) {
    if (info.registered_at() >= size) continue;  // after the checkpoint
    BundleWriterLine line{.vkey = info.vkey(), .registered_at = info.registered_at(),
                          .description = info.description()};
    if (info.revoked() && info.revoked_at() < size) line.revoked_at = info.revoked_at();
    RETURN_IF_ERROR(writer.WriteWriter(line));
    start.administration.insert(line.registered_at);
    if (line.revoked_at.has_value()) start.administration.insert(*line.revoked_at);
  }
  return start;
}

// Writes record `index` of `source` as a trust or record line with its proof
// in the tree of `tree_size`, and the openings `openings` gives, if any.
absl::Status WriteSourceRecord(
    BundleSource& source, BundleWriter& writer, uint64_t index, uint64_t tree_size, bool trust,
    bool proof,
    const std::function<absl::StatusOr<std::vector<v1::PersonalDataOpening>>(uint64_t)>& openings) {
  bool found = false;
  RETURN_IF_ERROR(source.ScanRecords(index, index + 1, [&](uint64_t i, std::string leaf) {
    found = true;
    BundleRecordLine line{.trust = trust, .index = i, .leaf = std::move(leaf)};
    if (proof) {
      ASSIGN_OR_RETURN(line.proof, source.InclusionProof(i, tree_size));
    }
    if (openings) {
      ASSIGN_OR_RETURN(line.personal_data, openings(i));
    }
    return writer.WriteRecord(line);
  }));
  if (!found) return absl::NotFoundError(absl::StrCat("the log has no record ", index));
  return absl::OkStatus();
}

}  // namespace

absl::Status ExportBundle(BundleSource& source, const Verifier& log_key,
                          const ExportOptions& options, std::ostream& out) {
  BundleWriter writer(out);
  ASSIGN_OR_RETURN(ExportStart start,
                   StartExport(source, log_key, {.from = options.from, .proofs = options.proofs},
                               options.to, writer));
  for (const uint64_t index : start.administration) {
    if (index >= options.from) break;
    RETURN_IF_ERROR(WriteSourceRecord(source, writer, index, start.checkpoint.size, /*trust=*/true,
                                      /*proof=*/true, nullptr));
  }
  RETURN_IF_ERROR(source.ScanRecords(options.from, start.to, [&](uint64_t index, std::string leaf) {
    BundleRecordLine line{.index = index, .leaf = std::move(leaf)};
    if (start.proofs) {
      ASSIGN_OR_RETURN(line.proof, source.InclusionProof(index, start.checkpoint.size));
    }
    return writer.WriteRecord(line);
  }));
  return writer.Finish();
}

absl::Status ExportSelection(BundleSource& source, const Verifier& log_key,
                             const SelectionExportOptions& options, std::ostream& out) {
  BundleWriter writer(out);
  ASSIGN_OR_RETURN(ExportStart start,
                   StartExport(source, log_key,
                               {.from = options.from,
                                .proofs = true,
                                .filtered = true,
                                .query = options.query,
                                .disclosed = static_cast<bool>(options.openings)},
                               options.to, writer));
  const std::span<const uint64_t> selected = options.indexes;
  for (size_t i = 0; i < selected.size(); ++i) {
    if (selected[i] < options.from || selected[i] >= start.to ||
        (i > 0 && selected[i] <= selected[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("selected record ", selected[i], " is out of order or not in [",
                       options.from, ", ", start.to, ")"));
    }
  }
  for (const uint64_t index : start.administration) {
    if (index >= start.to) break;
    if (std::binary_search(selected.begin(), selected.end(), index)) continue;  // a record line
    RETURN_IF_ERROR(WriteSourceRecord(source, writer, index, start.checkpoint.size, /*trust=*/true,
                                      /*proof=*/true, nullptr));
  }
  for (const uint64_t index : selected) {
    RETURN_IF_ERROR(WriteSourceRecord(source, writer, index, start.checkpoint.size,
                                      /*trust=*/false, /*proof=*/true, options.openings));
  }
  return writer.Finish();
}

}  // namespace memoria
