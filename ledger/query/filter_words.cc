#include "ledger/query/filter_words.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/query/institution_time.h"

namespace memoria::query {
namespace {

using policy::Language;

// "a", "a o b", "a, b o c" ("or" in English).
std::string AnyOf(const std::vector<std::string>& items, Language lang) {
  if (items.empty()) return "";
  if (items.size() == 1) return items.front();
  const std::vector<std::string> head(items.begin(), items.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), lang == Language::kEs ? " o " : " or ",
                      items.back());
}

std::string Quoted(std::string_view text, Language lang) {
  return lang == Language::kEs ? absl::StrCat("«", std::string(text), "»")
                               : absl::StrCat("“", std::string(text), "”");
}

std::string PlatformName(v1::Platform platform) {
  if (platform == v1::TWITTER) return "x";
  return absl::AsciiStrToLower(v1::Platform_Name(platform));
}

// " singular a" or " plural a o b".
std::string Phrase(const std::vector<std::string>& items, const char* singular,
                   const char* plural, Language lang) {
  if (items.empty()) return "";
  return absl::StrCat(" ", items.size() == 1 ? singular : plural, " ", AnyOf(items, lang));
}

std::optional<int64_t> From(const v1::TimeRange& range) {
  return range.has_from_micros() ? std::optional<int64_t>(range.from_micros()) : std::nullopt;
}
std::optional<int64_t> To(const v1::TimeRange& range) {
  return range.has_to_micros() ? std::optional<int64_t>(range.to_micros()) : std::nullopt;
}

}  // namespace

std::string DescribeFilter(const v1::QueryFilter& filter, const absl::TimeZone& zone,
                           Language lang) {
  const bool es = lang == Language::kEs;
  std::string out = es ? "eventos" : "events";
  std::vector<std::string> types;
  for (const std::string& type : filter.event_types()) {
    types.push_back(Quoted(policy::EventTypeLabel(type, lang), lang));
  }
  out += Phrase(types, es ? "de tipo" : "of type", es ? "de tipo" : "of type", lang);
  std::vector<std::string> generic;
  for (const std::string& type : filter.generic_types()) generic.push_back(Quoted(type, lang));
  out += Phrase(generic, es ? "de tipo genérico" : "of generic type",
                es ? "de tipo genérico" : "of generic type", lang);
  const std::string when =
      DescribeTimeRange(From(filter.event_time()), To(filter.event_time()), zone, lang);
  if (!when.empty()) absl::StrAppend(&out, " ", when);
  std::vector<std::string> accounts;
  for (const v1::AccountRef& account : filter.accounts()) {
    accounts.push_back(absl::StrCat(PlatformName(account.platform()), "/", account.handle()));
  }
  out += Phrase(accounts, es ? "en la cuenta" : "on the account",
                es ? "en las cuentas" : "on the accounts", lang);
  std::vector<std::string> platforms;
  for (int platform : filter.platforms()) {
    platforms.push_back(PlatformName(static_cast<v1::Platform>(platform)));
  }
  out += Phrase(platforms, es ? "en la red social" : "on the platform",
                es ? "en las redes sociales" : "on the platforms", lang);
  out += Phrase({filter.actors().begin(), filter.actors().end()},
                es ? "del funcionario" : "by the official",
                es ? "de los funcionarios" : "by the officials", lang);
  out += Phrase({filter.writers().begin(), filter.writers().end()},
                es ? "escritos con la clave" : "written with the key",
                es ? "escritos con las claves" : "written with the keys", lang);
  std::vector<std::string> findings;
  for (const std::string& rule : filter.findings()) findings.push_back(Quoted(rule, lang));
  out += Phrase(findings, es ? "señalados por la regla" : "flagged by the rule",
                es ? "señalados por las reglas" : "flagged by the rules", lang);
  const std::string logged =
      DescribeTimeRange(From(filter.integrated()), To(filter.integrated()), zone, lang);
  if (!logged.empty()) {
    absl::StrAppend(&out, es ? " registrados en el libro " : " logged ", logged);
  }
  if (out == (es ? "eventos" : "events")) return es ? "todos los eventos" : "all events";
  return out;
}

}  // namespace memoria::query
