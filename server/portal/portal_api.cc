#include "server/portal/portal_api.h"

#include <httplib.h>

#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/policy/event_labels.h"
#include "ledger/policy/inventory.h"
#include "ledger/query/event_type.h"
#include "ledger/query/query.h"
#include "ledger/query/record_csv.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/bundle.h"
#include "memoria/v1/entry.pb.h"
#include "server/export_records.h"
#include "server/portal/portal_assets.h"

namespace memoria::server {
namespace {

using Param = std::function<std::optional<std::string>(std::string_view)>;

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// The API's answers follow the log: a few seconds at most.
constexpr char kApiCacheControl[] = "public, max-age=5";
// The pages: short, so that a new version reaches readers soon.
constexpr char kAssetCacheControl[] = "public, max-age=300";
constexpr char kJson[] = "application/json; charset=utf-8";

std::string Quote(std::string_view text) { return JsonQuote(text); }

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "null";
  return json;
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void SecurityHeaders(httplib::Response& response) {
  response.set_header("Content-Security-Policy", kContentSecurityPolicy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
}

void Error(const absl::Status& status, httplib::Response& response) {
  response.status = HttpStatusOf(status);
  response.set_header("Cache-Control", "no-store");
  response.set_content(absl::StrCat("{\"error\":{\"code\":",
                                    Quote(absl::StatusCodeToString(status.code())),
                                    ",\"message\":", Quote(std::string(status.message())), "}}\n"),
                       kJson);
}

void Answer(const absl::StatusOr<std::string>& json, httplib::Response& response) {
  if (!json.ok()) return Error(json.status(), response);
  response.status = 200;
  response.set_header("Cache-Control", kApiCacheControl);
  response.set_content(*json, kJson);
}

Param ParamsOf(const httplib::Request& request) {
  return [&request](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    if (!request.has_param(key.c_str())) return std::nullopt;
    return request.get_param_value(key.c_str());
  };
}

absl::StatusOr<v1::Platform> ParsePlatform(const std::string& text) {
  v1::Platform platform;
  const std::string upper = absl::AsciiStrToUpper(text);
  if (!v1::Platform_Parse(upper, &platform) || platform == v1::PLATFORM_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "account: la plataforma \"", text,
        "\" no existe (facebook, twitter, instagram, youtube, tiktok, whatsapp, other_platform)"));
  }
  return platform;
}

std::string LowerEnumName(const std::string& name) { return absl::AsciiStrToLower(name); }

// The summary of a record that search results list.
absl::StatusOr<std::string> RecordSummaryJson(uint64_t index, std::string_view leaf) {
  ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(leaf));
  v1::Entry entry;
  if (!entry.ParseFromString(record.entry())) {
    return absl::DataLossError(absl::StrCat("record ", index, " holds no entry"));
  }
  const std::string type(query::EventTypeName(entry));
  std::string account;
  if (entry.has_policy() && entry.policy().has_account()) {
    account = absl::StrCat(LowerEnumName(v1::Platform_Name(entry.policy().account().platform())),
                           "/", entry.policy().account().handle());
  }
  return absl::StrCat(
      "{\"index\":", index, ",\"type\":", Quote(type), ",\"type_label\":",
      Quote(PortalTypeLabel(type)), ",\"generic_type\":", Quote(query::GenericTypeName(entry)),
      ",\"account\":", Quote(account), ",\"writer\":", Quote(entry.writer()),
      ",\"event_time_micros\":", entry.event_time_micros(),
      ",\"integrated_micros\":", record.integration_time_micros(),
      ",\"leaf_hash\":", Quote(HexEncode(AsBytes(LeafHash(leaf)))), "}");
}

std::string HashListJson(const std::vector<Hash>& hashes) {
  std::vector<std::string> items;
  items.reserve(hashes.size());
  for (const Hash& hash : hashes) items.push_back(Quote(Base64Encode(AsBytes(hash))));
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

}  // namespace

std::string PortalTypeLabel(std::string_view type) {
  return std::string(policy::EventTypeLabel(type, policy::Language::kEs));
}

