// query and request: transparency-law requests (ledger/query/, query.proto).
//   memoria query [filters] [--newest-first] [--limit N]
//   memoria request --from T --to T [filters] --out DIR [--disclose --reader-token-file F]
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/cli/json.h"
#include "client/request_report.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/policy/event_labels.h"
#include "ledger/query/event_type.h"
#include "ledger/query/institution_time.h"
#include "ledger/query/query.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"

namespace memoria::client::cli {
namespace {

// The filter flags shared by query and request.
struct FilterFlags {
  std::string event_from, event_to;
  std::string integrated_from, integrated_to;
  std::vector<std::string> types, generic_types, accounts, platforms, actors, writers, findings;
};

void AddFilterFlags(CLI::App& command, FilterFlags& flags, bool event_time_flags) {
  if (event_time_flags) {
    command.add_option("--event-from", flags.event_from,
                       "Events that happened at or after this time: a date (2026-01-01, from its "
                       "start in --time-zone), RFC 3339 or microseconds");
    command.add_option("--event-to", flags.event_to,
                       "... and before this time (exclusive; a date includes its whole day)");
  }
  command.add_option("--integrated-from", flags.integrated_from,
                     "Records the log integrated at or after this time (a date, RFC 3339 or "
                     "microseconds)");
  command.add_option("--integrated-to", flags.integrated_to,
                     "... and before this time (exclusive; a date includes its whole day)");
  command.add_option("--type", flags.types,
                     "Event type (repeat for any of several): genesis, writer_registered, "
                     "writer_revoked, generic, or a policy event such as post_published, "
                     "reply_published, account_created, admin_role_granted, user_blocked");
  command.add_option("--generic-type", flags.generic_types, "GenericEvent type, e.g. ticket.opened");
  command.add_option("--account", flags.accounts,
                     "PLATFORM:HANDLE, e.g. facebook:AlcaldiaPasto (handle case-insensitive)");
  command.add_option("--platform", flags.platforms,
                     "facebook, twitter (X), instagram, youtube, tiktok, whatsapp, other_platform");
  command.add_option("--actor", flags.actors, "The acting official's email");
  command.add_option("--writer", flags.writers, "The writer key's name");
  command.add_option("--finding", flags.findings,
                     "Records flagged when sequenced by this rule, e.g. post_deleted, user_blocked");
}

absl::StatusOr<v1::Platform> ParsePlatform(const std::string& text) {
  std::string name = absl::AsciiStrToUpper(text);
  if (name == "X") name = "TWITTER";
  v1::Platform platform = v1::PLATFORM_UNSPECIFIED;
  if (!v1::Platform_Parse(name, &platform) || platform == v1::PLATFORM_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown platform \"", text,
        "\" (facebook, twitter, instagram, youtube, tiktok, whatsapp, other_platform)"));
  }
  return platform;
}

// A time flag: a plain date (the institution's whole day: its first instant
// for a `from`, the next day's for a `to`), RFC 3339 or microseconds.
absl::StatusOr<int64_t> ParseRangeFlag(const std::string& flag, const std::string& text,
                                       const absl::TimeZone& zone, query::RangeBound bound) {
  absl::StatusOr<int64_t> micros = query::ParseInstitutionTime(text, zone, bound);
  if (!micros.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", std::string(micros.status().message())));
  }
  return micros;
}

