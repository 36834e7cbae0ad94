// The CSV form of records: the BOM, the separator, RFC 4180 quoting, the
// formula-injection guard, Spanish and English headers, one row of the
// documented columns for every built-in event type (one column per event
// field, attributes as JSON), personal data redacted unless disclosed, and
// times in the institution's zone.
#include "ledger/query/record_csv.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/policy/commitment.h"
#include "ledger/query/event_type.h"
#include "ledger/query/institution_time.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::query {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// A small RFC 4180 reader: the rows of `csv`, each a list of fields. Fails the
// test on anything RFC 4180 does not allow (a bare CR or LF, a quote inside an
// unquoted field, text after a closing quote, no CRLF at the end).
std::vector<std::vector<std::string>> ParseCsv(std::string_view csv, char separator = ';') {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  size_t i = 0;
  while (i < csv.size()) {
    std::string field;
    if (csv[i] == '"') {
      ++i;
      for (;;) {
        if (i >= csv.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (csv[i] == '"') {
          if (i + 1 < csv.size() && csv[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(csv[i++]);
      }
    } else {
      while (i < csv.size() && csv[i] != separator && csv[i] != '\r') {
        EXPECT_NE(csv[i], '"') << "quote inside an unquoted field";
        EXPECT_NE(csv[i], '\n') << "bare LF";
        field.push_back(csv[i++]);
      }
    }
    row.push_back(std::move(field));
    if (i < csv.size() && csv[i] == separator) {
      ++i;
      continue;
    }
    if (csv.substr(i, 2) != "\r\n") {
      ADD_FAILURE() << "field not followed by the separator or CRLF at byte " << i;
      return rows;
    }
    i += 2;
    rows.push_back(std::move(row));
    row.clear();
  }
  EXPECT_TRUE(row.empty()) << "last row not ended by CRLF";
  return rows;
}

// The stored bytes of a record holding `entry` (signature and chain link are
// not the CSV's business: zeros).
std::string Leaf(const v1::Entry& entry, uint64_t index, int64_t integrated_at = 1772366400000123) {
  v1::Record record;
  record.set_entry(entry.SerializeAsString());
  record.set_writer_signature(std::string(64, '\0'));
  record.set_writer_key_id(0x01020304);
  record.set_index(index);
  record.set_prev_leaf_hash(std::string(kHashSize, '\0'));
  record.set_integration_time_micros(integrated_at);
  return EncodeRecord(record);
}

std::string FixedSalt(size_t n) { return std::string(n, 's'); }

v1::Entry PolicyEntry() {
  v1::Entry entry;
  entry.set_writer("svc-posts");
  entry.set_request_id("r1");
  entry.set_event_time_micros(1772366400000000);
  v1::PolicyEvent& event = *entry.mutable_policy();
  event.mutable_actor()->set_email("jperez@pasto.gov.co");
  event.mutable_actor()->set_name("Juan Pérez");
  event.mutable_actor()->set_dependency("Oficina de Comunicación Social");
  event.mutable_account()->set_platform(v1::FACEBOOK);
  event.mutable_account()->set_handle("alcaldiapasto");
  return entry;
}

// The options of the golden tests: Spanish, ';', Pasto's zone.
CsvOptions Pasto(char separator = ';', policy::Language lang = policy::Language::kEs) {
  CsvOptions options;
  options.separator = separator;
  options.language = lang;
  absl::StatusOr<absl::TimeZone> zone = LoadInstitutionZone("America/Bogota");
  EXPECT_TRUE(zone.ok()) << zone.status();
  if (zone.ok()) options.zone = *zone;
  return options;
}

// A row's cells by column id.
std::map<std::string, std::string> RowMap(const std::string& row, char separator = ';') {
  std::vector<std::vector<std::string>> rows = ParseCsv(row, separator);
  std::map<std::string, std::string> out;
  if (rows.size() != 1 || rows[0].size() != CsvColumns().size()) {
    ADD_FAILURE() << "not one row of every column: " << row;
    return out;
  }
  for (size_t i = 0; i < rows[0].size(); ++i) out[CsvColumns()[i]] = rows[0][i];
  return out;
}

size_t ColumnOf(std::string_view id) {
  const std::vector<std::string>& columns = CsvColumns();
  return static_cast<size_t>(std::find(columns.begin(), columns.end(), id) - columns.begin());
}

TEST(CsvFieldTest, QuotesOnlyWhatRfc4180Requires) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField(""), "");
  // Either separator is quoted, whichever is in use, so that a program that
  // guesses the other one still reads one cell.
  EXPECT_EQ(CsvField("a;b"), "\"a;b\"");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("a,b", ','), "\"a,b\"");
  EXPECT_EQ(CsvField("a;b", ','), "\"a;b\"");
  EXPECT_EQ(CsvField("a\tb", '\t'), "\"a\tb\"");
  EXPECT_EQ(CsvField("say \"hola\""), "\"say \"\"hola\"\"\"");
  EXPECT_EQ(CsvField("line\rbreak"), "\"line\rbreak\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("\r\n"), "\"\r\n\"");
  // UTF-8 passes through byte for byte.
  EXPECT_EQ(CsvField("Señor Muñoz, ¿qué tal? 🎉"), "\"Señor Muñoz, ¿qué tal? 🎉\"");
  EXPECT_EQ(CsvField("Nariño 🌋"), "Nariño 🌋");
}

TEST(CsvTest, TheFileStartsWithTheBomAndSpanishHeaders) {
  const std::string start = CsvFileStart(Pasto());
  ASSERT_EQ(start.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(start.substr(3), CsvHeaderRow(Pasto()));
  EXPECT_TRUE(start.substr(3).starts_with(
      "Número de registro;Fecha de registro en el libro;Fecha del evento;Tipo de evento;"
      "Código del tipo;Tipo genérico;Red social;Cuenta;Correo del funcionario;"))
      << start;
  EXPECT_TRUE(start.ends_with(";Atributos (JSON);Datos personales (JSON);Hash de la hoja (SHA-256)\r\n"))
      << start;
  std::vector<std::vector<std::string>> header = ParseCsv(start.substr(3));
  ASSERT_EQ(header.size(), 1u);
  ASSERT_EQ(header[0].size(), CsvColumns().size());
  EXPECT_EQ(header[0][ColumnOf("actor_dependency")], "Dependencia del funcionario");
  EXPECT_EQ(header[0][ColumnOf("filing_number")], "Número de radicado");
  // English, with commas.
  const std::string english = CsvHeaderRow(Pasto(',', policy::Language::kEn));
  EXPECT_TRUE(english.starts_with("Record number,Logged at,Event time,Event type,Type code,"))
      << english;
  EXPECT_EQ(ParseCsv(english, ',')[0].size(), CsvColumns().size());
}

TEST(CsvTest, EveryColumnHasLabelsInBothLanguagesAndNoTwoColumnsShareOne) {
  std::set<std::string> es, en;
  for (const std::string& column : CsvColumns()) {
    EXPECT_TRUE(HasCsvColumnLabel(column)) << column;
    EXPECT_TRUE(es.insert(CsvColumnLabel(column, policy::Language::kEs)).second) << column;
    EXPECT_TRUE(en.insert(CsvColumnLabel(column, policy::Language::kEn)).second) << column;
  }
  // The event-field columns come from the .proto files: a known few.
  for (const char* field : {"reason", "platform_post_id", "person.email", "window_start",
                            "filing_number", "request_reference", "vkey", "admin_vkey"}) {
    EXPECT_LT(ColumnOf(field), CsvColumns().size()) << field;
  }
  EXPECT_EQ(CsvColumns().front(), "index");
  EXPECT_EQ(CsvColumns().back(), "leaf_hash");
}

TEST(CsvTest, EveryEnumValueOfThePolicyHasWords) {
  const google::protobuf::FileDescriptor* file = v1::PolicyEvent::descriptor()->file();
  for (int e = 0; e < file->enum_type_count(); ++e) {
    const google::protobuf::EnumDescriptor* type = file->enum_type(e);
    if (type->name() == "Platform") continue;  // platform names are names
    for (int v = 0; v < type->value_count(); ++v) {
      if (type->value(v)->number() == 0) continue;  // unspecified: a default, never shown
      std::string name = type->value(v)->name();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_TRUE(HasEnumValueLabel(name)) << type->name() << "." << name;
    }
  }
  EXPECT_EQ(EnumValueLabel("hidden", policy::Language::kEs), "oculto");
  EXPECT_EQ(EnumValueLabel("hidden", policy::Language::kEn), "hidden");
}

TEST(CsvTest, FieldsThatNeedQuotingRoundTripAndAttributesAreUnambiguousJson) {
  v1::Entry entry;
  entry.set_writer("svc-posts");
  v1::GenericEvent& generic = *entry.mutable_generic();
  generic.set_type("post.published");
  (*generic.mutable_attributes())["text"] = "Hola; \"Pasto\"\r\nlínea 2 — ñandú 🎉";
  (*generic.mutable_attributes())["b"] = "x; text=forged";
  for (char separator : {';', ','}) {
    absl::StatusOr<std::string> row = CsvRow(7, Leaf(entry, 7), nullptr, Pasto(separator));
    ASSERT_TRUE(row.ok()) << row.status();
    std::map<std::string, std::string> fields = RowMap(*row, separator);
    // A text holding "; name=" cannot pass for another attribute: JSON strings.
    EXPECT_EQ(fields["attributes"],
              "{\"b\":\"x; text=forged\",\"text\":\"Hola; \\\"Pasto\\\"\\r\\nlínea 2 — ñandú 🎉\"}");
    EXPECT_EQ(fields["event_type"], "generic");
    EXPECT_EQ(fields["event_type_label"], "Evento genérico");
    EXPECT_EQ(fields["generic_type"], "post.published");
    EXPECT_EQ(fields["index"], "7");
    EXPECT_EQ(fields["platform"], "");
  }
}

TEST(CsvTest, TextASpreadsheetWouldRunAsAFormulaIsDefused) {
  v1::Entry entry = PolicyEntry();
  entry.mutable_policy()->mutable_account()->set_handle("=HYPERLINK(\"http://x\")");
  entry.mutable_policy()->mutable_actor()->set_name("+1-2");
  entry.mutable_policy()->mutable_actor()->set_dependency("@SUM(A1)");
  entry.mutable_policy()->mutable_post_published()->set_text("-3");
  entry.mutable_policy()->mutable_post_published()->set_url("\t=1+1");
  absl::StatusOr<std::string> row = CsvRow(9, Leaf(entry, 9), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  EXPECT_EQ(fields["account"], "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(fields["actor_name"], "'+1-2");
  EXPECT_EQ(fields["actor_dependency"], "'@SUM(A1)");
  EXPECT_EQ(fields["text"], "'-3");  // every cell, the event's own fields too
  EXPECT_EQ(fields["url"], "'\t=1+1");
  EXPECT_EQ(fields["actor_email"], "jperez@pasto.gov.co");
  EXPECT_EQ(SpreadsheetText("\tx"), "'\tx");
  EXPECT_EQ(SpreadsheetText("\rx"), "'\rx");
  EXPECT_EQ(SpreadsheetText("Pasto"), "Pasto");
  EXPECT_EQ(SpreadsheetText(""), "");
  // No raw cell of the row starts with a formula character.
  for (const auto& [column, text] : fields) {
    if (!text.empty()) {
      EXPECT_EQ(std::string("=+-@").find(text.front()), std::string::npos) << column;
    }
  }
}

TEST(CsvTest, EveryBuiltInEventTypeGivesOneRowOfEveryColumn) {
  const google::protobuf::Descriptor* policy = v1::PolicyEvent::descriptor();
  const google::protobuf::OneofDescriptor* kinds = policy->FindOneofByName("kind");
  std::vector<std::string> seen;
  std::string csv = CsvFileStart(Pasto());
  auto add = [&](const v1::Entry& entry) {
    absl::StatusOr<std::string> row = CsvRow(seen.size(), Leaf(entry, seen.size()), nullptr, Pasto());
    ASSERT_TRUE(row.ok()) << row.status();
    csv += *row;
    seen.push_back(std::string(EventTypeName(entry)));
  };
  {
    v1::Entry entry;
    entry.set_writer("audit.test/log");
    entry.mutable_genesis()->set_admin_vkey("admin+01020304+AQ");
    add(entry);
    entry.mutable_writer_registered()->set_vkey("svc+01020304+AQ");
    entry.mutable_writer_registered()->set_description("posts service");
    add(entry);
    entry.mutable_writer_revoked()->set_vkey("svc+01020304+AQ");
    add(entry);
    entry.mutable_administrator_appointed()->set_successor_vkey("admin-2+01020304+AQ");
    add(entry);
    entry.mutable_generic()->set_type("post.published");
    add(entry);
  }
  for (int i = 0; i < kinds->field_count(); ++i) {
    v1::Entry entry = PolicyEntry();
    v1::PolicyEvent& event = *entry.mutable_policy();
    google::protobuf::Message* kind =
        event.GetReflection()->MutableMessage(&event, kinds->field(i));
    // Every string field of the kind set, so that its columns have something to show.
    for (int f = 0; f < kind->GetDescriptor()->field_count(); ++f) {
      const google::protobuf::FieldDescriptor* field = kind->GetDescriptor()->field(f);
      if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !field->is_repeated()) {
        kind->GetReflection()->SetString(kind, field, "v; \"" + field->name() + "\"");
      }
    }
    add(entry);
  }
  ASSERT_EQ(csv.substr(0, 3), kUtf8Bom);
  std::vector<std::vector<std::string>> rows = ParseCsv(csv.substr(3));
  ASSERT_EQ(rows.size(), seen.size() + 1);
  std::vector<std::string> types;
  for (size_t r = 1; r < rows.size(); ++r) {
    ASSERT_THAT(rows[r], SizeIs(CsvColumns().size())) << "row " << r;
    EXPECT_EQ(rows[r][0], std::to_string(r - 1));
    EXPECT_EQ(rows[r][ColumnOf("event_type")], seen[r - 1]);
    EXPECT_EQ(rows[r][ColumnOf("event_type_label")],
              policy::EventTypeLabel(seen[r - 1], policy::Language::kEs));
    EXPECT_THAT(rows[r].back(), SizeIs(64));
    types.push_back(rows[r][ColumnOf("event_type")]);
  }
  // Every built-in type ("generic" among them).
  EXPECT_EQ(types, EventTypeNames());
  // Each string field shows in its own column, with the separator inside it.
  const size_t referred = static_cast<size_t>(
      std::find(seen.begin(), seen.end(), "pqrd_referred") - seen.begin());
  ASSERT_LT(referred, seen.size());
  EXPECT_EQ(rows[1 + referred][ColumnOf("filing_number")], "v; \"filing_number\"");
}

TEST(CsvTest, PolicyColumnsInSpanish) {
  v1::Entry entry = PolicyEntry();
  v1::PolicyEvent& event = *entry.mutable_policy();
  event.set_refers_to(41);
  v1::CommentModerated& moderated = *event.mutable_comment_moderated();
  moderated.set_platform_comment_id("c-9");
  moderated.set_action(v1::DELETED);
  moderated.set_reason(v1::OTHER_REASON);
  moderated.set_other_reason("insultos; amenazas");
  absl::StatusOr<std::string> row = CsvRow(42, Leaf(entry, 42), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  // 2026-03-01T12:00:00.000123Z in Pasto, without the microseconds.
  EXPECT_EQ(fields["integrated_at"], "2026-03-01 07:00:00 -05:00");
  EXPECT_EQ(fields["event_time"], "2026-03-01 07:00:00 -05:00");
  EXPECT_EQ(fields["writer"], "svc-posts");
  EXPECT_EQ(fields["event_type"], "comment_moderated");
  EXPECT_EQ(fields["event_type_label"], "Moderación de comentario");
  EXPECT_EQ(fields["platform"], "facebook");
  EXPECT_EQ(fields["account"], "alcaldiapasto");
  EXPECT_EQ(fields["actor_email"], "jperez@pasto.gov.co");
  EXPECT_EQ(fields["actor_name"], "Juan Pérez");
  EXPECT_EQ(fields["actor_dependency"], "Oficina de Comunicación Social");
  EXPECT_EQ(fields["refers_to"], "41");
  EXPECT_EQ(fields["platform_comment_id"], "c-9");
  EXPECT_EQ(fields["action"], "eliminado");
  EXPECT_EQ(fields["reason"], "otro motivo");
  EXPECT_EQ(fields["other_reason"], "insultos; amenazas");
  EXPECT_EQ(fields["attributes"], "");
  EXPECT_EQ(fields["personal_data"], "");
  EXPECT_EQ(fields["leaf_hash"], HexEncode(AsBytes(LeafHash(Leaf(entry, 42)))));
  // The exact row (golden): ';' separators, quoting only where needed.
  const std::string leaf_hash = fields["leaf_hash"];
  std::string golden = "42;2026-03-01 07:00:00 -05:00;2026-03-01 07:00:00 -05:00;"
                       "Moderación de comentario;comment_moderated;;facebook;alcaldiapasto;"
                       "jperez@pasto.gov.co;Juan Pérez;Oficina de Comunicación Social;41;svc-posts";
  for (const std::string& column : EventFieldColumns()) {
    golden += ";";
    if (column == "reason") golden += "otro motivo";
    if (column == "action") golden += "eliminado";
    if (column == "platform_comment_id") golden += "c-9";
    if (column == "other_reason") golden += "\"insultos; amenazas\"";
  }
  golden += ";;;" + leaf_hash + "\r\n";
  EXPECT_EQ(*row, golden);
}

TEST(CsvTest, EnglishRows) {
  v1::Entry entry = PolicyEntry();
  entry.mutable_policy()->mutable_post_removed()->set_action(v1::HIDDEN);
  absl::StatusOr<std::string> row =
      CsvRow(3, Leaf(entry, 3), nullptr, Pasto(',', policy::Language::kEn));
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row, ',');
  EXPECT_EQ(fields["event_type_label"], "Post removed");
  EXPECT_EQ(fields["action"], "hidden");
  EXPECT_EQ(fields["event_time"], "2026-03-01 07:00:00 -05:00");
}

TEST(CsvTest, FieldsShowBytesAsHexTimesInTheZoneAndNestedFields) {
  v1::Entry entry = PolicyEntry();
  v1::PostPublished& post = *entry.mutable_policy()->mutable_post_published();
  post.set_platform_post_id("p1");
  post.set_content_sha256(std::string("\x01\xab\xff", 3));
  absl::StatusOr<std::string> row = CsvRow(1, Leaf(entry, 1), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["platform_post_id"], "p1");
  EXPECT_EQ(RowMap(*row)["content_sha256"], "01abff");

  v1::Entry stream = PolicyEntry();
  v1::LiveStreamAuthorized& window = *stream.mutable_policy()->mutable_live_stream_authorized();
  window.set_window_start_micros(0);
  window.set_window_end_micros(1772370000000000);
  window.set_title("Rendición de cuentas");
  row = CsvRow(2, Leaf(stream, 2), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  // A time left at 0 is a default, left out like any other.
  EXPECT_EQ(RowMap(*row)["window_start"], "");
  EXPECT_EQ(RowMap(*row)["window_end"], "2026-03-01 08:00:00 -05:00");
  EXPECT_EQ(RowMap(*row)["title"], "Rendición de cuentas");

  v1::Entry role = PolicyEntry();
  v1::AdminRoleGranted& granted = *role.mutable_policy()->mutable_admin_role_granted();
  granted.mutable_person()->set_email("ana@pasto.gov.co");
  granted.mutable_person()->set_head_of_dependency(true);
  granted.set_employment_link("planta");
  granted.set_responsible(true);
  row = CsvRow(3, Leaf(role, 3), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  EXPECT_EQ(fields["person.email"], "ana@pasto.gov.co");
  EXPECT_EQ(fields["person.head_of_dependency"], "sí");
  EXPECT_EQ(fields["employment_link"], "planta");
  EXPECT_EQ(fields["responsible"], "sí");

  v1::Entry registered;
  registered.set_writer("audit-admin");
  registered.mutable_writer_registered()->set_vkey("svc+01020304+AQ");
  registered.mutable_writer_registered()->set_description("posts");
  row = CsvRow(4, Leaf(registered, 4), nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["vkey"], "svc+01020304+AQ");
  EXPECT_EQ(RowMap(*row)["description"], "posts");
  EXPECT_EQ(RowMap(*row)["event_type_label"], "Registro de clave de escritor");
}

class PersonalDataCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    handle_ = policy::NewOpening("citizen_handle", "@ana.gómez", FixedSalt);
    text_ = policy::NewOpening("comment_text", "¡Qué mal servicio, \"alcalde\"!", FixedSalt);
    entry_ = PolicyEntry();
    v1::PolicyEvent& event = *entry_.mutable_policy();
    event.mutable_reply_published()->set_platform_comment_id("c-1");
    *event.add_personal_data() = policy::CommitmentOf(handle_);
    *event.add_personal_data() = policy::CommitmentOf(text_);
    leaf_ = Leaf(entry_, 5);
  }
  std::string Digest(const v1::PersonalDataOpening& opening) {
    return "sha256:" + HexEncode(policy::CommitmentOf(opening).digest());
  }

  v1::PersonalDataOpening handle_, text_;
  v1::Entry entry_;
  std::string leaf_;
};

TEST_F(PersonalDataCsvTest, RedactedRowsHoldDigestsAndNoPersonalValue) {
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, nullptr, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, Not(HasSubstr("ana.gómez")));
  EXPECT_THAT(*row, Not(HasSubstr("servicio")));
  EXPECT_EQ(RowMap(*row)["personal_data"], "{\"citizen_handle\":\"" + Digest(handle_) +
                                               "\",\"comment_text\":\"" + Digest(text_) + "\"}");
}

TEST_F(PersonalDataCsvTest, DisclosedRowsHoldTheOpenedValues) {
  const std::vector<v1::PersonalDataOpening> both = {text_, handle_};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &both, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["personal_data"],
            "{\"citizen_handle\":\"@ana.gómez\",\"comment_text\":\"¡Qué mal servicio, \\\"alcalde\\\"!\"}");
}

TEST_F(PersonalDataCsvTest, DisclosedRowsMarkErasedData) {
  const std::vector<v1::PersonalDataOpening> handle_only = {handle_};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &handle_only, Pasto());
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, Not(HasSubstr("servicio")));
  EXPECT_EQ(RowMap(*row)["personal_data"], "{\"citizen_handle\":\"@ana.gómez\",\"comment_text\":\"" +
                                               Digest(text_) + " (suprimido)\"}");
}

