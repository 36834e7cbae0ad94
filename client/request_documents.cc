#include "client/request_documents.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "ledger/query/event_type.h"
#include "ledger/query/filter_words.h"
#include "ledger/query/institution_time.h"

namespace memoria::client {
namespace {

using policy::Language;

// "3 de diciembre de 2026 (2026-12-03 14:30:00 -05:00)".
std::string IssueDate(const RequestFacts& facts) {
  const absl::CivilDay day(absl::ToCivilSecond(absl::FromUnixMicros(facts.issued_micros), facts.zone));
  return absl::StrCat(query::DayInWords(day, facts.language), " (",
                      query::FormatInstitutionTime(facts.issued_micros, facts.zone), ")");
}

std::string Capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

// The result records by type, in the order of the .proto files: label and count.
std::vector<std::pair<std::string, uint64_t>> Counts(const RequestFacts& facts) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const std::string& type : query::EventTypeNames()) {
    const auto found = facts.records_by_type.find(type);
    if (found == facts.records_by_type.end()) continue;
    out.emplace_back(std::string(policy::EventTypeLabel(type, facts.language)), found->second);
  }
  for (const auto& [type, count] : facts.records_by_type) {
    if (!query::IsEventTypeName(type)) out.emplace_back(type, count);
  }
  return out;
}

std::string SeparatorName(char separator, Language lang) {
  if (separator == ';') return lang == Language::kEs ? "punto y coma (;)" : "semicolons (;)";
  if (separator == ',') return lang == Language::kEs ? "comas (,)" : "commas (,)";
  return absl::StrCat("«", std::string(1, separator), "»");
}

std::string CompletenessEs(const RequestFacts& f) {
  if (!f.search_from) {
    return "Completitud\n-----------\n"
           "Esta respuesta no declara el tramo del libro en que se buscó: prueba que cada\n"
           "registro está en el libro, no que no se omitió ninguno.\n\n";
  }
  return absl::StrCat(
      "Completitud\n-----------\n"
      "Esta respuesta es COMPLETA Y COMPROBABLE: el archivo ", kRequestBundleName,
      " declara el filtro\n"
      "y el tramo del libro en que se buscó, los registros [", *f.search_from, ", ", f.tree_size,
      "), que contiene\n"
      "todo registro que pueda cumplir el filtro. Para comprobar que no se omitió\n"
      "ningún registro (memoria-audit lee ese tramo del servidor, cada registro con su\n"
      "prueba de inclusión, y vuelve a aplicar el filtro):\n\n"
      "   memoria-audit verify --bundle ",
      kRequestBundleName, " --log-key '<la clave de arriba>' --server SERVIDOR:PUERTO\n\n");
}

std::string CompletenessEn(const RequestFacts& f) {
  if (!f.search_from) {
    return "Completeness\n------------\n"
           "This answer does not state the range of the log searched: it proves that each\n"
           "record in it is in the log, not that none was left out.\n\n";
  }
  return absl::StrCat(
      "Completeness\n------------\n"
      "This answer is PROVEN COMPLETE: ", kRequestBundleName,
      " states the filter and the range of the log\n"
      "searched, records [", *f.search_from, ", ", f.tree_size,
      "), which holds every record that can match it. To check\n"
      "that no matching record was left out (memoria-audit reads the range from the server,\n"
      "each record with its inclusion proof, and re-applies the filter):\n\n"
      "   memoria-audit verify --bundle ",
      kRequestBundleName, " --log-key '<the key above>' --server HOST:PORT\n\n");
}