absl::Status SetRange(const std::string& from_flag, const std::string& from,
                      const std::string& to_flag, const std::string& to,
                      const absl::TimeZone& zone, v1::TimeRange& range) {
  if (!from.empty()) {
    ASSIGN_OR_RETURN(int64_t micros, ParseRangeFlag(from_flag, from, zone, query::RangeBound::kFrom));
    range.set_from_micros(micros);
  }
  if (!to.empty()) {
    ASSIGN_OR_RETURN(int64_t micros, ParseRangeFlag(to_flag, to, zone, query::RangeBound::kTo));
    range.set_to_micros(micros);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::QueryFilter> BuildFilter(const FilterFlags& flags, const char* event_from_flag,
                                            const char* event_to_flag, const absl::TimeZone& zone) {
  v1::QueryFilter filter;
  RETURN_IF_ERROR(SetRange(event_from_flag, flags.event_from, event_to_flag, flags.event_to, zone,
                           *filter.mutable_event_time()));
  RETURN_IF_ERROR(SetRange("--integrated-from", flags.integrated_from, "--integrated-to",
                           flags.integrated_to, zone, *filter.mutable_integrated()));
  for (const std::string& type : flags.types) filter.add_event_types(type);
  for (const std::string& type : flags.generic_types) filter.add_generic_types(type);
  for (const std::string& text : flags.accounts) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--account \"", text, "\" is not PLATFORM:HANDLE (facebook:AlcaldiaPasto)"));
    }
    ASSIGN_OR_RETURN(v1::Platform platform, ParsePlatform(text.substr(0, colon)));
    v1::AccountRef& account = *filter.add_accounts();
    account.set_platform(platform);
    account.set_handle(text.substr(colon + 1));
  }
  for (const std::string& text : flags.platforms) {
    ASSIGN_OR_RETURN(v1::Platform platform, ParsePlatform(text));
    filter.add_platforms(platform);
  }
  for (const std::string& actor : flags.actors) filter.add_actors(actor);
  for (const std::string& writer : flags.writers) filter.add_writers(writer);
  for (const std::string& rule : flags.findings) filter.add_findings(rule);
  return filter;
}

// --- query -------------------------------------------------------------------

struct QueryFlags {
  FilterFlags filter;
  bool newest_first = false;
  uint64_t limit = 100;
  bool all = false;
  uint32_t page_size = 0;
  std::string page_token;
};

// One line per record: index, integration time, type, account, actor, writer.
std::string RecordLine(uint64_t index, const std::string& leaf, bool json) {
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
  v1::Entry entry;
  if (!record.ok() || !entry.ParseFromString(record->entry())) {
    return absl::StrCat(index, " (record does not parse)\n");
  }
  std::string type(query::EventTypeName(entry));
  if (entry.has_generic()) absl::StrAppend(&type, ":", entry.generic().type());
  const v1::PolicyEvent& event = entry.policy();
  const std::string account =
      event.has_account() ? absl::StrCat(absl::AsciiStrToLower(v1::Platform_Name(event.account().platform())),
                                         ":", event.account().handle())
                          : "";
  if (json) {
    JsonWriter line;
    line.AddUint("index", index)
        .AddString("integrated", FormatMicros(record->integration_time_micros()))
        .AddString("event_time", FormatMicros(entry.event_time_micros()))
        .AddString("type", type)
        .AddString("account", account)
        .AddString("actor", event.actor().email())
        .AddString("writer", entry.writer())
        .AddString("leaf_hash", HexEncode(AsBytes(LeafHash(leaf))))
        .AddString("leaf", Base64Encode(leaf));
    return line.ToString() + "\n";
  }
  return absl::StrCat(index, "  ", FormatMicros(record->integration_time_micros()), "  ", type,
                      account.empty() ? "" : "  " + account,
                      event.actor().email().empty() ? "" : "  " + event.actor().email(),
                      "  writer=", entry.writer(), "\n");
}

// The zone of --time-zone, or a usage error naming the flag.
absl::StatusOr<absl::TimeZone> Zone(const GlobalOptions& globals) {
  absl::StatusOr<absl::TimeZone> zone = query::LoadInstitutionZone(globals.time_zone);
  if (!zone.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--time-zone: ", std::string(zone.status().message())));
  }
  return zone;
}

