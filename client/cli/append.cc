// append: one event, from flags or a JSON document, signed with a writer key.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/entry_signer.h"
#include "client/errors.h"
#include "client/trusted_state.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::client::cli {
namespace {

// memoria-server's default --max-entry-bytes, the largest entry it accepts:
// every record fits an entry bundle of its tiles (ledger/record.h).
constexpr uint64_t kDefaultMaxEntryBytes = kMaxEntryBytes;

struct AppendFlags {
  uint64_t max_entry_bytes = kDefaultMaxEntryBytes;
  std::string key;
  std::string type;
  std::vector<std::string> attributes;
  std::string json_file;
  std::string request_id;
  bool witnessed = false;
  double wait_seconds = 10;
};

// An Entry from JSON: a whole memoria.v1.Entry ({"generic": {...}, ...}) or
// just a GenericEvent ({"type": ..., "attributes": {...}}).
absl::Status TooLarge(const std::string& path, uint64_t max_bytes) {
  return absl::InvalidArgumentError(absl::StrCat(
      path == "-" ? std::string("stdin") : path, " is larger than ", max_bytes,
      " bytes, the largest entry the server accepts (its --max-entry-bytes, 65404 by default); "
      "if the server accepts more, raise --max-entry-bytes"));
}

// The JSON document at `path` ("-": stdin), refused before it is read (or,
// from stdin, as soon as it is) if it is larger than `max_bytes`: its entry
// would be no smaller.
absl::StatusOr<std::string> ReadJsonDocument(const std::string& path, uint64_t max_bytes) {
  std::string text;
  if (path == "-") {
    std::vector<char> buffer(64 << 10);
    while (std::cin.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) ||
           std::cin.gcount() > 0) {
      text.append(buffer.data(), static_cast<size_t>(std::cin.gcount()));
      if (text.size() > max_bytes) return TooLarge(path, max_bytes);
    }
    return text;
  }
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > max_bytes) return TooLarge(path, max_bytes);
  ASSIGN_OR_RETURN(text, ReadFile(path));
  if (text.size() > max_bytes) return TooLarge(path, max_bytes);
  return text;
}

absl::StatusOr<v1::Entry> EntryFromJson(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(std::string text, ReadJsonDocument(path, max_bytes));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  v1::Entry entry;
  const auto as_entry = google::protobuf::util::JsonStringToMessage(text, &entry, options);
  if (as_entry.ok() && entry.event_case() != v1::Entry::EVENT_NOT_SET) return entry;
  v1::GenericEvent event;
  const auto as_event = google::protobuf::util::JsonStringToMessage(text, &event, options);
  if (as_event.ok() && !event.type().empty()) {
    entry.Clear();
    *entry.mutable_generic() = std::move(event);
    return entry;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, " is neither a memoria.v1.Entry with an event nor a GenericEvent (as Entry: ",
      as_entry.ok() ? std::string("no event") : std::string(as_entry.message()),
      "; as GenericEvent: ",
      as_event.ok() ? std::string("no type") : std::string(as_event.message()), ")"));
}

absl::StatusOr<v1::Entry> EntryFromFlags(const AppendFlags& flags) {
  v1::Entry entry;
  v1::GenericEvent& event = *entry.mutable_generic();
  event.set_type(flags.type);
  for (const std::string& attribute : flags.attributes) {
    const size_t equals = attribute.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--attr wants NAME=VALUE, got \"", attribute, "\""));
    }
    (*event.mutable_attributes())[attribute.substr(0, equals)] = attribute.substr(equals + 1);
  }
  return entry;
}

absl::Status Append(const GlobalOptions& globals, const AppendFlags& flags) {
  ASSIGN_OR_RETURN(Signer key, ReadSignerKeyFile(flags.key));
  ASSIGN_OR_RETURN(v1::Entry entry,
                   flags.json_file.empty() ? EntryFromFlags(flags)
                                           : EntryFromJson(flags.json_file, flags.max_entry_bytes));
  if (!flags.request_id.empty()) entry.set_request_id(flags.request_id);
  EntrySigner signer(std::move(key));
  ASSIGN_OR_RETURN(v1::SignedEntry signed_entry, signer.Sign(std::move(entry)));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(signed_entry));
  if (flags.witnessed) {
    // The entry is in the log whatever happens next: say where, in case the
    // witnesses do not cosign in time.
    if (flags.wait_seconds < 0) return absl::InvalidArgumentError("--wait must not be negative");
    absl::StatusOr<v1::Receipt> witnessed =
        client->WitnessReceipt(receipt, absl::Seconds(flags.wait_seconds));
    if (!witnessed.ok()) {
      return Annotate(witnessed.status(),
                      absl::StrCat("appended as record ", receipt.index(),
                                   " (its checkpoint signed by the log only), not witnessed"));
    }
    receipt = *std::move(witnessed);
    RETURN_IF_ERROR(client->VerifyReceiptFor(receipt, signed_entry).status());
  }
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

}  // namespace

void AddAppendCommand(Cli& cli) {
  auto flags = std::make_shared<AppendFlags>();
  CLI::App* append = AddCommand(
      cli.app, "append",
      "Sign an event with a writer key and append it; prints the receipt as C2SP tlog-proof "
      "text (extra = the record's leaf bytes), or as JSON with --json "
      "({\"index\",\"leaf_hash\",\"tree_size\",\"hashes\",\"checkpoint\",\"duplicate\",\"leaf\"}). "
      "With --log-key the receipt is verified first.");
  append->add_option("--key", flags->key, "Writer's private key file")->required();
  CLI::Option* type =
      append->add_option("--type", flags->type, "Event type, e.g. post.published");
  CLI::Option* attr = append->add_option("--attr", flags->attributes,
                                         "Event attribute NAME=VALUE (repeatable)");
  CLI::Option* json_file = append->add_option(
      "--json-file", flags->json_file,
      "JSON memoria.v1.Entry (e.g. {\"generic\":{\"type\":...}}) or GenericEvent "
      "({\"type\":...,\"attributes\":{...}}); - for stdin");
  type->excludes(json_file);
  attr->excludes(json_file);
  attr->needs(type);
  append->add_option("--max-entry-bytes", flags->max_entry_bytes,
                     "Refuse a --json-file larger than this, before reading it (the server's "
                     "--max-entry-bytes)")
      ->capture_default_str();
  append->add_option("--request-id", flags->request_id,
                     "Idempotency id (default: random); resending the same entry with the same "
                     "id returns the original receipt");
  append
      ->add_flag("--witnessed", flags->witnessed,
                 "Wait (up to --wait seconds) for a checkpoint cosigned by the server's "
                 "witnesses that covers the new record, and print the receipt in it instead "
                 "(needs --log-key; with --witness-policy, its quorum is checked)");
  append->add_option("--wait", flags->wait_seconds,
                     "With --witnessed: how long to wait for the witnesses, in seconds (then exit "
                     "3; the entry is appended all the same)")
      ->capture_default_str();
  append->callback([&cli, flags, type, json_file] {
    if (type->count() == 0 && json_file->count() == 0) {
      throw CLI::ValidationError("append", "give --type (and --attr) or --json-file");
    }
    cli.action = [&cli, flags] { return Append(cli.globals, *flags); };
  });
}

}  // namespace memoria::client::cli