std::string ReadmeEs(const RequestFacts& f) {
  std::string counts;
  for (const auto& [label, count] : Counts(f)) {
    absl::StrAppend(&counts, "  - ", label, ": ", count, "\n");
  }
  const std::string disclosure =
      f.disclosed
          ? "ESTOS ARCHIVOS SÍ CONTIENEN DATOS PERSONALES de ciudadanos (valores y sales, cada\n"
            "uno comprobado contra su compromiso en el registro firmado). Trátelos conforme a la\n"
            "Ley 1581 de 2012 de protección de datos personales.\n"
          : "Los datos personales de los ciudadanos NO se incluyen: solo aparecen como\n"
            "compromisos (sha256:<hex>), resúmenes con sal que no revelan el dato y prueban\n"
            "que existía.\n";
  return absl::StrCat(
      "RESPUESTA A UNA SOLICITUD DE ACCESO A LA INFORMACIÓN PÚBLICA\n"
      "============================================================\n\n",
      "Referencia:          ", f.reference.empty() ? "(sin referencia)" : f.reference, "\n",
      "Solicitud:           ", f.description.empty() ? "(sin descripción)" : f.description, "\n",
      "Fecha de expedición: ", IssueDate(f), "\n",
      "Consulta:            ", Capitalized(query::DescribeFilter(f.filter, f.zone, f.language)), "\n",
      "Registros:           ", f.records, "\n", counts,
      "Registros de administración del libro incluidos para la verificación: ", f.trust_records,
      "\n\n"
      "Todas las horas están en la zona horaria ", f.zone.name(),
      ", con su diferencia respecto\n"
      "de UTC (por ejemplo, 2026-01-31 23:30:00 -05:00). records.jsonl guarda los valores\n"
      "exactos (microsegundos, UTC).\n\n"
      "Archivos\n--------\n",
      kRequestCsvName,
      "    un renglón por registro, para leer en una hoja de cálculo (Excel o\n"
      "               LibreOffice): UTF-8, columnas separadas por ",
      SeparatorName(f.csv_separator, f.language),
      ".\n"
      "               La última columna, «Hash de la hoja (SHA-256)», liga cada renglón\n"
      "               al libro. Un texto que empieza por = + - @ lleva un apóstrofo\n"
      "               delante para que la hoja de cálculo no lo ejecute como fórmula.\n",
      kRequestBundleName,
      "  los mismos registros para programas (memoria-bundle-v1, JSON Lines):\n"
      "               los bytes exactos de cada registro y su prueba de inclusión en el\n"
      "               punto de control firmado (abajo), más los registros que dan de alta\n"
      "               las claves de los escritores.\n",
      kRequestSummaryName,
      "   un resumen de una página, para imprimir.\n",
      kRequestReadmeName, "     este archivo.\n\n", disclosure,
      "\n"
      "Los registros provienen del libro de auditoría «memoria» de la institución.\n"
      "Cualquier persona puede comprobar, sin confiar en la institución, que cada\n"
      "registro está en el libro firmado y no fue alterado, con la clave pública del\n"
      "libro (abajo).\n\n"
      "Cómo verificar\n--------------\n"
      "1. Obtenga la clave pública del libro por los canales publicados de la\n"
      "   institución (no solo de este archivo) y compárela con esta:\n\n   ",
      f.log_vkey,
      "\n\n"
      "2. Con memoria-audit, el verificador que acompaña a memoria (software libre;\n"
      "   compílelo desde las fuentes publicadas de memoria), en la carpeta de estos\n"
      "   archivos:\n\n"
      "   memoria-audit verify --bundle ",
      kRequestBundleName,
      " --log-key '<la clave de arriba>'\n\n"
      "   Comprueba la firma Ed25519 del punto de control, la prueba de inclusión\n"
      "   RFC 6962 de cada registro y la firma de cada escritor con las claves que el\n"
      "   propio libro registró",
      f.disclosed ? ",\n   y cada dato personal revelado contra su compromiso" : "",
      ".\n"
      "   Termina con código 0 si todo se verifica; cualquier alteración lo hace\n"
      "   fallar y nombra el registro.\n\n"
      "3. O con cualquier implementación de RFC 6962 / RFC 9162 y de notas firmadas\n"
      "   C2SP: el punto de control (una nota firmada C2SP, en la primera línea de\n   ",
      kRequestBundleName, ") firma el tamaño del árbol ", f.tree_size,
      " y su raíz; el hash de hoja de cada\n"
      "   registro es SHA-256(0x00 || bytes del registro) y su \"proof\" es la prueba\n"
      "   de inclusión de esa hoja en la posición \"index\" de ese árbol.\n\n"
      "4. Cada renglón de ", kRequestCsvName, " corresponde al registro de ", kRequestBundleName,
      "\n"
      "   con el mismo número («Número de registro», \"index\"); su «Hash de la hoja\n"
      "   (SHA-256)» es el hash de hoja de ese registro (paso 3).\n\n",
      CompletenessEs(f), "Punto de control verificado\n---------------------------\n",
      f.checkpoint);
}