TEST_F(PersonalDataCsvTest, AnOpeningThatDoesNotMatchIsDataLoss) {
  v1::PersonalDataOpening wrong = handle_;
  wrong.set_value("@someone.else");
  const std::vector<v1::PersonalDataOpening> openings = {wrong};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &openings, Pasto());
  ASSERT_EQ(row.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(row.status().message(), HasSubstr("record 5"));
  EXPECT_THAT(row.status().message(), HasSubstr("citizen_handle"));
  EXPECT_THAT(row.status().message(), Not(HasSubstr("someone")));
}

TEST(CsvTest, MalformedLeafIsDataLossNamingTheIndex) {
  absl::StatusOr<std::string> row = CsvRow(9, "not a record", nullptr, Pasto());
  EXPECT_EQ(row.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(row.status().message(), HasSubstr("record 9"));

  v1::Record record;
  record.set_entry("\xff\xff\xff");
  record.set_writer_signature(std::string(64, '\0'));
  record.set_prev_leaf_hash(std::string(kHashSize, '\0'));
  row = CsvRow(10, EncodeRecord(record), nullptr, Pasto());
  EXPECT_EQ(row.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(row.status().message(), HasSubstr("record 10"));
}

TEST(FormatMicrosUtcTest, IsoUtcWithMicroseconds) {
  EXPECT_EQ(FormatMicrosUtc(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMicrosUtc(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatMicrosUtc(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatMicrosUtc(-86400000000), "1969-12-31T00:00:00.000000Z");
  EXPECT_EQ(FormatMicrosUtc(-86400000001), "1969-12-30T23:59:59.999999Z");
  EXPECT_EQ(FormatMicrosUtc(1772366400000123), "2026-03-01T12:00:00.000123Z");
  EXPECT_EQ(FormatMicrosUtc(951782400000000), "2000-02-29T00:00:00.000000Z");  // leap day
  EXPECT_EQ(FormatMicrosUtc(253402300799999999), "9999-12-31T23:59:59.999999Z");
  // Odd event times stored before the server checked them: both ends of int64.
  EXPECT_EQ(FormatMicrosUtc(-2208988800000000), "1900-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMicrosUtc(std::numeric_limits<int64_t>::max()), "294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(FormatMicrosUtc(std::numeric_limits<int64_t>::min()), "-290308-12-21T19:59:05.224192Z");
}

}  // namespace
}  // namespace memoria::query
