// keygen; writer register | revoke.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/cli/json.h"
#include "client/entry_signer.h"
#include "ledger/keys.h"
#include "ledger/status.h"

namespace memoria::client::cli {
namespace {

struct KeygenFlags {
  std::string name;
  std::string out;
};

absl::Status Keygen(const GlobalOptions& globals, const KeygenFlags& flags) {
  ASSIGN_OR_RETURN(Signer key, Signer::Generate(flags.name));
  RETURN_IF_ERROR(WriteSignerKeyFile(flags.out, key));
  if (globals.json) {
    Print(JsonWriter()
              .AddString("name", key.name())
              .AddString("vkey", key.verifier().ToString())
              .AddString("key_file", flags.out)
              .ToString() +
          "\n");
  } else {
    Print(key.verifier().ToString() + "\n");
  }
  return absl::OkStatus();
}

struct WriterFlags {
  std::string admin_key;
  std::string vkey;
  std::string text;  // description or reason
  std::string request_id;
};

absl::Status WriterChange(const GlobalOptions& globals, const WriterFlags& flags, bool register_it) {
  ASSIGN_OR_RETURN(Signer admin, ReadSignerKeyFile(flags.admin_key));
  EntrySigner signer(std::move(admin));
  ASSIGN_OR_RETURN(v1::SignedEntry entry,
                   register_it ? signer.RegisterWriter(flags.vkey, flags.text, flags.request_id)
                               : signer.RevokeWriter(flags.vkey, flags.text, flags.request_id));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(entry));
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

}  // namespace

void AddKeyCommands(Cli& cli) {
  auto keygen_flags = std::make_shared<KeygenFlags>();
  CLI::App* keygen = AddCommand(
      cli.app, "keygen",
      "Generate an Ed25519 key (a writer's, the log's or the administrator's: same format). "
      "Writes the private key to --out (mode 0600, never overwritten) and prints the verifier "
      "key (vkey).");
  keygen->add_option("--name", keygen_flags->name, "Key name (the writer name, or the log origin)")
      ->required();
  keygen->add_option("--out", keygen_flags->out, "Private key file to create")->required();
  keygen->callback([&cli, keygen_flags] {
    cli.action = [&cli, keygen_flags] { return Keygen(cli.globals, *keygen_flags); };
  });

  CLI::App* writer = AddCommand(cli.app, "writer", "Register or revoke writer keys (administrator)");
  writer->require_subcommand(1);
  for (const bool register_it : {true, false}) {
    auto flags = std::make_shared<WriterFlags>();
    CLI::App* command =
        register_it
            ? AddCommand(*writer, "register",
                         "Authorize a writer key to append, signed by the administrator key; "
                         "prints the receipt")
            : AddCommand(*writer, "revoke",
                         "Withdraw a writer key: its later entries are rejected; prints the "
                         "receipt");
    command->add_option("--admin-key", flags->admin_key, "Administrator's private key file")
        ->required();
    command->add_option("--vkey", flags->vkey, "The writer's verifier key")->required();
    command->add_option(register_it ? "--description" : "--reason", flags->text,
                        register_it ? "Which service this is, who operates it"
                                    : "Why the key is withdrawn");
    command->add_option("--request-id", flags->request_id,
                        "Idempotency id (default: random); resend the same to retry safely");
    command->callback([&cli, flags, register_it] {
      cli.action = [&cli, flags, register_it] {
        return WriterChange(cli.globals, *flags, register_it);
      };
    });
  }
}

}  // namespace memoria::client::cli
