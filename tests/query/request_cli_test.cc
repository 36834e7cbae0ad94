// `memoria request` and `memoria query` end to end: the built memoria binary
// against an in-process memoria-server on loopback (its log written through the
// Append RPC, e2e_log.h), and the built memoria-audit checking the bundle it
// writes. A redacted answer holds no personal value or salt in any file; a
// disclosed one holds them, and memoria-audit checks each against its
// commitment, and names the record when one was changed.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/file_bytes.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/entry_signer.h"
#include "ledger/verify/bundle.h"
#include "ledger/encoding.h"
#include "ledger/policy/erasure.h"
#include "tests/query/e2e_log.h"
#include "tests/support/run_binary.h"

#ifndef MEMORIA_CLI_BINARY
#error "MEMORIA_CLI_BINARY must name the memoria executable"
#endif
#ifndef MEMORIA_AUDIT_BINARY
#error "MEMORIA_AUDIT_BINARY must name the memoria-audit executable"
#endif

namespace memoria::query {
namespace {

namespace fs = std::filesystem;
using ::memoria::query::testing::E2eLog;
using ::memoria::query::testing::kActorA;
using ::memoria::query::testing::kBaseEventTime;
using ::memoria::query::testing::kEventStep;
using ::memoria::query::testing::kReaderToken;
using ::memoria::query::testing::kWriterA;
using ::memoria::query::testing::Known;
using ::memoria::server::testing::TempDir;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int kEvents = 30;

using Ran = ::memoria::testing::ProcessRun;

// The regular files under `dir` (none if it does not exist).
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code error;
  if (!fs::exists(dir, error)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Bundle {
  BundleHeader header;
  std::vector<BundleRecordLine> trust;
  std::vector<BundleRecordLine> records;
  std::vector<uint64_t> trust_indexes() const {
    std::vector<uint64_t> out;
    for (const BundleRecordLine& line : trust) out.push_back(line.index);
    return out;
  }
  std::vector<uint64_t> record_indexes() const {
    std::vector<uint64_t> out;
    for (const BundleRecordLine& line : records) out.push_back(line.index);
    return out;
  }
};

Bundle ReadBundle(const std::string& path) {
  Bundle bundle;
  std::ifstream in(path, std::ios::binary);
  BundleReader reader(in);
  absl::StatusOr<BundleHeader> header = reader.ReadHeader();
  EXPECT_TRUE(header.ok()) << header.status();
  if (!header.ok()) return bundle;
  bundle.header = *header;
  while (true) {
    absl::StatusOr<BundleReader::Line> line = reader.Next();
    EXPECT_TRUE(line.ok()) << line.status();
    if (!line.ok() || line->type == BundleReader::Line::Type::kEnd) break;
    if (line->type != BundleReader::Line::Type::kRecord) continue;
    (line->record.trust ? bundle.trust : bundle.records).push_back(line->record);
  }
  return bundle;
}

class RequestCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(log_.Start(dir_.path()));
    ASSERT_NO_FATAL_FAILURE(log_.AppendStandard(kEvents));
  }

  Ran Execute(const std::string& binary, const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(binary, args, dir_.path());
  }

  // memoria with --server and --log-key.
  Ran Memoria(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", log_.target(), "--log-key", log_.log_key()});
    return Execute(MEMORIA_CLI_BINARY, args);
  }

