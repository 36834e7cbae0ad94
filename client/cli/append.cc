// append: one event, from flags or a JSON document, signed with a writer key.
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
#include "client/trusted_state.h"
#include "ledger/keys.h"
#include "ledger/status.h"

namespace memoria::client::cli {
namespace {

struct AppendFlags {
  std::string key;
  std::string type;
  std::vector<std::string> attributes;
  std::string json_file;
  std::string request_id;
};

// An Entry from JSON: a whole memoria.v1.Entry ({"generic": {...}, ...}) or
// just a GenericEvent ({"type": ..., "attributes": {...}}).
absl::StatusOr<v1::Entry> EntryFromJson(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    ASSIGN_OR_RETURN(text, ReadFile(path));
  }
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
                   flags.json_file.empty() ? EntryFromFlags(flags) : EntryFromJson(flags.json_file));
  if (!flags.request_id.empty()) entry.set_request_id(flags.request_id);
  EntrySigner signer(std::move(key));
  ASSIGN_OR_RETURN(v1::SignedEntry signed_entry, signer.Sign(std::move(entry)));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(signed_entry));
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
  append->add_option("--request-id", flags->request_id,
                     "Idempotency id (default: random); resending the same entry with the same "
                     "id returns the original receipt");
  append->callback([&cli, flags, type, json_file] {
    if (type->count() == 0 && json_file->count() == 0) {
      throw CLI::ValidationError("append", "give --type (and --attr) or --json-file");
    }
    cli.action = [&cli, flags] { return Append(cli.globals, *flags); };
  });
}

}  // namespace memoria::client::cli
