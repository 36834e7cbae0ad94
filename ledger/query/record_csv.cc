#include "ledger/query/record_csv.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/policy/commitment.h"
#include "ledger/query/event_type.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::query {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr std::string_view kTimeSuffix = "_micros";

std::string LowerName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return lower;
}

bool IsTimeField(const FieldDescriptor* field) {
  return field->cpp_type() == FieldDescriptor::CPPTYPE_INT64 &&
         std::string_view(field->name()).ends_with(kTimeSuffix);
}

// One value of `field` of `message` (element `index` of a repeated field, or
// -1) as details text.
std::string ValueText(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          repeated ? reflection->GetRepeatedStringReference(message, field, index, &scratch)
                   : reflection->GetStringReference(message, field, &scratch);
      return field->type() == FieldDescriptor::TYPE_BYTES ? HexEncode(value) : value;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      return LowerName(repeated ? reflection->GetRepeatedEnum(message, field, index)->name()
                                : reflection->GetEnum(message, field)->name());
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection->GetRepeatedBool(message, field, index)
                       : reflection->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t value = repeated ? reflection->GetRepeatedInt64(message, field, index)
                                     : reflection->GetInt64(message, field);
      return IsTimeField(field) ? FormatMicrosUtc(value) : absl::StrCat(value);
    }
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedInt32(message, field, index)
                                   : reflection->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt32(message, field, index)
                                   : reflection->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                                   : reflection->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? reflection->GetRepeatedDouble(message, field, index)
                                   : reflection->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? reflection->GetRepeatedFloat(message, field, index)
                                   : reflection->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;  // flattened by AppendDetails
  }
  return "";
}

// Appends "name=value" for every field of `message` not at its default, in
// field order; nested messages as "prefix.name=value".
void AppendDetails(const Message& message, const std::string& prefix,
                   std::vector<std::string>& out) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);  // set fields, by number
  for (const FieldDescriptor* field : fields) {
    std::string name = prefix + field->name();
    if (IsTimeField(field)) name.resize(name.size() - kTimeSuffix.size());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const Reflection* reflection = message.GetReflection();
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          AppendDetails(reflection->GetRepeatedMessage(message, field, i), name + ".", out);
        }
      } else {
        AppendDetails(reflection->GetMessage(message, field), name + ".", out);
      }
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < message.GetReflection()->FieldSize(message, field); ++i) {
        out.push_back(absl::StrCat(name, "=", ValueText(message, field, i)));
      }
    } else {
      out.push_back(absl::StrCat(name, "=", ValueText(message, field, -1)));
    }
  }
}

// The message held by the set field of oneof `oneof_name` of `message`, or nullptr.
const Message* OneofMessage(const Message& message, const char* oneof_name) {
  const google::protobuf::OneofDescriptor* oneof =
      message.GetDescriptor()->FindOneofByName(oneof_name);
  const FieldDescriptor* field = message.GetReflection()->GetOneofFieldDescriptor(message, oneof);
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
  return &message.GetReflection()->GetMessage(message, field);
}

std::string Details(const v1::Entry& entry) {
  std::vector<std::string> parts;
  if (entry.has_generic()) {
    std::vector<std::pair<std::string, std::string>> attributes(
        entry.generic().attributes().begin(), entry.generic().attributes().end());
    std::sort(attributes.begin(), attributes.end());
    for (const auto& [key, value] : attributes) parts.push_back(absl::StrCat(key, "=", value));
  } else if (entry.has_policy()) {
    if (const Message* kind = OneofMessage(entry.policy(), "kind")) AppendDetails(*kind, "", parts);
  } else if (const Message* event = OneofMessage(entry, "event")) {
    AppendDetails(*event, "", parts);
  }
  return absl::StrJoin(parts, "; ");
}

