#include "ledger/query/record_csv.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <unordered_map>
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
#include "ledger/query/institution_time.h"
#include "ledger/verify/bundle.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::query {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using policy::Language;

constexpr std::string_view kTimeSuffix = "_micros";

struct Words {
  std::string_view id;
  std::string_view es;
  std::string_view en;
};

// The headers of the fixed columns and of the event-field columns.
constexpr Words kColumnLabels[] = {
    {"index", "Número de registro", "Record number"},
    {"integrated_at", "Fecha de registro en el libro", "Logged at"},
    {"event_time", "Fecha del evento", "Event time"},
    {"event_type_label", "Tipo de evento", "Event type"},
    {"event_type", "Código del tipo", "Type code"},
    {"generic_type", "Tipo genérico", "Generic type"},
    {"platform", "Red social", "Platform"},
    {"account", "Cuenta", "Account"},
    {"actor_email", "Correo del funcionario", "Official's email"},
    {"actor_name", "Nombre del funcionario", "Official's name"},
    {"actor_dependency", "Dependencia del funcionario", "Official's dependency"},
    {"refers_to", "Registro relacionado", "Related record"},
    {"writer", "Escritor (clave)", "Writer (key)"},
    {"admin_vkey", "Clave del administrador", "Administrator key"},
    {"vkey", "Clave pública del escritor", "Writer public key"},
    {"description", "Descripción", "Description"},
    {"reason", "Motivo", "Reason"},
    {"dependency", "Dependencia", "Dependency"},
    {"display_name", "Nombre visible de la cuenta", "Display name"},
    {"kind", "Clase de cuenta", "Account kind"},
    {"responsible_director", "Director responsable", "Responsible director"},
    {"url", "Enlace (URL)", "URL"},
    {"closure", "Clase de cierre", "Closure"},
    {"person.email", "Correo de la persona designada", "Appointed person's email"},
    {"person.name", "Nombre de la persona designada", "Appointed person's name"},
    {"person.dependency", "Dependencia de la persona designada", "Appointed person's dependency"},
    {"person.head_of_dependency", "Jefe de dependencia", "Head of dependency"},
    {"employment_link", "Vinculación laboral", "Employment link"},
    {"responsible", "Administrador responsable", "Responsible administrator"},
    {"person_email", "Correo de la persona", "Person's email"},
    {"platform_post_id", "Id. de la publicación", "Post id"},
    {"content_sha256", "SHA-256 del contenido", "Content SHA-256"},
    {"text", "Texto", "Text"},
    {"action", "Acción", "Action"},
    {"platform_comment_id", "Id. del comentario", "Comment id"},
    {"platform_reply_id", "Id. de la respuesta", "Reply id"},
    {"reply_text", "Texto de la respuesta", "Reply text"},
    {"other_reason", "Otro motivo", "Other reason"},
    {"window_start", "Inicio autorizado", "Authorized start"},
    {"window_end", "Fin autorizado", "Authorized end"},
    {"title", "Título", "Title"},
    {"platform_stream_id", "Id. de la transmisión", "Stream id"},
    {"platform_message_id", "Id. del mensaje", "Message id"},
    {"filing_number", "Número de radicado", "Filing number"},
    {"original_url", "Enlace original", "Original URL"},
    {"request_reference", "Referencia de la solicitud", "Request reference"},
    {"admin_signature", "Firma del administrador", "Administrator signature"},
    {"successor_vkey", "Clave del administrador sucesor", "Successor administrator key"},
    {"name", "Nombre notificado", "Name notified"},
    {"mayor_announcement", "Anuncio del alcalde", "Mayor's announcement"},
    {"systems_approver", "Aprobó por Sistemas de Información", "Approved for Information Systems"},
    {"attributes", "Atributos (JSON)", "Attributes (JSON)"},
    {"personal_data", "Datos personales (JSON)", "Personal data (JSON)"},
    {"leaf_hash", "Hash de la hoja (SHA-256)", "Leaf hash (SHA-256)"},
};