  // `memoria request` of every event in [from, to) plus `extra`, into `out`.
  Ran Request(const std::string& out, std::vector<std::string> extra, int64_t from = kBaseEventTime,
              int64_t to = kBaseEventTime + 1000 * kEventStep) {
    std::vector<std::string> args = {"request", "--from", absl::StrCat(from), "--to", absl::StrCat(to),
                                     "--out", out, "--description", "Radicado 2026-118"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Memoria(args);
  }

  Ran Audit(const std::string& bundle, const std::string& log_key = "") {
    return Execute(MEMORIA_AUDIT_BINARY, {"verify", "--bundle", bundle, "--log-key",
                                          log_key.empty() ? log_.log_key() : log_key, "--json",
                                          "--no-progress"});
  }

  static JsonObject MustParse(const std::string& json) {
    absl::StatusOr<JsonObject> object = JsonObject::Parse(json);
    EXPECT_TRUE(object.ok()) << object.status() << " in " << json;
    if (!object.ok()) abort();
    return *std::move(object);
  }

  // The indexes in the first column of a CSV (after the header row).
  static std::vector<uint64_t> CsvIndexes(const std::string& csv) {
    std::vector<uint64_t> out;
    bool header = true;
    for (absl::string_view row : absl::StrSplit(csv, "\r\n", absl::SkipEmpty())) {
      if (header) {
        header = false;
        continue;
      }
      uint64_t index = 0;
      EXPECT_TRUE(absl::SimpleAtoi(row.substr(0, row.find(';')), &index)) << row;
      out.push_back(index);
    }
    return out;
  }

  TempDir dir_;
  E2eLog log_;
};

// "field":"value" as it shows inside a quoted CSV cell holding JSON: the
// JSON string's quotes doubled.
std::string CsvJsonMember(const std::string& field, const std::string& value) {
  std::string member = absl::StrCat(JsonQuote(field), ":", JsonQuote(value));
  std::string doubled;
  for (const char c : member) {
    if (c == '"') doubled.push_back('"');
    doubled.push_back(c);
  }
  return doubled;
}

// The genesis and writer administration records that are not `results`.
std::vector<uint64_t> TrustFor(const E2eLog& log, const std::vector<uint64_t>& results) {
  return log.Where([&](const Known& k) {
    return (k.type == "genesis" || k.type == "writer_registered" || k.type == "writer_revoked") &&
           std::find(results.begin(), results.end(), k.index) == results.end();
  });
}

std::vector<uint64_t> EventsInRange(const E2eLog& log, int64_t from, int64_t to) {
  return log.Where([&](const Known& k) { return k.event_time >= from && k.event_time < to; });
}

TEST_F(RequestCliTest, RedactedRequestHoldsNoPersonalValueOrSaltAnywhereAndItsBundleVerifies) {
  const std::string out = dir_.path() + "/respuesta";
  Ran run = Request(out, {});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Every event appended (and the genesis if the log was created in the
  // range: its event time is the server's clock).
  const std::vector<uint64_t> expected =
      EventsInRange(log_, kBaseEventTime, kBaseEventTime + 1000 * kEventStep);
  ASSERT_GE(expected.size(), static_cast<size_t>(kEvents));
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat(expected.size(), " records")));
  EXPECT_THAT(FilesIn(out),
              ElementsAreArray({"README.txt", "records.csv", "records.jsonl", "resumen.html"}));

  const std::string csv = ReadFileBytes(out + "/records.csv");
  const std::string jsonl = ReadFileBytes(out + "/records.jsonl");
  const std::string readme = ReadFileBytes(out + "/README.txt");
  const std::string summary = ReadFileBytes(out + "/resumen.html");
  const std::vector<std::string> secrets = log_.SecretsInEveryForm();
  ASSERT_EQ(secrets.size(), 4u * 15);  // 5 replies (2 values each), 5 blocks
  for (const std::string& secret : secrets) {
    EXPECT_EQ(csv.find(secret), std::string::npos) << "in records.csv: " << secret;
    EXPECT_EQ(jsonl.find(secret), std::string::npos) << "in records.jsonl: " << secret;
    EXPECT_EQ(readme.find(secret), std::string::npos) << "in README.txt: " << secret;
    EXPECT_EQ(summary.find(secret), std::string::npos) << "in resumen.html: " << secret;
  }
  // The commitments are there instead (JSON in the CSV cell, its quotes doubled).
  EXPECT_THAT(csv, HasSubstr("\"\"citizen_handle\"\":\"\"sha256:"));
  EXPECT_THAT(csv, HasSubstr("\"\"comment_text\"\":\"\"sha256:"));
  EXPECT_THAT(jsonl, Not(HasSubstr("personal_data")));

  // The records asked for, and no others.
  EXPECT_THAT(CsvIndexes(csv), ElementsAreArray(expected));
  const Bundle bundle = ReadBundle(out + "/records.jsonl");
  EXPECT_TRUE(bundle.header.filtered);
  EXPECT_FALSE(bundle.header.disclosed);
  EXPECT_EQ(bundle.header.tree_size, log_.size());
  EXPECT_EQ(bundle.trust_indexes(), TrustFor(log_, expected));
  EXPECT_THAT(bundle.trust_indexes(), ::testing::Contains(uint64_t{1}));
  EXPECT_THAT(bundle.record_indexes(), ElementsAreArray(expected));
  for (const BundleRecordLine& line : bundle.records) EXPECT_EQ(line.leaf, log_.at(line.index).leaf);

