// A request's README.txt and resumen.html for a known request (golden lines),
// in Spanish and English; HTML escaping of what requesters and writers typed.
#include "client/request_documents.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/query/institution_time.h"

namespace memoria::client {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCheckpoint[] =
    "memoria.example/log\n42\nq0M8fP1uK6w0n9Xc6o8e4Vg0b1a3m2w5y7z9x1c3v5E=\n\n"
    "— memoria.example/log AAAAAQ==\n";

RequestFacts March() {
  RequestFacts facts;
  facts.reference = "2026-118";
  facts.description = "Publicaciones de marzo <y sus respuestas> & \"bloqueos\"";
  facts.zone = *query::LoadInstitutionZone("America/Bogota");
  // 2026-04-02 09:15:00 -05:00.
  facts.issued_micros = *query::ParseInstitutionTime("2026-04-02 09:15:00 -05:00", facts.zone,
                                                     query::RangeBound::kFrom);
  facts.filter.mutable_event_time()->set_from_micros(
      *query::ParseInstitutionTime("2026-03-01", facts.zone, query::RangeBound::kFrom));
  facts.filter.mutable_event_time()->set_to_micros(
      *query::ParseInstitutionTime("2026-03-31", facts.zone, query::RangeBound::kTo));
  v1::AccountRef& account = *facts.filter.add_accounts();
  account.set_platform(v1::FACEBOOK);
  account.set_handle("alcaldiapasto");
  facts.records = 12;
  facts.trust_records = 3;
  facts.records_by_type = {{"post_published", 9}, {"user_blocked", 1}, {"reply_published", 2}};
  facts.tree_size = 42;
  facts.checkpoint = kCheckpoint;
  facts.log_vkey = "memoria.example/log+01020304+AQIDBA==";
  return facts;
}

std::vector<std::string> Lines(const std::string& text) { return absl::StrSplit(text, '\n'); }

TEST(RequestDocumentsTest, SpanishReadmeGoldenLines) {
  const std::string readme = RequestReadme(March());
  const std::vector<std::string> lines = Lines(readme);
  ASSERT_GE(lines.size(), 12u);
  const std::vector<std::string> head(lines.begin(), lines.begin() + 12);
  EXPECT_THAT(head, ::testing::ElementsAre(
                        "RESPUESTA A UNA SOLICITUD DE ACCESO A LA INFORMACIÓN PÚBLICA",
                        "============================================================", "",
                        "Referencia:          2026-118",
                        "Solicitud:           Publicaciones de marzo <y sus respuestas> & \"bloqueos\"",
                        "Fecha de expedición: 2 de abril de 2026 (2026-04-02 09:15:00 -05:00)",
                        "Consulta:            Eventos entre el 1 y el 31 de marzo de 2026 en la "
                        "cuenta facebook/alcaldiapasto",
                        "Registros:           12",
                        // By type, in the order of the .proto files.
                        "  - Publicación: 9", "  - Respuesta a un comentario: 2",
                        "  - Bloqueo de usuario: 1",
                        "Registros de administración del libro incluidos para la verificación: 3"));
  EXPECT_THAT(lines, Contains("Todas las horas están en la zona horaria America/Bogota, con su "
                              "diferencia respecto"));
  EXPECT_THAT(lines, Contains("Cómo verificar"));
  EXPECT_THAT(lines, Contains("   memoria.example/log+01020304+AQIDBA=="));
  EXPECT_THAT(lines, Contains("   memoria-audit verify --bundle records.jsonl --log-key '<la clave "
                              "de arriba>'"));
  EXPECT_THAT(lines, Contains("Punto de control verificado"));
  EXPECT_THAT(readme, HasSubstr("               LibreOffice): UTF-8, columnas separadas por punto y "
                                "coma (;).\n"));
  EXPECT_THAT(readme, HasSubstr("Los datos personales de los ciudadanos NO se incluyen"));
  EXPECT_TRUE(readme.ends_with(kCheckpoint));
  // Spanish only: no English heading left.
  EXPECT_THAT(readme, Not(HasSubstr("How to verify")));
  EXPECT_THAT(readme, Not(HasSubstr("Request:")));
}

TEST(RequestDocumentsTest, DisclosureAndTheSeparatorAreSaid) {
  RequestFacts facts = March();
  facts.disclosed = true;
  facts.csv_separator = ',';
  facts.reference.clear();
  facts.description.clear();
  const std::string readme = RequestReadme(facts);
  EXPECT_THAT(readme, HasSubstr("ESTOS ARCHIVOS SÍ CONTIENEN DATOS PERSONALES"));
  EXPECT_THAT(readme, HasSubstr("Ley 1581 de 2012"));
  EXPECT_THAT(readme, HasSubstr("   y cada dato personal revelado contra su compromiso.\n"));
  EXPECT_THAT(readme, HasSubstr("columnas separadas por comas (,)"));
  EXPECT_THAT(Lines(readme), Contains("Referencia:          (sin referencia)"));
  EXPECT_THAT(Lines(readme), Contains("Solicitud:           (sin descripción)"));
}

TEST(RequestDocumentsTest, EnglishReadme) {
  RequestFacts facts = March();
  facts.language = policy::Language::kEn;
  const std::vector<std::string> lines = Lines(RequestReadme(facts));
  EXPECT_EQ(lines[0], "ANSWER TO A PUBLIC INFORMATION REQUEST");
  EXPECT_THAT(lines, Contains("Date of issue: April 2, 2026 (2026-04-02 09:15:00 -05:00)"));
  EXPECT_THAT(lines, Contains("Query:         Events between March 1 and March 31, 2026 on the "
                              "account facebook/alcaldiapasto"));
  EXPECT_THAT(lines, Contains("  - Post published: 9"));
  EXPECT_THAT(lines, Contains("How to verify"));
}

TEST(RequestDocumentsTest, SummaryIsOneSelfContainedPrintablePage) {
  const std::string html = RequestSummaryHtml(March());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("<title>Respuesta a una solicitud de acceso a la información pública — "
                              "2026-118</title>"));
  EXPECT_THAT(html, HasSubstr("<dt>Fecha de expedición</dt><dd>2 de abril de 2026 (2026-04-02 "
                              "09:15:00 -05:00)</dd>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Publicación</td><td class=\"n\">9</td></tr>"));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr("<pre>memoria.example/log+01020304+AQIDBA==</pre>"));
  // What a requester typed is escaped, never markup.
  EXPECT_THAT(html, HasSubstr("Publicaciones de marzo &lt;y sus respuestas&gt; &amp; "
                              "&quot;bloqueos&quot;"));
  EXPECT_THAT(html, Not(HasSubstr("<y sus")));
  // Nothing from elsewhere.
  for (const char* external : {"http:", "https:", "<script", "<link", "<img", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  RequestFacts english = March();
  english.language = policy::Language::kEn;
  EXPECT_THAT(RequestSummaryHtml(english), HasSubstr("<h2>How to verify</h2>"));
}

TEST(RequestDocumentsTest, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(HtmlEscape("Nariño"), "Nariño");
}

}  // namespace
}  // namespace memoria::client
