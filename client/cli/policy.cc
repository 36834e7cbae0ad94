// The social-media policy's commands: append-policy (a policy event with its
// citizens' personal data committed, not in clear), inventory, findings,
// personal (values and salts, with the reader credential) and erase (habeas
// data, approved by the administrator).
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <sodium.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/cli/cli.h"
#include "client/private_file.h"
#include "client/cli/json.h"
#include "client/connection.h"
#include "client/entry_signer.h"
#include "client/transport.h"
#include "client/trusted_state.h"
#include "ledger/verify/bundle.h"
#include "ledger/encoding.h"
#include "ledger/keys.h"
#include "ledger/policy/commitment.h"
#include "ledger/policy/erasure.h"
#include "ledger/query/record_csv.h"
#include "ledger/status.h"
#include "memoria/v1/views.pb.h"

namespace memoria::client::cli {
namespace {

// The memoria.v1.Policy calls go through the client's one Transport
// (client/transport.h): --timeout per attempt, retries of transient failures.
absl::StatusOr<std::unique_ptr<Transport>> OpenTransport(const GlobalOptions& globals) {
  ConnectionOptions options;
  options.target = globals.server;
  options.tls_ca_file = globals.tls_ca;
  options.tls_cert_file = globals.tls_cert;
  options.tls_key_file = globals.tls_key;
  if (globals.timeout_seconds <= 0) return absl::InvalidArgumentError("--timeout must be positive");
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, OpenChannel(options));
  CallOptions call_options;
  call_options.timeout = absl::Seconds(globals.timeout_seconds);
  return Transport::Create(std::move(call_options), std::move(channel));
}

// --- inventory -------------------------------------------------------------

struct InventoryFlags {
  std::string as_of;
  int64_t at_index = -1;
  bool csv = false;
};

std::string AdminJson(const v1::AdminState& admin) {
  JsonWriter json;
  json.AddString("email", admin.email())
      .AddString("name", admin.name())
      .AddString("dependency", admin.dependency())
      .AddString("employment_link", admin.employment_link())
      .AddBool("responsible", admin.responsible())
      .AddUint("since_index", admin.since_index())
      .AddString("since", FormatMicros(admin.since_micros()));
  if (admin.has_notified_index()) {
    json.AddUint("notified_index", admin.notified_index())
        .AddString("notified", FormatMicros(admin.notified_micros()));
  }
  return json.ToString();
}

std::string AccountJson(const v1::AccountState& account) {
  std::vector<std::string> admins;
  for (const v1::AdminState& admin : account.admins()) admins.push_back(AdminJson(admin));
  JsonWriter json;
  json.AddString("platform", v1::Platform_Name(account.account().platform()))
      .AddString("handle", account.account().handle())
      .AddString("kind", v1::AccountKind_Name(account.kind()))
      .AddString("dependency", account.dependency())
      .AddString("responsible_director", account.responsible_director())
      .AddString("status", v1::AccountStatus_Name(account.status()))
      .AddUint("created_index", account.created_index());
  if (account.has_authorization_index()) json.AddUint("authorization_index", account.authorization_index());
  json.AddRaw("admins", JsonArray(admins)).AddUint("updated_index", account.updated_index());
  return json.ToString();
}

absl::Status Inventory(const GlobalOptions& globals, const InventoryFlags& flags) {
  v1::InventoryRequest request;
  if (flags.at_index >= 0) {
    request.set_at_index(static_cast<uint64_t>(flags.at_index));
  } else if (!flags.as_of.empty()) {
    ASSIGN_OR_RETURN(int64_t micros, ParseTimeFlag("--as-of", flags.as_of));
    request.set_at_time_micros(micros);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, OpenTransport(globals));
  ASSIGN_OR_RETURN(v1::Inventory inventory, transport->GetInventory(request));
  if (globals.json) {
    std::vector<std::string> accounts;
    for (const v1::AccountState& account : inventory.accounts()) accounts.push_back(AccountJson(account));
    JsonWriter json;
    if (inventory.has_at_index()) json.AddUint("at_index", inventory.at_index());
    json.AddUint("tree_size", inventory.tree_size()).AddRaw("accounts", JsonArray(accounts));
    Print(json.ToString() + "\n");
    return absl::OkStatus();
  }
  std::string out;
  if (flags.csv) {
    out = "platform,handle,kind,dependency,status,created_index,admin_email,admin_name,"
          "admin_dependency,responsible,admin_since_index,admin_since\n";
  } else {
    out = inventory.has_at_index()
              ? absl::StrCat("inventory as of record ", inventory.at_index(), " (log size ",
                             inventory.tree_size(), "): ", inventory.accounts_size(), " accounts\n")
              : "inventory: no record at or before that time\n";
  }
  for (const v1::AccountState& a : inventory.accounts()) {
    const std::string account = absl::StrCat(
        v1::Platform_Name(a.account().platform()), ",", query::CsvField(a.account().handle(), ','), ",",
        v1::AccountKind_Name(a.kind()), ",", query::CsvField(a.dependency(), ','), ",",
        v1::AccountStatus_Name(a.status()), ",", a.created_index());
    if (flags.csv) {
      if (a.admins().empty()) absl::StrAppend(&out, account, ",,,,,,\n");
      for (const v1::AdminState& admin : a.admins()) {
        absl::StrAppend(&out, account, ",", query::CsvField(admin.email(), ','), ",", query::CsvField(admin.name(), ','),
                        ",", query::CsvField(admin.dependency(), ','), ",", admin.responsible() ? "yes" : "no",
                        ",", admin.since_index(), ",", FormatMicros(admin.since_micros()), "\n");
      }
      continue;
    }
    absl::StrAppend(&out, v1::Platform_Name(a.account().platform()), " ", a.account().handle(),
                    "  ", v1::AccountKind_Name(a.kind()), "  ", a.dependency(), "  ",
                    v1::AccountStatus_Name(a.status()), "  (created at record ", a.created_index(),
                    ")\n");
    if (a.admins().empty()) absl::StrAppend(&out, "    no administrators\n");
    for (const v1::AdminState& admin : a.admins()) {
      absl::StrAppend(&out, "    ", admin.email(), admin.responsible() ? " (responsible)" : "",
                      "  ", admin.dependency(), "  since record ", admin.since_index(), " ",
                      FormatMicros(admin.since_micros()), "\n");
    }
  }
  Print(out);
  return absl::OkStatus();
}

// --- findings --------------------------------------------------------------

struct FindingsFlags {
  std::string at;
  std::string since;
  std::vector<std::string> allowed_domains;
  uint32_t pqrd_days = 0;
  uint32_t inactive_days = 0;
  uint32_t rotation_days = 0;
  uint32_t notification_days = 0;
  uint32_t password_days = 0;
};

absl::Status Findings(const GlobalOptions& globals, const FindingsFlags& flags) {
  v1::FindingsRequest request;
  if (!flags.at.empty()) {
    ASSIGN_OR_RETURN(int64_t at, ParseTimeFlag("--at", flags.at));
    request.set_at_micros(at);
  }
  if (!flags.since.empty()) {
    ASSIGN_OR_RETURN(int64_t since, ParseTimeFlag("--since", flags.since));
    request.set_since_micros(since);
  }
  v1::FindingThresholds& t = *request.mutable_thresholds();
  for (const std::string& domain : flags.allowed_domains) t.add_allowed_email_domains(domain);
  t.set_pqrd_referral_business_days(flags.pqrd_days);
  t.set_alternate_inactive_days(flags.inactive_days);
  t.set_credentials_rotation_days(flags.rotation_days);
  t.set_responsible_notification_business_days(flags.notification_days);
  t.set_password_change_after_employment_days(flags.password_days);

  ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, OpenTransport(globals));
  ASSIGN_OR_RETURN(v1::Findings findings, transport->GetFindings(request));
  if (globals.json) {
    std::vector<std::string> items;
    for (const v1::Finding& f : findings.findings()) {
      std::vector<std::string> indexes;
      for (uint64_t index : f.indexes()) indexes.push_back(absl::StrCat(index));
      JsonWriter json;
      json.AddString("item", f.item())
          .AddString("rule", f.rule())
          .AddString("severity", f.severity())
          .AddString("message", f.message())
          .AddRaw("indexes", absl::StrCat("[", absl::StrJoin(indexes, ","), "]"));
      if (f.has_account()) {
        json.AddString("platform", v1::Platform_Name(f.account().platform()))
            .AddString("handle", f.account().handle());
      }
      items.push_back(json.ToString());
    }
    JsonWriter json;
    if (findings.has_at_index()) json.AddUint("at_index", findings.at_index());
    json.AddRaw("findings", JsonArray(items));
    Print(json.ToString() + "\n");
    return absl::OkStatus();
  }
  std::string out = absl::StrCat(findings.findings_size(), " findings",
                                 findings.has_at_index()
                                     ? absl::StrCat(" as of record ", findings.at_index())
                                     : std::string(),
                                 "\n");
  for (const v1::Finding& f : findings.findings()) {
    absl::StrAppend(&out, "[", f.severity(), "] item ", f.item(), ": ", f.message(),
                    " (records ", absl::StrJoin(f.indexes(), ", "), ")\n");
  }
  Print(out);
  return absl::OkStatus();
}