absl::StatusOr<std::unique_ptr<PortalApi>> PortalApi::Create(PortalOptions options) {
  if (options.log == nullptr || options.admin == nullptr) {
    return absl::InvalidArgumentError("the portal needs the log and the administrator key");
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(options.time_zone, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone \"", options.time_zone, "\" (an IANA name such as America/Bogota)"));
  }
  return std::unique_ptr<PortalApi>(new PortalApi(std::move(options), zone));
}

absl::StatusOr<absl::Time> PortalApi::ParseDay(std::string_view name_view,
                                               std::string_view text_view) const {
  const std::string name(name_view), text(text_view);
  absl::Time time;
  std::string error;
  if (text.size() != 10 || !absl::ParseTime("%Y-%m-%d", text, zone_, &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": \"", text, "\" no es una fecha AAAA-MM-DD"));
  }
  return time;
}

absl::StatusOr<v1::QueryFilter> PortalApi::ParseFilter(const Param& param) const {
  v1::QueryFilter filter;
  if (std::optional<std::string> account = param("account"); account && !account->empty()) {
    const size_t slash = account->find('/');
    if (slash == std::string::npos || slash + 1 == account->size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "account: \"", *account, "\" no es plataforma/cuenta (por ejemplo facebook/alcaldiapasto)"));
    }
    v1::AccountRef& ref = *filter.add_accounts();
    ASSIGN_OR_RETURN(v1::Platform platform, ParsePlatform(account->substr(0, slash)));
    ref.set_platform(platform);
    ref.set_handle(account->substr(slash + 1));
  }
  if (std::optional<std::string> type = param("type"); type && !type->empty()) {
    if (!query::IsEventTypeName(*type)) {
      return absl::InvalidArgumentError(absl::StrCat("type: \"", *type, "\" no es un tipo de evento"));
    }
    filter.add_event_types(*type);
  }
  std::optional<absl::Time> from, to;
  if (std::optional<std::string> text = param("from"); text && !text->empty()) {
    ASSIGN_OR_RETURN(from, ParseDay("from", *text));
    filter.mutable_event_time()->set_from_micros(absl::ToUnixMicros(*from));
  }
  if (std::optional<std::string> text = param("to"); text && !text->empty()) {
    ASSIGN_OR_RETURN(absl::Time day, ParseDay("to", *text));
    // The end of that day: the start of the next one (days are not all 24 h).
    const absl::CivilDay next = absl::ToCivilDay(day, zone_) + 1;
    to = absl::FromCivil(next, zone_);
    filter.mutable_event_time()->set_to_micros(absl::ToUnixMicros(*to));
  }
  if (from && to && *from >= *to) {
    return absl::InvalidArgumentError("from: la fecha inicial es posterior a la final");
  }
  RETURN_IF_ERROR(query::ValidateFilter(filter));
  return filter;
}

absl::StatusOr<PortalApi::ProofTarget> PortalApi::TargetFor(uint64_t index) const {
  if (options_.witnessing != nullptr) {
    if (std::optional<CosignedCheckpoint> cosigned = options_.witnessing->LatestCosigned();
        cosigned.has_value() && index < cosigned->size) {
      return ProofTarget{cosigned->size, cosigned->note, true};
    }
  }
  const uint64_t size = options_.log->Size();
  ASSIGN_OR_RETURN(std::string note, options_.log->CheckpointAt(size));
  return ProofTarget{size, std::move(note), false};
}