absl::Status Query(const GlobalOptions& globals, const QueryFlags& flags) {
  ASSIGN_OR_RETURN(absl::TimeZone zone, Zone(globals));
  ASSIGN_OR_RETURN(v1::QueryFilter filter,
                   BuildFilter(flags.filter, "--event-from", "--event-to", zone));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  v1::QueryRequest request;
  *request.mutable_filter() = filter;
  request.set_order(flags.newest_first ? v1::NEWEST_FIRST : v1::OLDEST_FIRST);
  request.set_page_token(flags.page_token);
  uint64_t printed = 0;
  while (true) {
    const uint64_t want = flags.all ? query::kMaxPageSize : flags.limit - printed;
    request.set_page_size(flags.page_size != 0
                              ? flags.page_size
                              : static_cast<uint32_t>(std::min<uint64_t>(want, query::kMaxPageSize)));
    ASSIGN_OR_RETURN(v1::QueryResponse response, client->Query(request));
    std::string out;
    for (const v1::QueryRecord& record : response.records()) {
      if (!flags.all && printed == flags.limit) break;
      out += RecordLine(record.index(), record.leaf(), globals.json);
      ++printed;
    }
    Print(out);
    request.set_page_token(response.next_page_token());
    if (response.next_page_token().empty()) break;
    if (!flags.all && printed == flags.limit) {
      if (!globals.json) {
        std::fprintf(stderr, "more records match; continue with --page-token %s\n",
                     response.next_page_token().c_str());
      }
      break;
    }
  }
  return absl::OkStatus();
}

// --- request -----------------------------------------------------------------

struct RequestFlags {
  FilterFlags filter;
  std::string out;
  bool disclose = false;
  std::string token_file;
  uint64_t tree_size = 0;
  std::string reference;
  std::string description;
  std::string csv_separator = ";";
};

absl::StatusOr<char> ParseSeparator(const std::string& text) {
  if (text == ";" || text == "semicolon") return ';';
  if (text == "," || text == "comma") return ',';
  return absl::InvalidArgumentError(absl::StrCat(
      "--csv-separator \"", text, "\": ';' (the default, what Spanish-locale Excel expects) or ','"));
}

absl::Status Request(const GlobalOptions& globals, const RequestFlags& flags) {
  ASSIGN_OR_RETURN(absl::TimeZone zone, Zone(globals));
  absl::StatusOr<policy::Language> language = policy::ParseLanguage(globals.lang);
  if (!language.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--lang: ", std::string(language.status().message())));
  }
  ASSIGN_OR_RETURN(char separator, ParseSeparator(flags.csv_separator));
  ASSIGN_OR_RETURN(v1::QueryFilter filter, BuildFilter(flags.filter, "--from", "--to", zone));
  std::string token;
  if (flags.disclose) {
    if (flags.token_file.empty()) {
      return absl::InvalidArgumentError("--disclose needs --reader-token-file");
    }
    ASSIGN_OR_RETURN(token, ReadReaderToken(flags.token_file));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  RequestOptions options;
  options.dir = flags.out;
  options.reference = flags.reference;
  options.description = flags.description;
  options.language = *language;
  options.zone = zone;
  options.csv_separator = separator;
  if (isatty(STDERR_FILENO)) {
    options.progress = [](const RequestProgress& p) {
      std::fprintf(stderr, "\r%llu records written (log position %llu of %llu)   ",
                   static_cast<unsigned long long>(p.records),
                   static_cast<unsigned long long>(p.position),
                   static_cast<unsigned long long>(p.tree_size));
      if (p.done) std::fprintf(stderr, "\n");
    };
  }
  v1::ExportRequest request;
  *request.mutable_filter() = filter;
  request.set_disclose_personal_data(flags.disclose);
  request.set_tree_size(flags.tree_size);
  ASSIGN_OR_RETURN(RequestSummary summary, WriteRequest(*client, request, token, options));
  if (globals.json) {
    JsonWriter json;
    json.AddString("dir", flags.out)
        .AddUint("records", summary.records)
        .AddUint("tree_size", summary.tree_size)
        .AddBool("disclosed", flags.disclose)
        .AddStringArray("files", summary.files);
    Print(json.ToString() + "\n");
  } else {
    std::string files;
    for (const std::string& file : summary.files) absl::StrAppend(&files, "  ", file, "\n");
    Print(absl::StrCat(summary.records, " records, proven against the checkpoint of ",
                       summary.tree_size, " records:\n", files));
  }
  return absl::OkStatus();
}

}  // namespace