// --- append-policy ---------------------------------------------------------

struct AppendPolicyFlags {
  std::string key;
  std::string json_file;
  std::string openings_out;
  std::string request_id;
};

std::string RandomSalt(size_t n) {
  std::string salt(n, '\0');
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

// {"entry": <memoria.v1.Entry JSON with a "policy" event>,
//  "personal_data": {"citizen_handle": "@vecina", ...}}
absl::StatusOr<v1::SignedEntry> PolicyEntryFromJson(const std::string& text, const Signer& key,
                                                    const std::string& request_id) {
  google::protobuf::Struct root;
  if (auto s = google::protobuf::util::JsonStringToMessage(text, &root); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not JSON: ", std::string(s.message())));
  }
  auto entry_field = root.fields().find("entry");
  if (entry_field == root.fields().end()) {
    return absl::InvalidArgumentError("the JSON has no \"entry\" (a memoria.v1.Entry)");
  }
  std::string entry_json;
  (void)google::protobuf::util::MessageToJsonString(entry_field->second, &entry_json);
  v1::Entry entry;
  if (auto s = google::protobuf::util::JsonStringToMessage(entry_json, &entry); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"entry\" is not a memoria.v1.Entry: ", std::string(s.message())));
  }
  if (!entry.has_policy()) return absl::InvalidArgumentError("\"entry\" holds no \"policy\" event");
  std::vector<v1::PersonalDataOpening> openings;
  if (auto pd = root.fields().find("personal_data"); pd != root.fields().end()) {
    if (!pd->second.has_struct_value()) {
      return absl::InvalidArgumentError("\"personal_data\" must be an object of field: value");
    }
    for (const auto& [field, value] : pd->second.struct_value().fields()) {
      if (!value.has_string_value()) {
        return absl::InvalidArgumentError(absl::StrCat("personal_data.", field, " is not a string"));
      }
      openings.push_back(policy::NewOpening(field, value.string_value(), RandomSalt));
    }
  }
  // Deterministic order (the JSON object's is not).
  std::sort(openings.begin(), openings.end(),
            [](const auto& a, const auto& b) { return a.field() < b.field(); });
  for (const v1::PersonalDataOpening& opening : openings) {
    *entry.mutable_policy()->add_personal_data() = policy::CommitmentOf(opening);
  }
  if (!request_id.empty()) entry.set_request_id(request_id);
  EntrySigner signer(key);
  ASSIGN_OR_RETURN(v1::SignedEntry signed_entry, signer.Sign(std::move(entry)));
  for (v1::PersonalDataOpening& opening : openings) *signed_entry.add_personal_data() = opening;
  return signed_entry;
}