std::string PortalApi::Info() const {
  const Log& log = *options_.log;
  const uint64_t size = log.Size();
  absl::StatusOr<std::string> checkpoint = log.CheckpointAt(size);
  std::vector<std::string> witnesses, groups;
  std::string quorum;
  if (options_.witness_policy.has_value()) {
    for (const PolicyWitness& witness : options_.witness_policy->witnesses) {
      witnesses.push_back(absl::StrCat("{\"name\":", Quote(witness.name),
                                       ",\"vkey\":", Quote(witness.key.ToString()), "}"));
    }
    for (const PolicyGroup& group : options_.witness_policy->groups) {
      std::vector<std::string> members;
      for (const std::string& member : group.members) members.push_back(Quote(member));
      groups.push_back(absl::StrCat("{\"name\":", Quote(group.name), ",\"threshold\":",
                                    group.threshold, ",\"members\":[",
                                    absl::StrJoin(members, ","), "]}"));
    }
    quorum = options_.witness_policy->quorum;
  }
  std::vector<std::string> types;
  for (const std::string& type : query::EventTypeNames()) {
    types.push_back(absl::StrCat("{\"type\":", Quote(type), ",\"label\":", Quote(PortalTypeLabel(type)), "}"));
  }
  std::string cosigned = "null";
  if (options_.witnessing != nullptr) {
    if (std::optional<CosignedCheckpoint> latest = options_.witnessing->LatestCosigned()) {
      cosigned = Quote(latest->note);
    }
  }
  return absl::StrCat("{\"origin\":", Quote(log.origin()),
                      ",\"log_vkey\":", Quote(log.verifier().ToString()),
                      ",\"admin_vkey\":", Quote(options_.admin->ToString()),
                      ",\"tree_size\":", size,
                      ",\"checkpoint\":", Quote(checkpoint.ok() ? *checkpoint : ""),
                      ",\"time_zone\":", Quote(options_.time_zone),
                      ",\"witnesses\":[", absl::StrJoin(witnesses, ","), "]",
                      ",\"witness_groups\":[", absl::StrJoin(groups, ","), "]",
                      ",\"witness_quorum\":", Quote(quorum),
                      ",\"cosigned_checkpoint\":", cosigned,
                      ",\"event_types\":[", absl::StrJoin(types, ","), "]}");
}

absl::StatusOr<std::string> PortalApi::Inventory(const Param& param) const {
  if (options_.views == nullptr) {
    return absl::FailedPreconditionError("este servidor no lleva las vistas de la política");
  }
  const Log& log = *options_.log;
  const uint64_t size = log.Size();
  std::optional<uint64_t> at;
  std::string as_of;
  if (std::optional<std::string> date = param("date"); date && !date->empty()) {
    // As of a date: at the end of that day in the institution's zone.
    ASSIGN_OR_RETURN(absl::Time day, ParseDay("date", *date));
    const absl::Time end = absl::FromCivil(absl::ToCivilDay(day, zone_) + 1, zone_);
    ASSIGN_OR_RETURN(at, policy::IndexAtTime(size, policy::LogRecordTimes(log),
                                             absl::ToUnixMicros(end) - 1));
    as_of = *date;
  } else if (size > 0) {
    at = size - 1;
  }
  std::vector<std::string> accounts;
  if (at.has_value()) {
    ASSIGN_OR_RETURN(std::vector<v1::AccountState> states, policy::InventoryAt(*options_.views, *at));
    for (const v1::AccountState& state : states) accounts.push_back(ProtoJson(state));
  }
  return absl::StrCat("{\"tree_size\":", size, ",\"date\":", Quote(as_of),
                      ",\"at_index\":", at.has_value() ? absl::StrCat(*at) : "null",
                      ",\"accounts\":[", absl::StrJoin(accounts, ","), "]}");
}

absl::StatusOr<std::string> PortalApi::Records(const Param& param) const {
  ASSIGN_OR_RETURN(v1::QueryFilter filter, ParseFilter(param));
  v1::QueryOrder order = v1::NEWEST_FIRST;
  if (std::optional<std::string> text = param("order"); text && !text->empty()) {
    if (*text == "oldest") {
      order = v1::OLDEST_FIRST;
    } else if (*text != "newest") {
      return absl::InvalidArgumentError("order: \"oldest\" o \"newest\"");
    }
  }
  uint32_t page_size = 50;
  if (std::optional<std::string> text = param("page_size"); text && !text->empty()) {
    if (!absl::SimpleAtoi(*text, &page_size) || page_size == 0 || page_size > query::kMaxPageSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("page_size: un número de 1 a ", query::kMaxPageSize));
    }
  }
  const Log& log = *options_.log;
  const uint64_t size = log.Size();
  query::PageToken position{size, 0};
  std::optional<uint64_t> start;
  if (std::optional<std::string> token = param("page_token"); token && !token->empty()) {
    absl::StatusOr<query::PageToken> decoded = query::DecodePageToken(*token, filter, order);
    if (!decoded.ok() || decoded->tree_size > size) {
      return absl::InvalidArgumentError("page_token: no es de esta búsqueda");
    }
    position = *decoded;
    start = position.next;
  }
  ASSIGN_OR_RETURN(query::RecordQuery query,
                   query::RecordQuery::Prepare(log, filter, position.tree_size, order));
  ASSIGN_OR_RETURN(query::QueryPage page, query.Find(start, page_size));
  ASSIGN_OR_RETURN(std::vector<std::string> leaves, log.GetRecords(page.indexes));
  std::vector<std::string> records;
  for (size_t i = 0; i < page.indexes.size(); ++i) {
    ASSIGN_OR_RETURN(std::string summary, RecordSummaryJson(page.indexes[i], leaves[i]));
    records.push_back(std::move(summary));
  }
  std::string next = "null";
  if (page.next) {
    next = Quote(query::EncodePageToken(filter, order, {position.tree_size, *page.next}));
  }
  return absl::StrCat("{\"tree_size\":", position.tree_size, ",\"records\":[",
                      absl::StrJoin(records, ","), "],\"next_page_token\":", next, "}");
}