// The policy's enum values (lower-case names) in words.
constexpr Words kEnumLabels[] = {
    {"main", "principal", "main"},
    {"alternate", "alterna", "alternate"},
    {"temporary", "temporal", "temporary"},
    {"definitive", "definitivo", "definitive"},
    {"hidden", "oculto", "hidden"},
    {"deleted", "eliminado", "deleted"},
    {"spam", "spam", "spam"},
    {"advertising", "publicidad", "advertising"},
    {"against_public_health", "contra la salud pública", "against public health"},
    {"against_coexistence_or_safety", "contra la convivencia o la seguridad",
     "against coexistence or safety"},
    {"invites_to_break_the_law", "invita a infringir la ley", "invites to break the law"},
    {"other_reason", "otro motivo", "other reason"},
};

template <size_t N>
const Words* FindWords(const Words (&table)[N], std::string_view id) {
  for (const Words& words : table) {
    if (words.id == id) return &words;
  }
  return nullptr;
}

std::string LowerName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return lower;
}

bool IsTimeField(const FieldDescriptor* field) {
  return field->cpp_type() == FieldDescriptor::CPPTYPE_INT64 &&
         std::string_view(field->name()).ends_with(kTimeSuffix);
}

// The column name of `field` under `prefix` ("person." for a nested one).
std::string ColumnName(const std::string& prefix, const FieldDescriptor* field) {
  std::string name = prefix + field->name();
  if (IsTimeField(field)) name.resize(name.size() - kTimeSuffix.size());
  return name;
}

void AddFieldColumns(const Descriptor* message, const std::string& prefix,
                     std::vector<std::string>& columns) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      AddFieldColumns(field->message_type(), ColumnName(prefix, field) + ".", columns);
      continue;
    }
    const std::string name = ColumnName(prefix, field);
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  }
}

constexpr const char* kLeadingColumns[] = {
    "index",      "integrated_at", "event_time",       "event_type_label", "event_type",
    "generic_type", "platform",    "account",          "actor_email",      "actor_name",
    "actor_dependency", "refers_to", "writer"};

// The event fields' columns: one per field name, in the .proto files' order;
// a field named like a leading column shares it (PlatformApproved's platform
// is the "Red social" of an event with no account).
std::vector<std::string> CollectEventFieldColumns() {
  std::vector<std::string> columns;
  const auto add_oneof = [&](const Descriptor* descriptor, const char* oneof_name) {
    const google::protobuf::OneofDescriptor* oneof = descriptor->FindOneofByName(oneof_name);
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* field = oneof->field(i);
      // policy: its kinds below; generic: its attributes column.
      if (field->name() == "policy" || field->name() == "generic") continue;
      AddFieldColumns(field->message_type(), "", columns);
    }
  };
  add_oneof(v1::Entry::descriptor(), "event");
  add_oneof(v1::PolicyEvent::descriptor(), "kind");
  std::erase_if(columns, [](const std::string& column) {
    return std::find(std::begin(kLeadingColumns), std::end(kLeadingColumns), column) !=
           std::end(kLeadingColumns);
  });
  return columns;
}

constexpr const char* kTrailingColumns[] = {"attributes", "personal_data", "leaf_hash"};

// One value of `field` of `message` (element `index` of a repeated field, or
// -1) as cell text.
std::string ValueText(const Message& message, const FieldDescriptor* field, int index,
                      const CsvOptions& options) {
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
      return EnumValueLabel(LowerName(repeated ? reflection->GetRepeatedEnum(message, field, index)->name()
                                               : reflection->GetEnum(message, field)->name()),
                            options.language);
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection->GetRepeatedBool(message, field, index)
                       : reflection->GetBool(message, field))
                 ? (options.language == Language::kEs ? "sí" : "yes")
                 : "no";
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t value = repeated ? reflection->GetRepeatedInt64(message, field, index)
                                     : reflection->GetInt64(message, field);
      return IsTimeField(field) ? FormatInstitutionTime(value, options.zone) : absl::StrCat(value);
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
      break;  // flattened by FieldValues
  }
  return "";
}

// A row's cells, by position in CsvColumns().
using Cells = std::vector<std::string>;

// The position of column `id` in CsvColumns().
size_t ColumnIndex(const std::string& id);