absl::Status WriteOpenings(const std::string& path, const v1::SignedEntry& entry) {
  std::vector<std::string> items;
  for (const v1::PersonalDataOpening& o : entry.personal_data()) {
    JsonWriter json;
    json.AddString("field", o.field()).AddString("salt", Base64Encode(o.salt())).AddString("value", o.value());
    items.push_back(json.ToString());
  }
  ASSIGN_OR_RETURN(std::ofstream out, CreatePrivateFile(path));
  out << JsonArray(items) << "\n";
  if (!out.flush()) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status AppendPolicy(const GlobalOptions& globals, const AppendPolicyFlags& flags) {
  ASSIGN_OR_RETURN(Signer key, ReadSignerKeyFile(flags.key));
  std::string text;
  if (flags.json_file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    ASSIGN_OR_RETURN(text, ReadFile(flags.json_file));
  }
  ASSIGN_OR_RETURN(v1::SignedEntry signed_entry, PolicyEntryFromJson(text, key, flags.request_id));
  if (!flags.openings_out.empty()) RETURN_IF_ERROR(WriteOpenings(flags.openings_out, signed_entry));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(signed_entry));
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

// --- personal, erase -------------------------------------------------------

struct PersonalFlags {
  uint64_t index = 0;
  std::string token_file;
};

absl::Status Personal(const GlobalOptions& globals, const PersonalFlags& flags) {
  ASSIGN_OR_RETURN(std::string token, ReadReaderToken(flags.token_file));
  ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, OpenTransport(globals));
  v1::GetPersonalDataRequest request;
  request.set_index(flags.index);
  ASSIGN_OR_RETURN(v1::PersonalData data, transport->GetPersonalData(request, token));
  std::vector<std::string> items;
  std::string out;
  for (const v1::PersonalDataOpening& o : data.openings()) {
    JsonWriter json;
    json.AddString("field", o.field()).AddString("salt", Base64Encode(o.salt())).AddString("value", o.value());
    items.push_back(json.ToString());
    absl::StrAppend(&out, o.field(), ": ", o.value(), "\n");
  }
  if (globals.json) {
    JsonWriter json;
    json.AddUint("index", data.index()).AddBool("erased", data.erased()).AddRaw("openings", JsonArray(items));
    Print(json.ToString() + "\n");
  } else {
    Print(data.erased() ? absl::StrCat("record ", data.index(), ": personal data erased\n") : out);
  }
  return absl::OkStatus();
}

