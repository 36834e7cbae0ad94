// get, range, tail, checkpoint, info: verified reads (info is informational).
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cli/cli.h"
#include "client/cli/json.h"
#include "client/errors.h"
#include "ledger/encoding.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"

namespace memoria::client::cli {
namespace {

// The entry as proto JSON, or "null" if its bytes are not an Entry.
std::string EntryJson(const std::string& bytes) {
  v1::Entry entry;
  if (!entry.ParseFromString(bytes)) return "null";
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(entry, &json, options).ok()) return "null";
  return json;
}

std::string RecordJson(const VerifiedRecord& record) {
  return JsonWriter()
      .AddUint("index", record.index)
      .AddString("leaf", Base64Encode(record.leaf))
      .AddString("leaf_hash", Base64Encode(AsBytes(record.leaf_hash)))
      .AddUint("tree_size", record.tree_size)
      .AddString("prev_leaf_hash", Base64Encode(record.record.prev_leaf_hash()))
      .AddInt("integration_time_micros", record.record.integration_time_micros())
      .AddString("writer_key_id", HexEncode(EncodeBigEndian32(record.record.writer_key_id())))
      .AddString("writer_signature", Base64Encode(record.record.writer_signature()))
      .AddString("entry_bytes", Base64Encode(record.record.entry()))
      .AddRaw("entry", EntryJson(record.record.entry()))
      .ToString();
}

// One line: index, integration time, writer key id, entry.
std::string RecordLine(const VerifiedRecord& record) {
  return absl::StrCat(
      record.index, "\t",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                       absl::FromUnixMicros(record.record.integration_time_micros()),
                       absl::UTCTimeZone()),
      "\t", HexEncode(EncodeBigEndian32(record.record.writer_key_id())), "\t",
      EntryJson(record.record.entry()));
}

void PrintRecord(const GlobalOptions& globals, const VerifiedRecord& record) {
  Print((globals.json ? RecordJson(record) : RecordLine(record)) + "\n");
}

absl::Status Get(const GlobalOptions& globals, uint64_t index) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  ASSIGN_OR_RETURN(VerifiedRecord record, client->GetRecord(index));
  PrintRecord(globals, record);
  return absl::OkStatus();
}

// Record I from the log's tiles alone (no gRPC): checkpoint, consistency
// with --state and the inclusion proof all from the tiles.
absl::Status GetFromTiles(const GlobalOptions& globals, const std::string& tiles, uint64_t index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TilesReader> reader, OpenTilesReader(globals, tiles));
  ASSIGN_OR_RETURN(VerifiedRecord record, reader->GetRecord(index));
  PrintRecord(globals, record);
  return absl::OkStatus();
}

absl::Status Range(const GlobalOptions& globals, uint64_t from, uint64_t to) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  return client->GetRecords(from, to, [&](const VerifiedRecord& record) {
    PrintRecord(globals, record);
    return true;
  });
}

absl::Status Tail(const GlobalOptions& globals, std::optional<uint64_t> from) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  if (!from.has_value()) {
    ASSIGN_OR_RETURN(TrustedCheckpoint trusted, client->Update());
    from = trusted.checkpoint.size;
  }
  return client->Watch(*from, [&](const VerifiedRecord& record) {
    PrintRecord(globals, record);
    return true;
  });
}

absl::Status ShowCheckpoint(const GlobalOptions& globals, uint64_t size, bool witnessed) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  TrustedCheckpoint checkpoint;
  if (witnessed) {
    ASSIGN_OR_RETURN(checkpoint, client->Witnessed());
  } else if (size == 0) {
    ASSIGN_OR_RETURN(checkpoint, client->Update());
  } else {
    ASSIGN_OR_RETURN(checkpoint, client->CheckpointAt(size));
  }
  if (globals.json) {
    Print(JsonWriter()
              .AddString("origin", checkpoint.checkpoint.origin)
              .AddUint("tree_size", checkpoint.checkpoint.size)
              .AddString("root_hash", Base64Encode(AsBytes(checkpoint.checkpoint.root)))
              .AddString("note", checkpoint.note)
              .ToString() +
          "\n");
  } else {
    Print(checkpoint.note);  // byte for byte
  }
  return absl::OkStatus();
}

