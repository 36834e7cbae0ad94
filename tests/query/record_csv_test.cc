// The CSV form of records: RFC 4180 quoting, one row of the documented
// columns for every built-in event type, personal data redacted unless
// disclosed, and the time format.
#include "ledger/query/record_csv.h"

#include <map>
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
std::vector<std::vector<std::string>> ParseCsv(std::string_view csv) {
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
      while (i < csv.size() && csv[i] != ',' && csv[i] != '\r') {
        EXPECT_NE(csv[i], '"') << "quote inside an unquoted field";
        EXPECT_NE(csv[i], '\n') << "bare LF";
        field.push_back(csv[i++]);
      }
    }
    row.push_back(std::move(field));
    if (i < csv.size() && csv[i] == ',') {
      ++i;
      continue;
    }
    if (csv.substr(i, 2) != "\r\n") {
      ADD_FAILURE() << "field not followed by a comma or CRLF at byte " << i;
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

std::map<std::string, std::string> RowMap(const std::string& row) {
  std::vector<std::vector<std::string>> rows = ParseCsv(CsvHeaderRow() + row);
  std::map<std::string, std::string> out;
  if (rows.size() != 2 || rows[0].size() != rows[1].size()) {
    ADD_FAILURE() << "not a header and one row of as many fields: " << row;
    return out;
  }
  for (size_t i = 0; i < rows[0].size(); ++i) out[rows[0][i]] = rows[1][i];
  return out;
}

TEST(CsvFieldTest, QuotesOnlyWhatRfc4180Requires) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hola\""), "\"say \"\"hola\"\"\"");
  EXPECT_EQ(CsvField("line\rbreak"), "\"line\rbreak\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("\r\n"), "\"\r\n\"");
  // UTF-8 passes through byte for byte.
  EXPECT_EQ(CsvField("Señor Muñoz, ¿qué tal? 🎉"), "\"Señor Muñoz, ¿qué tal? 🎉\"");
  EXPECT_EQ(CsvField("Nariño 🌋"), "Nariño 🌋");
}

TEST(CsvTest, HeaderRowIsTheDocumentedColumns) {
  EXPECT_EQ(CsvHeaderRow(),
            "index,integrated_at,event_time,writer,event_type,generic_type,platform,account,"
            "actor_email,actor_name,actor_dependency,refers_to,details,personal_data,leaf_hash\r\n");
  EXPECT_THAT(CsvColumns(), SizeIs(15));
}