struct EraseFlags {
  std::string admin_key;
  std::string key;
  std::string actor;
  uint64_t index = 0;
  std::string reference;
};

absl::Status Erase(const GlobalOptions& globals, const EraseFlags& flags) {
  ASSIGN_OR_RETURN(Signer admin, ReadSignerKeyFile(flags.admin_key));
  ASSIGN_OR_RETURN(Signer writer, ReadSignerKeyFile(flags.key.empty() ? flags.admin_key : flags.key));
  v1::Entry entry;
  v1::PolicyEvent& event = *entry.mutable_policy();
  event.mutable_actor()->set_email(flags.actor);
  event.set_refers_to(flags.index);
  event.mutable_personal_data_erased()->set_request_reference(flags.reference);
  event.mutable_personal_data_erased()->set_admin_signature(
      admin.Sign(policy::ErasureApprovalMessage(flags.index, flags.reference)));
  EntrySigner signer(std::move(writer));
  ASSIGN_OR_RETURN(v1::SignedEntry signed_entry, signer.Sign(std::move(entry)));
  ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, OpenTransport(globals));
  v1::AppendRequest request;
  *request.mutable_entry() = std::move(signed_entry);
  // Retried with the same signed entry: a retry is answered the original
  // receipt, and the deletion is idempotent.
  ASSIGN_OR_RETURN(v1::Receipt receipt, transport->ErasePersonalData(request));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  if (client->options().log_key.has_value()) {
    RETURN_IF_ERROR(client->VerifyReceiptFor(receipt, request.entry()).status());
  }
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

}  // namespace