absl::Status Info(const GlobalOptions& globals) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, false));
  ASSIGN_OR_RETURN(v1::Info info, client->GetInfo());
  if (globals.json) {
    std::vector<std::string> writers;
    for (const v1::WriterInfo& writer : info.writers()) {
      JsonWriter json;
      json.AddString("vkey", writer.vkey())
          .AddUint("registered_at", writer.registered_at())
          .AddBool("revoked", writer.revoked());
      if (writer.revoked()) json.AddUint("revoked_at", writer.revoked_at());
      json.AddString("description", writer.description());
      writers.push_back(json.ToString());
    }
    Print(JsonWriter()
              .AddString("origin", info.origin())
              .AddString("vkey", info.vkey())
              .AddString("version", info.version())
              .AddUint("tree_size", info.tree_size())
              .AddString("admin_vkey", info.admin_vkey())
              .AddRaw("writers", JsonArray(writers))
              .ToString() +
          "\n");
  } else {
    std::string text = absl::StrCat("origin      ", info.origin(), "\nvkey        ", info.vkey(),
                                    "\nadmin vkey  ", info.admin_vkey(), "\ntree size   ",
                                    info.tree_size(), "\nversion     ", info.version(), "\n");
    for (const v1::WriterInfo& writer : info.writers()) {
      absl::StrAppend(&text, "writer      ", writer.vkey(), " registered at ",
                      writer.registered_at());
      if (writer.revoked()) absl::StrAppend(&text, ", revoked at ", writer.revoked_at());
      if (!writer.description().empty()) absl::StrAppend(&text, " (", writer.description(), ")");
      text += "\n";
    }
    Print(text);
  }
  if (!globals.log_key.empty() && globals.log_key != info.vkey()) {
    return VerificationFailure(absl::StatusCode::kPermissionDenied,
                               absl::StrCat("the server's log key ", info.vkey(),
                                            " is not the pinned --log-key ", globals.log_key));
  }
  return absl::OkStatus();
}

}  // namespace

void AddReadCommands(Cli& cli) {
  auto index = std::make_shared<uint64_t>(0);
  CLI::App* get = AddCommand(
      cli.app, "get",
      "Print record I after checking its inclusion proof against the trusted checkpoint "
      "(needs --log-key). --json: {\"index\",\"leaf\" (base64 of the exact leaf bytes),"
      "\"leaf_hash\",\"tree_size\",...,\"entry\"}.");
  get->add_option("--index", *index, "Record index")->required();
  auto tiles = std::make_shared<std::string>();
  get->add_option("--tiles", *tiles,
                  "Read from the log's C2SP tlog-tiles instead of the server (no gRPC): an "
                  "http(s):// URL prefix (memoria-server --http-listen, nginx, a CDN) or a "
                  "directory; the checkpoint, its consistency with --state and the inclusion "
                  "proof all come from the tiles");
  get->callback([&cli, index, tiles] {
    cli.action = [&cli, index, tiles] {
      return tiles->empty() ? Get(cli.globals, *index) : GetFromTiles(cli.globals, *tiles, *index);
    };
  });

  auto from = std::make_shared<uint64_t>(0);
  auto to = std::make_shared<uint64_t>(0);
  CLI::App* range = AddCommand(
      cli.app, "range",
      "Print records [A, B), 8,192 at a time, each run once verified (its records hashed onto "
      "the tree before them, the root checked against the trusted checkpoint by a consistency "
      "proof) and their chain links checked; a run that fails stops the output (exit code 1, "
      "or 3 for a server error). --json: one JSON object per "
      "line, as `get --json`.");
  range->add_option("--from", *from, "First index (default 0)");
  range->add_option("--to", *to, "End index, exclusive (default: the latest checkpoint's size)");
  range->callback(
      [&cli, from, to] { cli.action = [&cli, from, to] { return Range(cli.globals, *from, *to); }; });

  auto tail_from = std::make_shared<std::optional<uint64_t>>();
  CLI::App* tail = AddCommand(
      cli.app, "tail",
      "Follow the log live, printing each record once verified (as `range`). Runs until "
      "interrupted or a check fails.");
  tail->add_option("--from", *tail_from, "First index (default: records appended from now on)");
  tail->callback([&cli, tail_from] {
    cli.action = [&cli, tail_from] { return Tail(cli.globals, *tail_from); };
  });

  auto size = std::make_shared<uint64_t>(0);
  auto witnessed = std::make_shared<bool>(false);
  CLI::App* checkpoint = AddCommand(
      cli.app, "checkpoint",
      "Print the latest (or --size N) signed checkpoint, byte for byte as the C2SP signed note, "
      "after checking its signature under --log-key and its consistency with the trusted "
      "checkpoint (--state); the latest one then becomes trusted. With --witness-policy, the "
      "latest is the latest checkpoint cosigned by the policy's quorum. --json: "
      "{\"origin\",\"tree_size\",\"root_hash\",\"note\"}.");
  CLI::Option* size_option =
      checkpoint->add_option("--size", *size, "A checkpoint the log signed at exactly this size");
  checkpoint
      ->add_flag("--witnessed", *witnessed,
                 "The latest checkpoint cosigned by the server's witnesses: the log's signature "
                 "line, then the witnesses' cosignature lines. Its cosignatures are checked "
                 "only with --witness-policy (exit 1 if they do not meet its quorum)")
      ->excludes(size_option);
  checkpoint->callback([&cli, size, witnessed] {
    cli.action = [&cli, size, witnessed] {
      return ShowCheckpoint(cli.globals, *size, *witnessed);
    };
  });

  CLI::App* info = AddCommand(
      cli.app, "info",
      "Print the server's origin, log vkey, administrator vkey, size and writers (unverified; "
      "with --log-key, exit 1 if the server's key differs). --json includes \"vkey\".");
  info->callback([&cli] { cli.action = [&cli] { return Info(cli.globals); }; });
}

}  // namespace memoria::client::cli