absl::StatusOr<std::string> PersonalData(uint64_t index, const v1::PolicyEvent& event,
                                         const std::vector<v1::PersonalDataOpening>* disclosed) {
  std::vector<std::string> parts;
  for (const v1::PersonalDataCommitment& commitment : event.personal_data()) {
    const std::string digest = absl::StrCat("sha256:", HexEncode(commitment.digest()));
    if (disclosed == nullptr) {
      parts.push_back(absl::StrCat(commitment.field(), "=", digest));
      continue;
    }
    const v1::PersonalDataOpening* opened = nullptr;
    absl::Status mismatch;
    for (const v1::PersonalDataOpening& opening : *disclosed) {
      if (opening.field() != commitment.field()) continue;
      absl::Status status = policy::CheckOpening(opening, commitment);
      if (status.ok()) {
        opened = &opening;
        break;
      }
      mismatch = status;
    }
    if (opened != nullptr) {
      parts.push_back(absl::StrCat(commitment.field(), "=", opened->value()));
    } else if (!mismatch.ok()) {
      return absl::DataLossError(absl::StrCat("record ", index, ": ", std::string(mismatch.message())));
    } else {
      parts.push_back(absl::StrCat(commitment.field(), "=", digest, " (erased)"));
    }
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> columns = {
      "index",        "integrated_at", "event_time",  "writer",     "event_type",
      "generic_type", "platform",      "account",     "actor_email", "actor_name",
      "actor_dependency", "refers_to", "details",     "personal_data", "leaf_hash"};
  return columns;
}

std::string CsvHeaderRow() { return absl::StrCat(absl::StrJoin(CsvColumns(), ","), "\r\n"); }

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string SpreadsheetText(std::string_view text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos) {
    return std::string(text);
  }
  return absl::StrCat("'", std::string(text));
}

namespace {

struct CivilDate {
  int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's
// civil_from_days, in int64: any day of an int64 of microseconds).
CivilDate DateOfDay(int64_t days) {
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t day_of_era = z - era * 146'097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

}  // namespace

std::string FormatMicrosUtc(int64_t micros) {
  constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;
  // Floor division and remainder, without overflow at either end of int64.
  int64_t in_day = micros % kMicrosPerDay;
  int64_t day = micros / kMicrosPerDay;
  if (in_day < 0) {
    in_day += kMicrosPerDay;
    --day;
  }
  const CivilDate date = DateOfDay(day);
  const int64_t fraction = in_day % 1'000'000;
  in_day /= 1'000'000;
  char text[64];
  std::snprintf(text, sizeof(text), "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60), static_cast<int>(fraction));
  return text;
}

absl::StatusOr<std::string> CsvRow(uint64_t index, std::string_view leaf,
                                   const std::vector<v1::PersonalDataOpening>* disclosed,
                                   const Hash* leaf_hash) {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  if (!record.ok()) {
    return absl::DataLossError(absl::StrCat("record ", index, ": ", std::string(record.status().message())));
  }
  v1::Entry entry;
  if (!entry.ParseFromString(record->entry())) {
    return absl::DataLossError(
        absl::StrCat("record ", index, ": entry bytes are not a memoria.v1.Entry"));
  }
  std::string platform, account, actor_email, actor_name, actor_dependency, refers_to,
      personal_data;
  if (entry.has_policy()) {
    const v1::PolicyEvent& event = entry.policy();
    if (event.account().platform() != v1::PLATFORM_UNSPECIFIED) {
      platform = LowerName(v1::Platform_Name(event.account().platform()));
    }
    account = event.account().handle();
    actor_email = event.actor().email();
    actor_name = event.actor().name();
    actor_dependency = event.actor().dependency();
    if (event.has_refers_to()) refers_to = absl::StrCat(event.refers_to());
    absl::StatusOr<std::string> data = PersonalData(index, event, disclosed);
    if (!data.ok()) return data.status();
    personal_data = *std::move(data);
  }
  const std::string fields[] = {
      absl::StrCat(index),
      FormatMicrosUtc(record->integration_time_micros()),
      FormatMicrosUtc(entry.event_time_micros()),
      entry.writer(),
      std::string(EventTypeName(entry)),
      std::string(GenericTypeName(entry)),
      platform,
      account,
      actor_email,
      actor_name,
      actor_dependency,
      refers_to,
      Details(entry),
      personal_data,
      HexEncode(AsBytes(leaf_hash != nullptr ? *leaf_hash : LeafHash(leaf))),
  };
  assert(std::size(fields) == CsvColumns().size());
  std::string row;
  for (size_t i = 0; i < std::size(fields); ++i) {
    if (i > 0) row.push_back(',');
    row.append(CsvField(SpreadsheetText(fields[i])));
  }
  row.append("\r\n");
  return row;
}

}  // namespace memoria::query