std::string ReadmeEn(const RequestFacts& f) {
  std::string counts;
  for (const auto& [label, count] : Counts(f)) {
    absl::StrAppend(&counts, "  - ", label, ": ", count, "\n");
  }
  const std::string disclosure =
      f.disclosed
          ? "Personal data IS DISCLOSED in these files (values and salts, each checked against its\n"
            "commitment in the signed record). Handle them under Colombia's data-protection law\n"
            "(Ley 1581 de 2012).\n"
          : "Personal data of citizens is NOT included: it appears only as commitments\n"
            "(sha256:<hex>), salted hashes that reveal nothing and prove the data existed.\n";
  return absl::StrCat(
      "ANSWER TO A PUBLIC INFORMATION REQUEST\n"
      "======================================\n\n",
      "Reference:     ", f.reference.empty() ? "(no reference)" : f.reference, "\n",
      "Request:       ", f.description.empty() ? "(no description given)" : f.description, "\n",
      "Date of issue: ", IssueDate(f), "\n",
      "Query:         ", Capitalized(query::DescribeFilter(f.filter, f.zone, f.language)), "\n",
      "Records:       ", f.records, "\n", counts,
      "Log administration records included for verification: ", f.trust_records,
      "\n\n"
      "Every time is in the time zone ", f.zone.name(),
      ", with its offset from UTC (e.g.\n"
      "2026-01-31 23:30:00 -05:00). records.jsonl keeps the exact values (microseconds, UTC).\n\n"
      "Files\n-----\n",
      kRequestCsvName,
      "    one row per record, for a spreadsheet (Excel, LibreOffice): UTF-8,\n"
      "               columns separated by ",
      SeparatorName(f.csv_separator, f.language),
      ". Its last column, \"Leaf hash (SHA-256)\",\n"
      "               ties each row to the log. A text starting with = + - @ gets a\n"
      "               leading apostrophe so that a spreadsheet does not run it.\n",
      kRequestBundleName,
      "  the same records for machines (memoria-bundle-v1, JSON Lines): each\n"
      "               record's exact bytes and its inclusion proof to the signed\n"
      "               checkpoint below, plus the records that register the writer keys.\n",
      kRequestSummaryName, "   a one-page summary to print.\n", kRequestReadmeName,
      "     this file.\n\n", disclosure,
      "\n"
      "The records come from the institution's memoria audit log. Anyone can check,\n"
      "without trusting the institution, that each record is in the signed log and was\n"
      "not altered, with the log's public key (below).\n\n"
      "How to verify\n-------------\n"
      "1. Obtain the log's public key from the institution's published channels (not only\n"
      "   from this file) and compare it with this one:\n\n   ",
      f.log_vkey,
      "\n\n"
      "2. With memoria-audit, the auditor that comes with memoria (free software; build it\n"
      "   from the institution's published memoria sources), in the folder of these files:\n\n"
      "   memoria-audit verify --bundle ",
      kRequestBundleName,
      " --log-key '<the key above>'\n\n"
      "   It checks the checkpoint's Ed25519 signature, every record's RFC 6962 inclusion\n"
      "   proof, every writer signature under the keys the log itself registered",
      f.disclosed ? ",\n   and every disclosed value against its commitment" : "",
      ".\n"
      "   It exits with code 0 if everything verifies; any alteration makes it fail, naming\n"
      "   the record.\n\n"
      "3. Or with any RFC 6962 / RFC 9162 and C2SP signed-note implementation: the checkpoint\n"
      "   (a C2SP signed note, in the first line of ",
      kRequestBundleName, ") signs tree size ", f.tree_size,
      " and its\n"
      "   root; each record's leaf hash is SHA-256(0x00 || record bytes) and its \"proof\" is\n"
      "   the inclusion proof of that leaf at \"index\" in that tree.\n\n"
      "4. Each row of ", kRequestCsvName, " is the record of ", kRequestBundleName,
      " with the same number\n"
      "   (\"Record number\", \"index\"); its \"Leaf hash (SHA-256)\" is that record's leaf hash\n"
      "   (step 3).\n\n",
      CompletenessEn(f), "Checkpoint proven against\n-------------------------\n",
      f.checkpoint);
}