void AddQueryCommands(Cli& cli) {
  {
    auto flags = std::make_shared<QueryFlags>();
    CLI::App* command = AddCommand(
        cli.app, "query",
        "Records matching every filter given (repeat a filter for any of several values), from "
        "the server's query indexes, oldest first. One line per record (JSON Lines with --json, "
        "with the record bytes). Records are shown as the server sends them: use `request` for "
        "an export with proofs.");
    AddFilterFlags(*command, flags->filter, /*event_time_flags=*/true);
    command->add_flag("--newest-first", flags->newest_first, "Newest records first");
    command->add_option("--limit", flags->limit, "Most records to print (default 100)");
    command->add_flag("--all", flags->all, "Every matching record (all pages)");
    command->add_option("--page-size", flags->page_size, "Records per server call (1-1000)");
    command->add_option("--page-token", flags->page_token,
                        "Continue a previous query (same filters and order)");
    command->callback([&cli, flags] { cli.action = [&cli, flags] { return Query(cli.globals, *flags); }; });
  }
  {
    auto flags = std::make_shared<RequestFlags>();
    CLI::App* command = AddCommand(
        cli.app, "request",
        "Answer a transparency-law request: every record whose event happened between --from "
        "and --to and matches the filters, written to --out DIR as records.csv (for people: "
        "UTF-8 with BOM, ';'-separated, Spanish headers, times in --time-zone), records.jsonl "
        "(a memoria-bundle-v1 with an inclusion proof per record, which memoria-audit verify "
        "--bundle checks offline), README.txt (the request, the filter in words, how to "
        "verify) and resumen.html (a printable one-page summary); in Spanish, English with "
        "--lang en. Every proof is checked against the log's signed checkpoint (--log-key) as "
        "it is written. Personal data appears as commitments unless --disclose (needs the "
        "reader credential).");
    command->add_option("--from", flags->filter.event_from,
                        "Events at or after: a date (2026-01-01: from 00:00 in --time-zone), RFC "
                        "3339 (2026-01-01T00:00:00-05:00) or microseconds")
        ->required();
    command->add_option("--to", flags->filter.event_to,
                        "Events up to: a date includes its whole day (--to 2026-01-31: until "
                        "23:59:59.999999 in --time-zone); a time is exclusive")
        ->required();
    AddFilterFlags(*command, flags->filter, /*event_time_flags=*/false);
    command->add_option("--out", flags->out, "Directory to write (created; must not hold a request)")
        ->required();
    command->add_flag("--disclose", flags->disclose,
                      "Include personal-data values and salts (each checked against its commitment)");
    command->add_option("--reader-token-file", flags->token_file, "File holding the reader token");
    command->add_option("--tree-size", flags->tree_size,
                        "Prove against the checkpoint of this size (default: the latest)");
    command->add_option("--reference", flags->reference,
                        "The request's reference, e.g. its filing number (radicado), shown in "
                        "README.txt and resumen.html");
    command->add_option("--description", flags->description,
                        "What was asked, in the requester's words (README.txt, resumen.html)");
    command->add_option("--csv-separator", flags->csv_separator,
                        "records.csv's separator: ';' (default: what Excel expects in a Spanish "
                        "locale, where ',' is the decimal mark) or ','")
        ->capture_default_str();
    command->callback([&cli, flags] { cli.action = [&cli, flags] { return Request(cli.globals, *flags); }; });
  }
}

}  // namespace memoria::client::cli