  // README: what to check and with which key.
  EXPECT_THAT(readme, HasSubstr("Radicado 2026-118"));
  EXPECT_THAT(readme, HasSubstr(log_.log_key()));
  EXPECT_THAT(readme, HasSubstr("memoria-audit verify --bundle records.jsonl"));
  EXPECT_THAT(readme, HasSubstr("NO se incluyen"));
  EXPECT_THAT(readme, HasSubstr(bundle.header.checkpoint));

  // memoria-audit verifies it offline.
  Ran audit = Audit(out + "/records.jsonl");
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  JsonObject report = MustParse(audit.out);
  EXPECT_TRUE(*report.Bool("ok"));
  EXPECT_THAT(*report.String("scope"), HasSubstr("filtered selection"));
  EXPECT_FALSE(report.Has("openings_verified"));
  // Under another log key it does not.
  Ran forged = Audit(out + "/records.jsonl", server::testing::NewWriterKey("other-log").verifier().ToString());
  EXPECT_EQ(forged.exit_code, 1) << forged.out << forged.err;

  // A second request into the same directory is refused; the first stays.
  Ran again = Request(out, {});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_EQ(ReadFileBytes(out + "/records.jsonl"), jsonl);
}

// Four PQRDs around January in Pasto (UTC-5): the last microsecond of 2025,
// the first of 2026, 23:30 on 31 January (04:30 on 1 February in UTC) and
// midnight starting 1 February. Returns their indexes in that order.
std::vector<uint64_t> AppendJanuaryBoundaryPqrds(E2eLog& log) {
  constexpr int64_t kJan1 = 1767243600000000;         // 2026-01-01 00:00:00 -05:00
  constexpr int64_t kJan31At2330 = 1769920200000000;  // 2026-01-31 23:30:00 -05:00
  constexpr int64_t kFeb1 = 1769922000000000;         // 2026-02-01 00:00:00 -05:00
  std::vector<uint64_t> indexes;
  int n = 0;
  for (const int64_t time : {kJan1 - 1, kJan1, kJan31At2330, kFeb1}) {
    v1::PolicyEvent event = E2eLog::Base(v1::FACEBOOK, "AlcaldiaPasto", kActorA);
    event.mutable_pqrd_received()->set_platform_message_id(absl::StrCat("msg-", n));
    indexes.push_back(log.AppendPolicy(log.writer(0), absl::StrCat("pqrd-", n), time, event, {},
                                       {{"citizen_name", "Ana"},
                                        {"citizen_handle", "@ana"},
                                        {"pqrd_text", absl::StrCat("Solicitud ", n)}})
                          .index());
    ++n;
  }
  return indexes;
}

// The lines of `text` (LF-separated).
std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n');
}