absl::StatusOr<std::string> PortalApi::Record(std::string_view index_view) const {
  const std::string index_text(index_view);
  uint64_t index = 0;
  if (!absl::SimpleAtoi(index_text, &index)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", index_text, "\" no es un número de registro"));
  }
  const Log& log = *options_.log;
  if (index >= log.Size()) {
    return absl::NotFoundError(absl::StrCat("el registro ", index, " no existe (el registro tiene ",
                                            log.Size(), " registros)"));
  }
  ASSIGN_OR_RETURN(ProofTarget target, TargetFor(index));
  ASSIGN_OR_RETURN(std::string leaf, log.GetRecord(index));
  ASSIGN_OR_RETURN(std::vector<Hash> proof, log.InclusionProof(index, target.size));
  ASSIGN_OR_RETURN(std::string summary, RecordSummaryJson(index, leaf));
  ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(leaf));
  v1::Entry entry;
  entry.ParseFromString(record.entry());  // RecordSummaryJson checked it
  // The summary's fields, then the details.
  summary.pop_back();
  return absl::StrCat(
      summary, ",\"writer_key_id\":", Quote(absl::StrCat(absl::Hex(record.writer_key_id(), absl::kZeroPad8))),
      ",\"request_id\":", Quote(entry.request_id()), ",\"entry\":", ProtoJson(entry),
      ",\"leaf\":", Quote(Base64Encode(leaf)), ",\"tree_size\":", target.size,
      ",\"inclusion_proof\":", HashListJson(proof), ",\"checkpoint\":", Quote(target.note),
      ",\"cosigned\":", target.cosigned ? "true" : "false", "}");
}

absl::StatusOr<std::string> PortalApi::ExportCsv(const v1::QueryFilter& filter) const {
  const Log& log = *options_.log;
  ASSIGN_OR_RETURN(query::RecordQuery query,
                   query::RecordQuery::Prepare(log, filter, log.Size(), v1::OLDEST_FIRST));
  // The same file `memoria request` writes for clerks: Spanish, ';', a
  // byte-order mark, times in the institution's zone.
  const query::CsvOptions csv_options{.zone = zone_};
  std::string csv = query::CsvFileStart(csv_options);
  uint64_t rows = 0;
  std::optional<uint64_t> start;
  do {
    ASSIGN_OR_RETURN(query::QueryPage page, query.Find(start, kExportChunk));
    rows += page.indexes.size();
    if (rows > kMaxPortalExportRecords) {
      return absl::InvalidArgumentError(absl::StrCat(
          "la búsqueda tiene más de ", kMaxPortalExportRecords,
          " registros: acótela por fechas o cuenta, o use memoria request"));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> leaves, log.GetRecords(page.indexes));
    for (size_t i = 0; i < page.indexes.size(); ++i) {
      ASSIGN_OR_RETURN(std::string row, query::CsvRow(page.indexes[i], leaves[i], nullptr, csv_options));
      csv += row;
    }
    start = page.next;
  } while (start.has_value());
  return csv;
}