TEST(CsvTest, FieldsThatNeedQuotingRoundTrip) {
  v1::Entry entry;
  entry.set_writer("svc-posts");
  v1::GenericEvent& generic = *entry.mutable_generic();
  generic.set_type("post.published");
  (*generic.mutable_attributes())["text"] = "Hola, \"Pasto\"\r\nlínea 2 — ñandú 🎉";
  (*generic.mutable_attributes())["b"] = "x";
  absl::StatusOr<std::string> row = CsvRow(7, Leaf(entry, 7), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  EXPECT_EQ(fields["details"], "b=x; text=Hola, \"Pasto\"\r\nlínea 2 — ñandú 🎉");
  EXPECT_EQ(fields["event_type"], "generic");
  EXPECT_EQ(fields["generic_type"], "post.published");
  EXPECT_EQ(fields["index"], "7");
  EXPECT_EQ(fields["platform"], "");
}

TEST(CsvTest, TextASpreadsheetWouldRunAsAFormulaIsDefused) {
  v1::Entry entry = PolicyEntry();
  entry.mutable_policy()->mutable_account()->set_handle("=HYPERLINK(\"http://x\")");
  entry.mutable_policy()->mutable_actor()->set_name("+1-2");
  entry.mutable_policy()->mutable_actor()->set_dependency("@SUM(A1)");
  entry.mutable_policy()->mutable_post_published()->set_text("-3");
  absl::StatusOr<std::string> row = CsvRow(9, Leaf(entry, 9), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  EXPECT_EQ(fields["account"], "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(fields["actor_name"], "'+1-2");
  EXPECT_EQ(fields["actor_dependency"], "'@SUM(A1)");
  EXPECT_EQ(fields["details"], "text=-3");  // not at the start of its cell
  EXPECT_EQ(fields["actor_email"], "jperez@pasto.gov.co");
  EXPECT_EQ(SpreadsheetText("\tx"), "'\tx");
  EXPECT_EQ(SpreadsheetText("Pasto"), "Pasto");
  EXPECT_EQ(SpreadsheetText(""), "");
}

TEST(CsvTest, EveryBuiltInEventTypeGivesOneRowOfEveryColumn) {
  const google::protobuf::Descriptor* policy = v1::PolicyEvent::descriptor();
  const google::protobuf::OneofDescriptor* kinds = policy->FindOneofByName("kind");
  std::vector<std::string> seen;
  std::string csv = CsvHeaderRow();
  auto add = [&](const v1::Entry& entry) {
    absl::StatusOr<std::string> row = CsvRow(seen.size(), Leaf(entry, seen.size()), nullptr);
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
    // Every string field of the kind set, so that details have something to show.
    for (int f = 0; f < kind->GetDescriptor()->field_count(); ++f) {
      const google::protobuf::FieldDescriptor* field = kind->GetDescriptor()->field(f);
      if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !field->is_repeated()) {
        kind->GetReflection()->SetString(kind, field, "v, \"" + field->name() + "\"");
      }
    }
    add(entry);
  }
  std::vector<std::vector<std::string>> rows = ParseCsv(csv);
  ASSERT_EQ(rows.size(), seen.size() + 1);
  std::vector<std::string> types;
  for (size_t r = 1; r < rows.size(); ++r) {
    ASSERT_THAT(rows[r], SizeIs(CsvColumns().size())) << "row " << r;
    EXPECT_EQ(rows[r][0], std::to_string(r - 1));
    EXPECT_EQ(rows[r][4], seen[r - 1]);
    EXPECT_THAT(rows[r][14], SizeIs(64));
    types.push_back(rows[r][4]);
  }
  // Every built-in type ("generic" among them).
  EXPECT_EQ(types, EventTypeNames());
}

TEST(CsvTest, PolicyColumnsAndDetails) {
  v1::Entry entry = PolicyEntry();
  v1::PolicyEvent& event = *entry.mutable_policy();
  event.set_refers_to(41);
  v1::CommentModerated& moderated = *event.mutable_comment_moderated();
  moderated.set_platform_comment_id("c-9");
  moderated.set_action(v1::DELETED);
  moderated.set_reason(v1::OTHER_REASON);
  moderated.set_other_reason("insultos");
  absl::StatusOr<std::string> row = CsvRow(42, Leaf(entry, 42), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  std::map<std::string, std::string> fields = RowMap(*row);
  EXPECT_EQ(fields["integrated_at"], "2026-03-01T12:00:00.000123Z");
  EXPECT_EQ(fields["event_time"], "2026-03-01T12:00:00.000000Z");
  EXPECT_EQ(fields["writer"], "svc-posts");
  EXPECT_EQ(fields["event_type"], "comment_moderated");
  EXPECT_EQ(fields["platform"], "facebook");
  EXPECT_EQ(fields["account"], "alcaldiapasto");
  EXPECT_EQ(fields["actor_email"], "jperez@pasto.gov.co");
  EXPECT_EQ(fields["actor_name"], "Juan Pérez");
  EXPECT_EQ(fields["actor_dependency"], "Oficina de Comunicación Social");
  EXPECT_EQ(fields["refers_to"], "41");
  EXPECT_EQ(fields["details"],
            "platform_comment_id=c-9; action=deleted; reason=other_reason; other_reason=insultos");
  EXPECT_EQ(fields["leaf_hash"], HexEncode(AsBytes(LeafHash(Leaf(entry, 42)))));
}

TEST(CsvTest, DetailsShowBytesAsHexTimesAsIsoAndNestedFields) {
  v1::Entry entry = PolicyEntry();
  v1::PostPublished& post = *entry.mutable_policy()->mutable_post_published();
  post.set_platform_post_id("p1");
  post.set_content_sha256(std::string("\x01\xab\xff", 3));
  absl::StatusOr<std::string> row = CsvRow(1, Leaf(entry, 1), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["details"], "platform_post_id=p1; content_sha256=01abff");

  v1::Entry stream = PolicyEntry();
  v1::LiveStreamAuthorized& window = *stream.mutable_policy()->mutable_live_stream_authorized();
  window.set_window_start_micros(0);
  window.set_window_end_micros(1772370000000000);
  window.set_title("Rendición de cuentas");
  row = CsvRow(2, Leaf(stream, 2), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  // A time left at 0 is a default, left out like any other.
  EXPECT_EQ(RowMap(*row)["details"], "window_end=2026-03-01T13:00:00.000000Z; title=Rendición de cuentas");

  v1::Entry role = PolicyEntry();
  v1::AdminRoleGranted& granted = *role.mutable_policy()->mutable_admin_role_granted();
  granted.mutable_person()->set_email("ana@pasto.gov.co");
  granted.mutable_person()->set_head_of_dependency(true);
  granted.set_employment_link("planta");
  granted.set_responsible(true);
  row = CsvRow(3, Leaf(role, 3), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["details"],
            "person.email=ana@pasto.gov.co; person.head_of_dependency=true; "
            "employment_link=planta; responsible=true");

  v1::Entry registered;
  registered.set_writer("audit-admin");
  registered.mutable_writer_registered()->set_vkey("svc+01020304+AQ");
  registered.mutable_writer_registered()->set_description("posts");
  row = CsvRow(4, Leaf(registered, 4), nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["details"], "vkey=svc+01020304+AQ; description=posts");
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
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, nullptr);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, Not(HasSubstr("ana.gómez")));
  EXPECT_THAT(*row, Not(HasSubstr("servicio")));
  EXPECT_EQ(RowMap(*row)["personal_data"],
            "citizen_handle=" + Digest(handle_) + "; comment_text=" + Digest(text_));
}

TEST_F(PersonalDataCsvTest, DisclosedRowsHoldTheOpenedValues) {
  const std::vector<v1::PersonalDataOpening> both = {text_, handle_};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &both);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(RowMap(*row)["personal_data"],
            "citizen_handle=@ana.gómez; comment_text=¡Qué mal servicio, \"alcalde\"!");
}

TEST_F(PersonalDataCsvTest, DisclosedRowsMarkErasedData) {
  const std::vector<v1::PersonalDataOpening> handle_only = {handle_};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &handle_only);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, Not(HasSubstr("servicio")));
  EXPECT_EQ(RowMap(*row)["personal_data"],
            "citizen_handle=@ana.gómez; comment_text=" + Digest(text_) + " (erased)");
}

TEST_F(PersonalDataCsvTest, AnOpeningThatDoesNotMatchIsDataLoss) {
  v1::PersonalDataOpening wrong = handle_;
  wrong.set_value("@someone.else");
  const std::vector<v1::PersonalDataOpening> openings = {wrong};
  absl::StatusOr<std::string> row = CsvRow(5, leaf_, &openings);
  ASSERT_EQ(row.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(row.status().message(), HasSubstr("record 5"));
  EXPECT_THAT(row.status().message(), HasSubstr("citizen_handle"));
  EXPECT_THAT(row.status().message(), Not(HasSubstr("someone")));
}

TEST(CsvTest, MalformedLeafIsDataLossNamingTheIndex) {
  absl::StatusOr<std::string> row = CsvRow(9, "not a record", nullptr);
  EXPECT_EQ(row.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(row.status().message(), HasSubstr("record 9"));

  v1::Record record;
  record.set_entry("\xff\xff\xff");
  record.set_writer_signature(std::string(64, '\0'));
  record.set_prev_leaf_hash(std::string(kHashSize, '\0'));
  row = CsvRow(10, EncodeRecord(record), nullptr);
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