// Sets the cell of each field of `message` not at its default; nested
// messages as "prefix.name". A repeated field: a JSON array.
void FieldValues(const Message& message, const std::string& prefix, const CsvOptions& options,
                 Cells& cells) {
  std::vector<const FieldDescriptor*> fields;
  const Reflection* reflection = message.GetReflection();
  reflection->ListFields(message, &fields);  // set fields, by number
  for (const FieldDescriptor* field : fields) {
    const std::string name = ColumnName(prefix, field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        FieldValues(reflection->GetMessage(message, field), name + ".", options, cells);
      }
      continue;  // no built-in event has a repeated message
    }
    if (field->is_repeated()) {
      std::vector<std::string> values;
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        values.push_back(JsonQuote(ValueText(message, field, i, options)));
      }
      cells[ColumnIndex(name)] = absl::StrCat("[", absl::StrJoin(values, ","), "]");
    } else {
      cells[ColumnIndex(name)] = ValueText(message, field, -1, options);
    }
  }
}

// A JSON object of `members`, in their order.
std::string JsonObject(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    if (out.size() > 1) out.push_back(',');
    absl::StrAppend(&out, JsonQuote(key), ":", JsonQuote(value));
  }
  out.push_back('}');
  return out;
}

// The message held by the set field of oneof `oneof_name` of `message`, or nullptr.
const Message* OneofMessage(const Message& message, const char* oneof_name) {
  const google::protobuf::OneofDescriptor* oneof =
      message.GetDescriptor()->FindOneofByName(oneof_name);
  const FieldDescriptor* field = message.GetReflection()->GetOneofFieldDescriptor(message, oneof);
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
  return &message.GetReflection()->GetMessage(message, field);
}

// Sets the event-field cells of `entry` (not a generic event: its attributes
// have their own column).
void EventFields(const v1::Entry& entry, const CsvOptions& options, Cells& cells) {
  if (entry.has_policy()) {
    if (const Message* kind = OneofMessage(entry.policy(), "kind")) {
      FieldValues(*kind, "", options, cells);
    }
  } else if (!entry.has_generic()) {
    if (const Message* event = OneofMessage(entry, "event")) FieldValues(*event, "", options, cells);
  }
}

std::string Attributes(const v1::Entry& entry) {
  if (!entry.has_generic()) return "";
  std::vector<std::pair<std::string, std::string>> attributes(entry.generic().attributes().begin(),
                                                              entry.generic().attributes().end());
  std::sort(attributes.begin(), attributes.end());
  return JsonObject(attributes);
}

absl::StatusOr<std::string> PersonalData(uint64_t index, const v1::PolicyEvent& event,
                                         const std::vector<v1::PersonalDataOpening>* disclosed,
                                         Language lang) {
  if (event.personal_data().empty()) return std::string();
  std::vector<std::pair<std::string, std::string>> members;
  for (const v1::PersonalDataCommitment& commitment : event.personal_data()) {
    const std::string digest = absl::StrCat("sha256:", HexEncode(commitment.digest()));
    if (disclosed == nullptr) {
      members.emplace_back(commitment.field(), digest);
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
      members.emplace_back(commitment.field(), opened->value());
    } else if (!mismatch.ok()) {
      return absl::DataLossError(absl::StrCat("record ", index, ": ", std::string(mismatch.message())));
    } else {
      members.emplace_back(commitment.field(),
                           absl::StrCat(digest, lang == Language::kEs ? " (suprimido)" : " (erased)"));
    }
  }
  return JsonObject(members);
}

}  // namespace

const std::vector<std::string>& EventFieldColumns() {
  static const std::vector<std::string> columns = CollectEventFieldColumns();
  return columns;
}

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> all(std::begin(kLeadingColumns), std::end(kLeadingColumns));
    all.insert(all.end(), EventFieldColumns().begin(), EventFieldColumns().end());
    all.insert(all.end(), std::begin(kTrailingColumns), std::end(kTrailingColumns));
    return all;
  }();
  return columns;
}

namespace {

size_t ColumnIndex(const std::string& id) {
  static const std::unordered_map<std::string, size_t> positions = [] {
    std::unordered_map<std::string, size_t> out;
    for (size_t i = 0; i < CsvColumns().size(); ++i) out.emplace(CsvColumns()[i], i);
    return out;
  }();
  const auto found = positions.find(id);
  assert(found != positions.end());  // every field of a built-in event has its column
  return found->second;
}

}  // namespace

std::string CsvColumnLabel(std::string_view id, Language lang) {
  const Words* words = FindWords(kColumnLabels, id);
  if (words == nullptr) return std::string(id);
  return std::string(lang == Language::kEs ? words->es : words->en);
}