absl::StatusOr<std::string> PortalApi::ExportBundle(const v1::QueryFilter& filter) const {
  const Log& log = *options_.log;
  const uint64_t size = log.Size();
  if (size == 0) return absl::FailedPreconditionError("el registro está vacío");
  std::ostringstream out;
  BundleWriter bundle(out);
  BundleHeader header;
  header.origin = log.origin();
  header.log_vkey = log.verifier().ToString();
  header.admin_vkey = options_.admin->ToString();
  ASSIGN_OR_RETURN(header.checkpoint, log.CheckpointAt(size));
  header.tree_size = size;
  header.from = 0;
  header.to = size;
  header.proofs = true;
  header.filtered = true;
  header.query = filter.ShortDebugString();
  RETURN_IF_ERROR(bundle.WriteHeader(header));
  uint64_t results = 0;
  const absl::Status exported = ExportRecords(
      log, filter, size, {.max_results = kMaxPortalExportRecords + 1}, [] { return false; },
      [&](ExportChunk chunk) -> absl::Status {
        if (!chunk.trust) results += chunk.indexes.size();
        if (results > kMaxPortalExportRecords) {
          return absl::InvalidArgumentError(absl::StrCat(
              "la búsqueda tiene más de ", kMaxPortalExportRecords,
              " registros: acótela por fechas o cuenta, o use memoria request"));
        }
        for (size_t i = 0; i < chunk.indexes.size(); ++i) {
          BundleRecordLine line;
          line.trust = chunk.trust;
          line.index = chunk.indexes[i];
          line.leaf = std::move(chunk.leaves[i]);
          line.proof = std::move(chunk.proofs[i]);
          RETURN_IF_ERROR(bundle.WriteRecord(line));
        }
        return absl::OkStatus();
      });
  RETURN_IF_ERROR(exported);
  RETURN_IF_ERROR(bundle.Finish());
  return std::move(out).str();
}

void PortalApi::RegisterRoutes(httplib::Server& http) const {
  for (const PortalAsset& asset : PortalAssets()) {
    http.Get(std::string(asset.path), [asset](const httplib::Request&, httplib::Response& response) {
      SecurityHeaders(response);
      response.set_header("Cache-Control", kAssetCacheControl);
      response.set_content(std::string(asset.body), std::string(asset.content_type));
    });
  }
  http.Get("/api/v1/info", [this](const httplib::Request&, httplib::Response& response) {
    SecurityHeaders(response);
    Answer(Info(), response);
  });
  http.Get("/api/v1/inventory", [this](const httplib::Request& request, httplib::Response& response) {
    SecurityHeaders(response);
    Answer(Inventory(ParamsOf(request)), response);
  });
  http.Get("/api/v1/records", [this](const httplib::Request& request, httplib::Response& response) {
    SecurityHeaders(response);
    Answer(Records(ParamsOf(request)), response);
  });
  http.Get(R"(/api/v1/records/([^/]+))",
           [this](const httplib::Request& request, httplib::Response& response) {
             SecurityHeaders(response);
             Answer(Record(request.matches[1].str()), response);
           });
  const auto download = [this](bool bundle) {
    return [this, bundle](const httplib::Request& request, httplib::Response& response) {
      SecurityHeaders(response);
      absl::StatusOr<v1::QueryFilter> filter = ParseFilter(ParamsOf(request));
      if (!filter.ok()) return Error(filter.status(), response);
      absl::StatusOr<std::string> body = bundle ? ExportBundle(*filter) : ExportCsv(*filter);
      if (!body.ok()) return Error(body.status(), response);
      response.status = 200;
      response.set_header("Cache-Control", "no-store");
      response.set_header("Content-Disposition",
                          bundle ? "attachment; filename=\"registros.bundle.jsonl\""
                                 : "attachment; filename=\"registros.csv\"");
      response.set_content(*std::move(body), bundle ? "application/x-ndjson; charset=utf-8"
                                                    : "text/csv; charset=utf-8");
    };
  };
  http.Get("/api/v1/export.csv", download(false));
  http.Get("/api/v1/export.bundle", download(true));
  http.Get(R"(/api/.*)", [](const httplib::Request& request, httplib::Response& response) {
    SecurityHeaders(response);
    Error(absl::NotFoundError(absl::StrCat("no such API path: ", request.path)), response);
  });
}

}  // namespace memoria::server
