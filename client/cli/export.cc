// export: a memoria-bundle-v1 (ledger/verify/bundle.h) of a range of the log, read
// through the client's one export path (client/range_export.h).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/range_export.h"
#include "ledger/status.h"

namespace memoria::client::cli {
namespace {

struct ExportFlags {
  uint64_t from = 0;
  std::optional<uint64_t> to;
  std::string out;
  bool proofs = false;
};

absl::Status Export(const GlobalOptions& globals, const ExportFlags& flags) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  RangeExportOptions options;
  options.from = flags.from;
  options.to = flags.to;
  options.proofs = flags.proofs;
  if (flags.out == "-") return ExportRange(*client, options, std::cout);
  // Written beside the target and renamed into place once complete.
  const std::string temp = flags.out + ".partial";
  absl::Status status;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot create ", temp));
    status = ExportRange(*client, options, out);
    out.close();
    if (status.ok() && !out) status = absl::DataLossError(absl::StrCat("cannot write ", temp));
  }
  if (status.ok() && std::rename(temp.c_str(), flags.out.c_str()) != 0) {
    status = absl::PermissionDeniedError(absl::StrCat("cannot rename ", temp, " to ", flags.out));
  }
  if (!status.ok()) std::remove(temp.c_str());
  return status;
}

}  // namespace

void AddExportCommand(Cli& cli) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* command = AddCommand(
      cli.app, "export",
      "Write records [A, B) with the latest checkpoint (checked under --log-key) and the writer "
      "keys as a memoria-bundle-v1 JSON Lines file that memoria-audit verify --bundle checks "
      "offline. A partial range always carries inclusion proofs.");
  command->add_option("--from", flags->from, "First index (default 0)");
  command->add_option("--to", flags->to, "End index, exclusive (default: the checkpoint's size)");
  command->add_option("--out", flags->out, "Bundle file to write (- for stdout)")->required();
  command->add_flag("--proofs", flags->proofs, "Inclusion proofs on every record line");
  command->callback([&cli, flags] {
    cli.action = [&cli, flags] { return Export(cli.globals, *flags); };
  });
}

}  // namespace memoria::client::cli