void AddPolicyCommands(Cli& cli) {
  {
    auto flags = std::make_shared<InventoryFlags>();
    CLI::App* command = AddCommand(
        cli.app, "inventory",
        "The account inventory (policy item 13): accounts, kind, dependency, status and current "
        "administrators, as of the latest record, a time or an index. Text, --json or --csv.");
    CLI::Option* as_of = command->add_option(
        "--as-of", flags->as_of, "TIME (RFC 3339, or microseconds since the epoch)");
    CLI::Option* at_index = command->add_option("--at-index", flags->at_index, "Record index");
    as_of->excludes(at_index);
    command->add_flag("--csv", flags->csv, "CSV, one row per administrator");
    command->callback([&cli, flags] {
      cli.action = [&cli, flags] { return Inventory(cli.globals, *flags); };
    });
  }
  {
    auto flags = std::make_shared<FindingsFlags>();
    CLI::App* command = AddCommand(
        cli.app, "findings",
        "Compliance findings as of --at (default now): each names the policy item, a severity, "
        "a message and the records that show it. With --json: {\"at_index\",\"findings\":[{"
        "\"item\",\"rule\",\"severity\",\"message\",\"indexes\",...}]}.");
    command->add_option("--at", flags->at, "TIME (RFC 3339 or microseconds); default now");
    command->add_option("--since", flags->since,
                        "TIME: findings about records (and deadlines) before it are left out");
    command->add_option("--allowed-domain", flags->allowed_domains,
                        "Institutional email domain (repeatable; default: the server's)");
    command->add_option("--pqrd-business-days", flags->pqrd_days, "PQRD referral deadline");
    command->add_option("--inactive-days", flags->inactive_days, "Alternate account inactivity");
    command->add_option("--rotation-days", flags->rotation_days, "Credential rotation period");
    command->add_option("--notification-business-days", flags->notification_days,
                        "Notifying a responsible administrator's name to the Oficina");
    command->add_option("--password-change-days", flags->password_days,
                        "Changing passwords after an administrator's employment ends");
    command->callback([&cli, flags] {
      cli.action = [&cli, flags] { return Findings(cli.globals, *flags); };
    });
  }
  {
    auto flags = std::make_shared<AppendPolicyFlags>();
    CLI::App* command = AddCommand(
        cli.app, "append-policy",
        "Append a policy event whose citizens' personal data is committed, never signed in "
        "clear: FILE is {\"entry\": <memoria.v1.Entry JSON with \"policy\">, \"personal_data\": "
        "{\"citizen_handle\": \"@...\", ...}}; each value gets a fresh 16-byte salt, its "
        "commitment goes into the entry, value and salt travel beside it.");
    command->add_option("--key", flags->key, "Writer's private key file")->required();
    command->add_option("--policy-json", flags->json_file, "FILE, or - for stdin")->required();
    command->add_option("--openings-out", flags->openings_out,
                        "Write the values and salts here (mode 0600) to check the commitments "
                        "later");
    command->add_option("--request-id", flags->request_id, "Idempotency id (default: random)");
    command->callback([&cli, flags] {
      cli.action = [&cli, flags] { return AppendPolicy(cli.globals, *flags); };
    });
  }
  {
    auto flags = std::make_shared<PersonalFlags>();
    CLI::App* command = AddCommand(cli.app, "personal",
                                   "A record's personal data (values and salts), with the reader "
                                   "credential configured on the server");
    command->add_option("--index", flags->index, "Record index")->required();
    command->add_option("--reader-token-file", flags->token_file, "File holding the reader token")
        ->required()
        ->envname("MEMORIA_READER_TOKEN_FILE");
    command->callback([&cli, flags] {
      cli.action = [&cli, flags] { return Personal(cli.globals, *flags); };
    });
  }
  {
    auto flags = std::make_shared<EraseFlags>();
    CLI::App* command = AddCommand(
        cli.app, "erase",
        "Habeas data: erase a record's personal data (values and salts) and record the erasure "
        "as a PersonalDataErased event approved by the administrator key.");
    command->add_option("--admin-key", flags->admin_key, "Administrator's private key file")
        ->required();
    command->add_option("--key", flags->key,
                        "Registered writer key that signs the erasure entry (default: the "
                        "administrator key, which must then be registered as a writer)");
    command->add_option("--actor", flags->actor, "Institutional email of the official erasing")
        ->required();
    command->add_option("--index", flags->index, "The record whose personal data is erased")
        ->required();
    command->add_option("--reference", flags->reference,
                        "The data subject's request, e.g. its filing number")
        ->required();
    command->callback([&cli, flags] {
      cli.action = [&cli, flags] { return Erase(cli.globals, *flags); };
    });
  }
}

}  // namespace memoria::client::cli