TEST_F(RequestCliTest, PlainDatesAreThePastoDaysAndTheAnswerIsInSpanish) {
  const std::vector<uint64_t> pqrds = AppendJanuaryBoundaryPqrds(log_);
  const std::string out = dir_.path() + "/enero";
  Ran run = Memoria({"request", "--from", "2026-01-01", "--to", "2026-01-31", "--type",
                     "pqrd_received", "--account", "facebook:alcaldiapasto", "--out", out,
                     "--reference", "2026-118-PQRD", "--description",
                     "Todas las PQRD recibidas en enero en la cuenta de Facebook"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // 1 January 00:00 and 31 January 23:30 in Pasto: January. Not the last
  // microsecond of 2025, nor 1 February at midnight.
  const std::string csv = ReadFileBytes(out + "/records.csv");
  EXPECT_THAT(CsvIndexes(csv), ElementsAreArray({pqrds[1], pqrds[2]}));
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_THAT(csv, HasSubstr("\xEF\xBB\xBFNúmero de registro;Fecha de registro en el libro;Fecha del evento;"
                             "Tipo de evento;"));
  EXPECT_THAT(csv, HasSubstr("2026-01-31 23:30:00 -05:00;PQRD recibida;pqrd_received;;facebook;"
                             "AlcaldiaPasto;"));
  EXPECT_THAT(csv, HasSubstr(";2026-01-01 00:00:00 -05:00;PQRD recibida;"));
  EXPECT_THAT(csv, Not(HasSubstr("Z;")));  // no UTC-only time

  const std::vector<std::string> readme = Lines(ReadFileBytes(out + "/README.txt"));
  const auto has_line = [&](const std::string& line) {
    EXPECT_THAT(readme, ::testing::Contains(line));
  };
  has_line("RESPUESTA A UNA SOLICITUD DE ACCESO A LA INFORMACIÓN PÚBLICA");
  has_line("Referencia:          2026-118-PQRD");
  has_line("Solicitud:           Todas las PQRD recibidas en enero en la cuenta de Facebook");
  has_line("Consulta:            Eventos de tipo «PQRD recibida» entre el 1 y el 31 de enero de "
           "2026 en la cuenta facebook/alcaldiapasto");
  has_line("Registros:           2");
  has_line("  - PQRD recibida: 2");
  has_line("Todas las horas están en la zona horaria America/Bogota, con su diferencia respecto");
  has_line("Cómo verificar");
  has_line("   memoria-audit verify --bundle records.jsonl --log-key '<la clave de arriba>'");
  has_line("   " + log_.log_key());
  const auto issued = std::find_if(readme.begin(), readme.end(), [](const std::string& line) {
    return line.starts_with("Fecha de expedición: ");
  });
  ASSERT_NE(issued, readme.end());
  EXPECT_THAT(*issued, ::testing::MatchesRegex(
                           "Fecha de expedición: [0-9]+ de [a-z]+ de [0-9]{4} "
                           "\\([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} -05:00\\)"));

  const std::string summary = ReadFileBytes(out + "/resumen.html");
  EXPECT_THAT(summary, HasSubstr("<html lang=\"es\">"));
  EXPECT_THAT(summary, HasSubstr("<dt>Consulta</dt><dd>Eventos de tipo «PQRD recibida» entre el 1 y "
                                 "el 31 de enero de 2026 en la cuenta facebook/alcaldiapasto</dd>"));
  EXPECT_THAT(summary, HasSubstr("<dt>Referencia</dt><dd>2026-118-PQRD</dd>"));
  EXPECT_THAT(summary, HasSubstr("@media print"));
  // Self-contained: nothing fetched from elsewhere, no script.
  EXPECT_THAT(summary, Not(HasSubstr("http")));
  EXPECT_THAT(summary, Not(HasSubstr("<script")));
  EXPECT_THAT(summary, Not(HasSubstr("<link")));

  Ran audit = Audit(out + "/records.jsonl");
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;

  // The same dates in UTC are other instants: the last microsecond of 2025
  // in Pasto is 1 January there, and 23:30 on 31 January is February.
  const std::string utc = dir_.path() + "/enero-utc";
  run = Memoria({"--time-zone", "UTC", "request", "--from", "2026-01-01", "--to", "2026-01-31",
                 "--type", "pqrd_received", "--out", utc});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(CsvIndexes(ReadFileBytes(utc + "/records.csv")), ElementsAreArray({pqrds[0], pqrds[1]}));
  EXPECT_THAT(ReadFileBytes(utc + "/records.csv"), HasSubstr("2026-01-01 04:59:59 +00:00"));
}

TEST_F(RequestCliTest, EnglishAndCommasWhenAsked) {
  const std::vector<uint64_t> pqrds = AppendJanuaryBoundaryPqrds(log_);
  const std::string out = dir_.path() + "/january";
  Ran run = Memoria({"--lang", "en", "request", "--from", "2026-01-01", "--to", "2026-01-31",
                     "--type", "pqrd_received", "--account", "facebook:alcaldiapasto",
                     "--csv-separator", ",", "--out", out, "--reference", "2026-118"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string csv = ReadFileBytes(out + "/records.csv");
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBFRecord number,Logged at,Event time,Event type,Type code,"))
      << csv.substr(0, 100);
  EXPECT_THAT(csv, HasSubstr("2026-01-31 23:30:00 -05:00,PQRD received,pqrd_received,,facebook,"));
  const std::vector<std::string> readme = Lines(ReadFileBytes(out + "/README.txt"));
  EXPECT_THAT(readme, ::testing::Contains("ANSWER TO A PUBLIC INFORMATION REQUEST"));
  EXPECT_THAT(readme, ::testing::Contains("Reference:     2026-118"));
  EXPECT_THAT(readme, ::testing::Contains("Request:       (no description given)"));
  EXPECT_THAT(readme, ::testing::Contains(
                          "Query:         Events of type “PQRD received” between January 1 and "
                          "January 31, 2026 on the account facebook/alcaldiapasto"));
  EXPECT_THAT(readme, ::testing::Contains("  - PQRD received: 2"));
  EXPECT_THAT(ReadFileBytes(out + "/resumen.html"), HasSubstr("<html lang=\"en\">"));

  // Mistakes are usage errors that name the flag, and leave no files.
  Ran zone = Memoria({"--time-zone", "Mars/Olympus", "request", "--from", "2026-01-01", "--to",
                      "2026-01-31", "--out", dir_.path() + "/zona"});
  EXPECT_EQ(zone.exit_code, 2) << zone.err;
  EXPECT_THAT(zone.err, HasSubstr("--time-zone"));
  EXPECT_THAT(zone.err, HasSubstr("tzdata"));
  Ran lang = Memoria({"--lang", "fr", "request", "--from", "2026-01-01", "--to", "2026-01-31",
                      "--out", dir_.path() + "/idioma"});
  EXPECT_EQ(lang.exit_code, 2) << lang.err;
  EXPECT_THAT(lang.err, HasSubstr("--lang"));
  Ran separator = Memoria({"request", "--from", "2026-01-01", "--to", "2026-01-31",
                           "--csv-separator", "|", "--out", dir_.path() + "/separador"});
  EXPECT_EQ(separator.exit_code, 2) << separator.err;
  EXPECT_THAT(separator.err, HasSubstr("--csv-separator"));
  Ran date = Memoria({"request", "--from", "2026-02-30", "--to", "2026-03-01", "--out",
                      dir_.path() + "/fecha"});
  EXPECT_EQ(date.exit_code, 2) << date.err;
  EXPECT_THAT(date.err, HasSubstr("--from"));
  for (const char* dir : {"/zona", "/idioma", "/separador", "/fecha"}) {
    EXPECT_THAT(FilesIn(dir_.path() + dir), IsEmpty()) << dir;
  }
}

TEST_F(RequestCliTest, FiltersNarrowTheRequest) {
  const std::string out = dir_.path() + "/bloqueos";
  const int64_t from = kBaseEventTime + 5 * kEventStep;
  const int64_t to = kBaseEventTime + 25 * kEventStep;
  Ran run = Request(out, {"--type", "user_blocked", "--type", "post_published", "--account",
                          "facebook:@alcaldiapasto", "--actor", kActorA},
                    from, to);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<uint64_t> expected = log_.Where([&](const Known& k) {
    return k.event_time >= from && k.event_time < to &&
           (k.type == "user_blocked" || k.type == "post_published") && k.platform == v1::FACEBOOK &&
           k.actor == kActorA;
  });
  ASSERT_FALSE(expected.empty());
  EXPECT_THAT(CsvIndexes(ReadFileBytes(out + "/records.csv")), ElementsAreArray(expected));
  EXPECT_THAT(ReadBundle(out + "/records.jsonl").record_indexes(), ElementsAreArray(expected));
  Ran audit = Audit(out + "/records.jsonl");
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(RequestCliTest, DisclosedRequestShowsValuesVerifiesThemAndNamesATamperedRecord) {
  const std::string out = dir_.path() + "/divulgado";
  Ran run = Request(out, {"--disclose", "--reader-token-file", log_.config().reader_token_file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Files holding citizens' values are readable by their owner only, whatever the umask.
  for (const char* name : {"records.csv", "records.jsonl"}) {
    EXPECT_EQ(fs::status(out + "/" + name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << name;
  }
  const std::string csv = ReadFileBytes(out + "/records.csv");
  const std::string jsonl = ReadFileBytes(out + "/records.jsonl");
  uint64_t openings = 0;
  for (const Known& known : log_.records()) {
    for (const v1::PersonalDataOpening& opening : known.openings) {
      ++openings;
      EXPECT_THAT(csv, HasSubstr(CsvJsonMember(opening.field(), opening.value())))
          << "record " << known.index;
      EXPECT_THAT(jsonl, HasSubstr(Base64Encode(opening.salt()))) << "record " << known.index;
    }
  }
  ASSERT_GT(openings, 10u);
  const Bundle bundle = ReadBundle(out + "/records.jsonl");
  EXPECT_TRUE(bundle.header.disclosed);
  uint64_t in_bundle = 0;
  for (const BundleRecordLine& line : bundle.records) {
    const Known& known = log_.at(line.index);
    ASSERT_EQ(line.personal_data.size(), known.openings.size()) << "record " << line.index;
    for (size_t i = 0; i < line.personal_data.size(); ++i) {
      EXPECT_EQ(line.personal_data[i].value(), known.openings[i].value());
      EXPECT_EQ(line.personal_data[i].salt(), known.openings[i].salt());
      ++in_bundle;
    }
  }
  EXPECT_EQ(in_bundle, openings);
  EXPECT_THAT(ReadFileBytes(out + "/README.txt"), HasSubstr("SÍ CONTIENEN DATOS PERSONALES"));
  EXPECT_THAT(ReadFileBytes(out + "/resumen.html"), HasSubstr("SÍ incluidos"));

  Ran audit = Audit(out + "/records.jsonl");
  ASSERT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_EQ(*MustParse(audit.out).Uint("openings_verified"), openings);

  // One character of one disclosed value changed; the JSON stays valid.
  uint64_t tampered = 0;
  std::string value;
  for (const BundleRecordLine& line : bundle.records) {
    for (const v1::PersonalDataOpening& opening : line.personal_data) {
      if (opening.field() == "citizen_handle") {
        tampered = line.index;
        value = opening.value();
        break;
      }
    }
    if (!value.empty()) break;
  }
  ASSERT_FALSE(value.empty());
  std::string changed = value;
  changed.back() = changed.back() == '9' ? '8' : static_cast<char>(changed.back() + 1);
  const std::string needle = absl::StrCat("\"value\":\"", value, "\"");
  const size_t at = jsonl.find(needle);
  ASSERT_NE(at, std::string::npos) << "the value in the bundle as JSON: " << needle;
  ASSERT_EQ(jsonl.find(needle, at + 1), std::string::npos);
  std::string forged = jsonl;
  forged.replace(at, needle.size(), absl::StrCat("\"value\":\"", changed, "\""));
  const std::string forged_path = dir_.path() + "/forged.jsonl";
  WriteFileBytes(forged_path, forged);
  Ran caught = Audit(forged_path);
  EXPECT_EQ(caught.exit_code, 1) << caught.out << caught.err;
  JsonObject report = MustParse(caught.out);
  EXPECT_FALSE(*report.Bool("ok"));
  absl::StatusOr<std::vector<JsonObject>> findings = report.ObjectList("findings");
  ASSERT_TRUE(findings.ok()) << findings.status();
  ASSERT_EQ(findings->size(), 1u) << caught.out;
  EXPECT_EQ(*(*findings)[0].Uint("index"), tampered);
  // In text too, by its index.
  Ran text = Execute(MEMORIA_AUDIT_BINARY,
                     {"verify", "--bundle", forged_path, "--log-key", log_.log_key(), "--no-progress"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_THAT(text.out, HasSubstr(absl::StrCat("record ", tampered, ":")));
}

TEST_F(RequestCliTest, DisclosureWithoutTheRightTokenFailsAndWritesNoFiles) {
  const std::string wrong = dir_.path() + "/wrong.token";
  WriteFileBytes(wrong, "this-is-not-the-reader-token-0123456789abcdef\n");
  const std::string out = dir_.path() + "/sin-permiso";
  Ran run = Request(out, {"--disclose", "--reader-token-file", wrong});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_THAT(run.err, HasSubstr("reader credential is not valid"));
  EXPECT_THAT(FilesIn(out), IsEmpty());

  Ran no_file = Request(dir_.path() + "/sin-archivo", {"--disclose"});
  EXPECT_EQ(no_file.exit_code, 2) << no_file.err;
  EXPECT_THAT(no_file.err, HasSubstr("--reader-token-file"));
  EXPECT_THAT(FilesIn(dir_.path() + "/sin-archivo"), IsEmpty());
}

TEST_F(RequestCliTest, ServerRejectionsExitThreeWithTheMessageAndWriteNoFiles) {
  const std::string out = dir_.path() + "/tipo-desconocido";
  Ran run = Request(out, {"--type", "post_publishd"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_THAT(run.err, HasSubstr("unknown event type \"post_publishd\""));
  EXPECT_THAT(FilesIn(out), IsEmpty());

  const std::string inverted = dir_.path() + "/invertido";
  Ran backwards = Request(inverted, {}, kBaseEventTime + kEventStep, kBaseEventTime);
  EXPECT_EQ(backwards.exit_code, 3) << backwards.err;
  EXPECT_THAT(backwards.err, HasSubstr("event time range"));
  EXPECT_THAT(FilesIn(inverted), IsEmpty());

  Ran finding = Request(dir_.path() + "/regla", {"--finding", "insults"});
  EXPECT_EQ(finding.exit_code, 3) << finding.err;
  EXPECT_THAT(finding.err, HasSubstr("unknown finding rule"));

  // Local mistakes are usage errors (2).
  Ran platform = Request(dir_.path() + "/plataforma", {"--platform", "myspace"});
  EXPECT_EQ(platform.exit_code, 2) << platform.err;
  EXPECT_THAT(platform.err, HasSubstr("unknown platform"));
}

TEST_F(RequestCliTest, QueryPrintsTheExpectedIndexes) {
  const std::vector<uint64_t> posts = log_.Where([](const Known& k) { return k.type == "post_published"; });
  ASSERT_GE(posts.size(), 3u);
  Ran run = Memoria({"query", "--type", "post_published", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<uint64_t> got;
  for (absl::string_view line : absl::StrSplit(run.out, '\n', absl::SkipEmpty())) {
    JsonObject object = MustParse(std::string(line));
    got.push_back(*object.Uint("index"));
    EXPECT_EQ(*object.String("type"), "post_published");
    EXPECT_EQ(*object.Bytes("leaf"), log_.at(got.back()).leaf);
  }
  EXPECT_THAT(got, ElementsAreArray(posts));

  // Newest first, two at a time, all pages.
  Ran newest = Memoria({"query", "--type", "post_published", "--json", "--newest-first", "--all",
                        "--page-size", "2"});
  ASSERT_EQ(newest.exit_code, 0) << newest.err;
  std::vector<uint64_t> reversed;
  for (absl::string_view line : absl::StrSplit(newest.out, '\n', absl::SkipEmpty())) {
    reversed.push_back(*MustParse(std::string(line)).Uint("index"));
  }
  EXPECT_THAT(reversed, ElementsAreArray(posts.rbegin(), posts.rend()));

  // --limit, then --page-token continues where it stopped.
  Ran first = Memoria({"query", "--type", "post_published", "--limit", "2"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr(absl::StrCat(posts[0], "  ")));
  const size_t flag = first.err.find("--page-token ");
  ASSERT_NE(flag, std::string::npos) << first.err;
  std::string token = first.err.substr(flag + 13);
  token = token.substr(0, token.find_first_of(" \n"));
  Ran rest = Memoria({"query", "--type", "post_published", "--json", "--all", "--page-token", token});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  std::vector<uint64_t> continued;
  for (absl::string_view line : absl::StrSplit(rest.out, '\n', absl::SkipEmpty())) {
    continued.push_back(*MustParse(std::string(line)).Uint("index"));
  }
  EXPECT_THAT(continued, ElementsAreArray(posts.begin() + 2, posts.end()));

  // A bad filter: the server's message, exit 3.
  Ran bad = Memoria({"query", "--type", "post_publishd"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, HasSubstr("unknown event type"));
}

TEST_F(RequestCliTest, AWriterRevokedMidwayLeavesAFilteredExportThatVerifies) {
  // A third writer appends, is revoked, and the others go on.
  const Signer& temporal = log_.AddWriter("temporal");
  std::vector<uint64_t> by_temporal;
  for (int i = 0; i < 3; ++i) {
    v1::PolicyEvent event = E2eLog::Base(v1::FACEBOOK, "AlcaldiaPasto", kActorA);
    event.mutable_user_blocked()->set_reason("spam");
    by_temporal.push_back(log_.AppendPolicy(temporal, absl::StrCat("temporal-", i),
                                            kBaseEventTime + (100 + i) * kEventStep, event,
                                            {"user_blocked"},
                                            {{"citizen_handle", absl::StrCat("@temporal.", i)}})
                              .index());
  }
  log_.RevokeWriter(temporal);
  const uint64_t revoked_at = log_.size() - 1;
  {
    v1::PolicyEvent event = E2eLog::Base(v1::FACEBOOK, "AlcaldiaPasto", kActorA);
    event.mutable_user_blocked()->set_reason("después");
    log_.AppendPolicy(log_.writer(0), "after-revocation", kBaseEventTime + 104 * kEventStep, event,
                      {"user_blocked"}, {{"citizen_handle", "@despues.revocacion"}});
  }
  // The revoked writer can no longer append.
  {
    v1::Entry entry;
    entry.set_writer(temporal.name());
    entry.set_request_id("too-late");
    entry.set_event_time_micros(kBaseEventTime);
    entry.mutable_generic()->set_type("ticket.opened");
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = client::SignEntry(temporal, entry);
    v1::Receipt receipt;
    EXPECT_FALSE(log_.stub().Append(&context, request, &receipt).ok());
  }
  ASSERT_NO_FATAL_FAILURE(log_.Refresh());
  ASSERT_EQ(log_.at(revoked_at).type, "writer_revoked");

  // Only the revoked writer's records: they were signed while it was
  // registered, and verify; its registration and revocation are trust lines.
  const std::string out = dir_.path() + "/temporal";
  Ran run = Request(out, {"--writer", "temporal"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Bundle bundle = ReadBundle(out + "/records.jsonl");
  EXPECT_EQ(bundle.record_indexes(), by_temporal);
  const std::vector<uint64_t> trust = bundle.trust_indexes();
  EXPECT_EQ(trust, TrustFor(log_, by_temporal));
  EXPECT_THAT(trust, ::testing::Contains(uint64_t{0}));
  EXPECT_THAT(trust, ::testing::Contains(revoked_at));
  EXPECT_THAT(trust, ::testing::Contains(by_temporal.front() - 1));  // its registration
  Ran audit = Audit(out + "/records.jsonl");
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_EQ(*MustParse(audit.out).Uint("valid_records"), *MustParse(audit.out).Uint("records"));

  // Every block, before and after the revocation, disclosed.
  const std::string all = dir_.path() + "/bloqueos";
  Ran blocks = Request(all, {"--type", "user_blocked", "--disclose", "--reader-token-file",
                             log_.config().reader_token_file});
  ASSERT_EQ(blocks.exit_code, 0) << blocks.err;
  bundle = ReadBundle(all + "/records.jsonl");
  EXPECT_THAT(bundle.record_indexes(),
              ElementsAreArray(log_.Where([](const Known& k) { return k.type == "user_blocked"; })));
  Ran audit_all = Audit(all + "/records.jsonl");
  EXPECT_EQ(audit_all.exit_code, 0) << audit_all.out << audit_all.err;
  JsonObject report = MustParse(audit_all.out);
  EXPECT_TRUE(*report.Bool("ok"));
  EXPECT_EQ(*report.Uint("openings_verified"), bundle.records.size());
  EXPECT_THAT(ReadFileBytes(all + "/records.csv"), HasSubstr(CsvJsonMember("citizen_handle", "@temporal.2")));
}

TEST_F(RequestCliTest, ErasedDataIsAbsentFromADisclosedRequestWhichStillVerifies) {
  const std::vector<uint64_t> blocks = log_.Where([](const Known& k) { return k.type == "user_blocked"; });
  ASSERT_GE(blocks.size(), 3u);
  const Known erased = log_.at(blocks[1]);
  ASSERT_EQ(erased.openings.size(), 1u);
  // The habeas data request, approved by the administrator.
  v1::PolicyEvent event;
  event.mutable_actor()->set_email(kActorA);
  event.set_refers_to(erased.index);
  event.mutable_personal_data_erased()->set_request_reference("habeas-2026-7");
  event.mutable_personal_data_erased()->set_admin_signature(
      log_.admin().Sign(policy::ErasureApprovalMessage(erased.index, "habeas-2026-7")));
  v1::Entry entry;
  entry.set_writer(log_.writer(0).name());
  entry.set_request_id("erase");
  // After the standard events, not in the future (the server refuses event
  // times more than --max-event-time-ahead ahead).
  entry.set_event_time_micros(kBaseEventTime + (kEvents + 1) * kEventStep);
  *entry.mutable_policy() = event;
  {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = client::SignEntry(log_.writer(0), entry);
    v1::Receipt receipt;
    grpc::Status status = log_.policy_stub().ErasePersonalData(&context, request, &receipt);
    ASSERT_TRUE(status.ok()) << server::testing::StatusText(status);
  }

  const std::string out = dir_.path() + "/tras-borrado";
  Ran run = Request(out, {"--type", "user_blocked", "--disclose", "--reader-token-file",
                          log_.config().reader_token_file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string csv = ReadFileBytes(out + "/records.csv");
  const std::string jsonl = ReadFileBytes(out + "/records.jsonl");
  for (const std::string& file : {csv, jsonl, ReadFileBytes(out + "/README.txt")}) {
    EXPECT_EQ(file.find(erased.openings[0].value()), std::string::npos);
    EXPECT_EQ(file.find(Base64Encode(erased.openings[0].salt())), std::string::npos);
  }
  EXPECT_THAT(csv, HasSubstr("(suprimido)"));
  for (uint64_t index : blocks) {
    if (index == erased.index) continue;
    EXPECT_THAT(csv, HasSubstr(CsvJsonMember("citizen_handle", log_.at(index).openings[0].value())));
  }
  const Bundle bundle = ReadBundle(out + "/records.jsonl");
  EXPECT_THAT(bundle.record_indexes(), ElementsAreArray(blocks));
  for (const BundleRecordLine& line : bundle.records) {
    EXPECT_EQ(line.personal_data.size(), line.index == erased.index ? 0u : 1u) << line.index;
  }
  Ran audit = Audit(out + "/records.jsonl");
  ASSERT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_EQ(*MustParse(audit.out).Uint("openings_verified"), blocks.size() - 1);
}

}  // namespace
}  // namespace memoria::query