bool HasCsvColumnLabel(std::string_view id) { return FindWords(kColumnLabels, id) != nullptr; }

std::string EnumValueLabel(std::string_view value, Language lang) {
  const Words* words = FindWords(kEnumLabels, value);
  if (words == nullptr) return std::string(value);
  return std::string(lang == Language::kEs ? words->es : words->en);
}

bool HasEnumValueLabel(std::string_view value) { return FindWords(kEnumLabels, value) != nullptr; }

std::string CsvHeaderRow(const CsvOptions& options) {
  std::string row;
  for (const std::string& column : CsvColumns()) {
    if (!row.empty()) row.push_back(options.separator);
    row.append(CsvField(CsvColumnLabel(column, options.language), options.separator));
  }
  row.append("\r\n");
  return row;
}

std::string CsvFileStart(const CsvOptions& options) {
  return absl::StrCat(kUtf8Bom, CsvHeaderRow(options));
}

std::string CsvField(std::string_view text, char separator) {
  const char special[] = {separator, ',', ';', '"', '\r', '\n', '\0'};
  if (text.find_first_of(special) == std::string_view::npos) return std::string(text);
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
                                   const CsvOptions& options, const Hash* leaf_hash) {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  if (!record.ok()) {
    return absl::DataLossError(absl::StrCat("record ", index, ": ", std::string(record.status().message())));
  }
  v1::Entry entry;
  if (!entry.ParseFromString(record->entry())) {
    return absl::DataLossError(
        absl::StrCat("record ", index, ": entry bytes are not a memoria.v1.Entry"));
  }
  static const size_t kIndex = ColumnIndex("index"), kIntegratedAt = ColumnIndex("integrated_at"),
                      kEventTime = ColumnIndex("event_time"),
                      kTypeLabel = ColumnIndex("event_type_label"), kType = ColumnIndex("event_type"),
                      kGenericType = ColumnIndex("generic_type"), kWriter = ColumnIndex("writer"),
                      kPlatform = ColumnIndex("platform"), kAccount = ColumnIndex("account"),
                      kActorEmail = ColumnIndex("actor_email"), kActorName = ColumnIndex("actor_name"),
                      kActorDependency = ColumnIndex("actor_dependency"),
                      kRefersTo = ColumnIndex("refers_to"), kPersonalData = ColumnIndex("personal_data"),
                      kAttributes = ColumnIndex("attributes"), kLeafHash = ColumnIndex("leaf_hash");
  Cells cells(CsvColumns().size());
  const std::string_view type = EventTypeName(entry);
  cells[kIndex] = absl::StrCat(index);
  cells[kIntegratedAt] = FormatInstitutionTime(record->integration_time_micros(), options.zone);
  cells[kEventTime] = FormatInstitutionTime(entry.event_time_micros(), options.zone);
  cells[kTypeLabel] = std::string(policy::EventTypeLabel(type, options.language));
  cells[kType] = std::string(type);
  cells[kGenericType] = std::string(GenericTypeName(entry));
  cells[kWriter] = entry.writer();
  if (entry.has_policy()) {
    const v1::PolicyEvent& event = entry.policy();
    if (event.account().platform() != v1::PLATFORM_UNSPECIFIED) {
      cells[kPlatform] = LowerName(v1::Platform_Name(event.account().platform()));
    }
    cells[kAccount] = event.account().handle();
    cells[kActorEmail] = event.actor().email();
    cells[kActorName] = event.actor().name();
    cells[kActorDependency] = event.actor().dependency();
    if (event.has_refers_to()) cells[kRefersTo] = absl::StrCat(event.refers_to());
    absl::StatusOr<std::string> data = PersonalData(index, event, disclosed, options.language);
    if (!data.ok()) return data.status();
    cells[kPersonalData] = *std::move(data);
  }
  EventFields(entry, options, cells);
  cells[kAttributes] = Attributes(entry);
  cells[kLeafHash] = HexEncode(AsBytes(leaf_hash != nullptr ? *leaf_hash : LeafHash(leaf)));
  std::string row;
  row.reserve(512);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) row.push_back(options.separator);
    if (!cells[i].empty()) row.append(CsvField(SpreadsheetText(cells[i]), options.separator));
  }
  row.append("\r\n");
  return row;
}

}  // namespace memoria::query