constexpr char kStyle[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11pt;line-height:1.35;"
    "color:#111;background:#fff;max-width:48rem;margin:1.5rem auto;padding:0 1rem}"
    "h1{font-size:15pt;margin:0 0 .6rem}h2{font-size:12pt;margin:1rem 0 .3rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0}"
    "dt{font-weight:bold}dd{margin:0}"
    "table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #555;"
    "padding:.15rem .5rem;text-align:left}td.n{text-align:right}"
    "code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:9pt;overflow-wrap:anywhere;"
    "white-space:pre-wrap}"
    "pre{border:1px solid #555;padding:.4rem;margin:.3rem 0}"
    "p.note{font-size:10pt}"
    "@page{size:auto;margin:14mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}pre,code{font-size:8pt}"
    "h2,table,pre{break-inside:avoid}}";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string RequestReadme(const RequestFacts& facts) {
  return facts.language == Language::kEs ? ReadmeEs(facts) : ReadmeEn(facts);
}

std::string RequestSummaryHtml(const RequestFacts& f) {
  const bool es = f.language == Language::kEs;
  const auto row = [](std::string_view term, std::string_view value) {
    return absl::StrCat("<dt>", HtmlEscape(term), "</dt><dd>", HtmlEscape(value), "</dd>\n");
  };
  std::string counts;
  for (const auto& [label, count] : Counts(f)) {
    absl::StrAppend(&counts, "<tr><td>", HtmlEscape(label), "</td><td class=\"n\">", count,
                    "</td></tr>\n");
  }
  const std::string title = es ? "Respuesta a una solicitud de acceso a la información pública"
                               : "Answer to a public information request";
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", es ? "es" : "en",
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>",
      HtmlEscape(title), f.reference.empty() ? "" : " — ", HtmlEscape(f.reference),
      "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n<main>\n<h1>", HtmlEscape(title),
      "</h1>\n<dl>\n",
      row(es ? "Referencia" : "Reference",
          f.reference.empty() ? (es ? "(sin referencia)" : "(no reference)") : f.reference),
      row(es ? "Solicitud" : "Request",
          f.description.empty() ? (es ? "(sin descripción)" : "(no description given)")
                                : f.description),
      row(es ? "Fecha de expedición" : "Date of issue", IssueDate(f)),
      row(es ? "Consulta" : "Query", Capitalized(query::DescribeFilter(f.filter, f.zone, f.language))),
      row(es ? "Registros" : "Records", absl::StrCat(f.records)),
      row(es ? "Zona horaria" : "Time zone", std::string(f.zone.name())),
      row(es ? "Datos personales" : "Personal data",
          f.disclosed ? (es ? "SÍ incluidos (Ley 1581 de 2012)" : "DISCLOSED (Ley 1581 de 2012)")
                      : (es ? "no incluidos (solo compromisos)" : "not included (commitments only)")),
      "</dl>\n");
  if (!counts.empty()) {
    absl::StrAppend(&html, "<h2>", es ? "Registros por tipo de evento" : "Records by event type",
                    "</h2>\n<table>\n<thead><tr><th scope=\"col\">",
                    es ? "Tipo de evento" : "Event type", "</th><th scope=\"col\">",
                    es ? "Registros" : "Records", "</th></tr></thead>\n<tbody>\n", counts,
                    "</tbody>\n</table>\n");
  }
  absl::StrAppend(
      &html, "<h2>", es ? "Cómo verificar" : "How to verify", "</h2>\n<ol>\n<li>",
      es ? "Compare la clave pública del libro con la que publica la institución:"
         : "Compare the log's public key with the one the institution publishes:",
      "<pre>", HtmlEscape(f.log_vkey), "</pre></li>\n<li>",
      es ? "En la carpeta de los archivos, ejecute:" : "In the folder of the files, run:",
      "<pre>memoria-audit verify --bundle ", kRequestBundleName, " --log-key '",
      es ? "&lt;la clave&gt;" : "&lt;the key&gt;", "'</pre>",
      es ? "Termina con código 0 si cada registro está en el libro firmado y no fue alterado."
         : "It exits with code 0 if every record is in the signed log and unaltered.",
      "</li>\n<li>",
      es ? "Los pasos completos, y cómo hacerlo con otras herramientas, están en "
         : "The full steps, and how to do it with other tools, are in ",
      "<code>", kRequestReadmeName, "</code>.</li>\n</ol>\n<h2>",
      es ? "Punto de control verificado" : "Checkpoint proven against", "</h2>\n<pre>",
      HtmlEscape(f.checkpoint), "</pre>\n<p class=\"note\">",
      es ? "Archivos de esta respuesta: " : "Files of this answer: ", "<code>", kRequestCsvName,
      "</code>, <code>", kRequestBundleName, "</code>, <code>", kRequestReadmeName,
      "</code>, <code>", kRequestSummaryName, "</code>.</p>\n</main>\n</body>\n</html>\n");
  return html;
}

}  // namespace memoria::client
