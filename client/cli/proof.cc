// proof inclusion | consistency; receipt show | verify (--tiles).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/cli/json.h"
#include "client/errors.h"
#include "client/trusted_state.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "ledger/status.h"
#include "ledger/verify/receipt.h"

namespace memoria::client::cli {
namespace {

std::vector<std::string> Base64List(const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  std::vector<std::string> out;
  for (const std::string& hash : hashes) out.push_back(Base64Encode(hash));
  return out;
}

absl::Status Inclusion(const GlobalOptions& globals, uint64_t index, uint64_t tree_size) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  ASSIGN_OR_RETURN(v1::InclusionProof proof, client->GetInclusionProof(index, tree_size));
  const std::vector<std::string> hashes = Base64List(proof.hashes());
  if (globals.json) {
    Print(JsonWriter()
              .AddUint("index", proof.index())
              .AddUint("tree_size", proof.tree_size())
              .AddString("leaf_hash", Base64Encode(proof.leaf_hash()))
              .AddStringArray("hashes", hashes)
              .ToString() +
          "\n");
  } else {
    std::string text = absl::StrCat("index ", proof.index(), "\ntree_size ", proof.tree_size(),
                                    "\nleaf_hash ", Base64Encode(proof.leaf_hash()), "\n");
    for (const std::string& hash : hashes) absl::StrAppend(&text, hash, "\n");
    Print(text);
  }
  return absl::OkStatus();
}

absl::Status Consistency(const GlobalOptions& globals, uint64_t first, uint64_t second) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  ASSIGN_OR_RETURN(v1::ConsistencyProof proof, client->GetConsistencyProof(first, second));
  const std::vector<std::string> hashes = Base64List(proof.hashes());
  if (globals.json) {
    Print(JsonWriter()
              .AddUint("first", proof.first())
              .AddUint("second", proof.second())
              .AddString("first_root", Base64Encode(proof.first_root()))
              .AddString("second_root", Base64Encode(proof.second_root()))
              .AddStringArray("hashes", hashes)
              .ToString() +
          "\n");
  } else {
    std::string text = absl::StrCat(
        "first ", proof.first(), "\nsecond ", proof.second(), "\nfirst_root ",
        Base64Encode(proof.first_root()), "\nsecond_root ", Base64Encode(proof.second_root()), "\n");
    for (const std::string& hash : hashes) absl::StrAppend(&text, hash, "\n");
    Print(text);
  }
  return absl::OkStatus();
}

absl::Status ShowReceipt(const GlobalOptions& globals, uint64_t index, uint64_t tree_size) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  TrustedCheckpoint checkpoint;
  if (tree_size == 0) {
    ASSIGN_OR_RETURN(checkpoint, client->Update());
  } else {
    ASSIGN_OR_RETURN(checkpoint, client->CheckpointAt(tree_size));
  }
  ASSIGN_OR_RETURN(VerifiedRecord record, client->GetRecord(index));
  ASSIGN_OR_RETURN(v1::InclusionProof proof,
                   client->GetInclusionProof(index, checkpoint.checkpoint.size));
  if (proof.leaf_hash() != AsBytes(record.leaf_hash)) {
    return VerificationFailure(absl::StatusCode::kDataLoss,
                               absl::StrCat("record ", index, " does not hash to the leaf hash of "
                                            "its inclusion proof"));
  }
  v1::Receipt receipt;
  receipt.set_index(index);
  receipt.set_leaf_hash(proof.leaf_hash());
  receipt.set_tree_size(checkpoint.checkpoint.size);
  *receipt.mutable_inclusion_proof() = proof.hashes();
  receipt.set_checkpoint(checkpoint.note);
  receipt.set_leaf(std::move(record.leaf));
  RETURN_IF_ERROR(client->VerifyReceipt(receipt).status());
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

// The receipt of record `index` in a checkpoint cosigned by the witnesses:
// built in the log's latest checkpoint, upgraded by WitnessReceipt (which
// checks it, waits up to `wait` for a witnessed checkpoint covering it,
// checks that one and its consistency), and the cosigned checkpoint's root
// checked to be the trusted log's at its size.
absl::Status ShowWitnessedReceipt(const GlobalOptions& globals, uint64_t index, double wait) {
  if (wait < 0) return absl::InvalidArgumentError("--wait must not be negative");
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerClient> client, OpenClient(globals, true));
  ASSIGN_OR_RETURN(v1::CheckpointResponse latest, client->FetchCheckpoint(0));
  if (index >= latest.tree_size()) {
    return MarkServerError(absl::OutOfRangeError(absl::StrCat(
        "record ", index, " is not in the log: its latest checkpoint has ", latest.tree_size(),
        " records")));
  }
  ASSIGN_OR_RETURN(std::string leaf, client->FetchLeaf(index));
  ASSIGN_OR_RETURN(v1::InclusionProof proof,
                   client->FetchInclusionProof(index, latest.tree_size()));
  v1::Receipt signed_by_log;
  signed_by_log.set_index(index);
  signed_by_log.set_leaf_hash(std::string(AsBytes(LeafHash(leaf))));
  signed_by_log.set_tree_size(latest.tree_size());
  *signed_by_log.mutable_inclusion_proof() = proof.hashes();
  signed_by_log.set_checkpoint(latest.note());
  signed_by_log.set_leaf(std::move(leaf));
  ASSIGN_OR_RETURN(v1::Receipt receipt,
                   client->WitnessReceipt(signed_by_log, absl::Seconds(wait)));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, client->VerifyReceipt(receipt));
  ASSIGN_OR_RETURN(Hash root, client->RootAt(checkpoint.size));
  if (root != checkpoint.root) {
    return VerificationFailure(
        absl::StatusCode::kDataLoss,
        absl::StrCat("witnessed checkpoint ", checkpoint.size,
                     " is not the trusted log's at that size (another root): a fork"));
  }
  PrintReceipt(globals, receipt);
  return absl::OkStatus();
}

// A saved receipt (tlog-proof text or receipt JSON) checked against the log's
// tiles: still held by the log as served now.
absl::Status VerifyReceiptFromTiles(const GlobalOptions& globals, const std::string& tiles,
                                    const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<TilesReader> reader, OpenTilesReader(globals, tiles));
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  absl::StatusOr<Receipt> receipt = ParseSavedReceipt(text, *Verifier::Parse(globals.log_key));
  if (!receipt.ok()) return Annotate(receipt.status(), path);
  ASSIGN_OR_RETURN(VerifiedRecord record, reader->VerifyReceipt(*receipt));
  if (globals.json) {
    Print(JsonWriter()
              .AddBool("ok", true)
              .AddUint("index", record.index)
              .AddUint("receipt_tree_size", receipt->tree_size)
              .AddUint("tree_size", record.tree_size)
              .ToString() +
          "\n");
  } else {
    Print(absl::StrCat("receipt valid: record ", record.index, " (receipt of checkpoint ",
                       receipt->tree_size, ") is held by the log's tiles at checkpoint ",
                       record.tree_size, ", consistent with the receipt's\n"));
  }
  return absl::OkStatus();
}

}  // namespace

void AddProofCommands(Cli& cli) {
  CLI::App* proof = AddCommand(cli.app, "proof", "Print verified Merkle proofs (RFC 9162)");
  proof->require_subcommand(1);

  auto index = std::make_shared<uint64_t>(0);
  auto tree_size = std::make_shared<uint64_t>(0);
  CLI::App* inclusion = AddCommand(
      *proof, "inclusion",
      "Inclusion proof of record I in the tree of N records, verified against the trusted "
      "checkpoint. --json: {\"index\":I,\"tree_size\":N,\"leaf_hash\":\"<b64>\","
      "\"hashes\":[\"<b64>\",...]}");
  inclusion->add_option("--index", *index, "Record index")->required();
  inclusion->add_option("--tree-size", *tree_size, "Tree size (default: the latest checkpoint's)");
  inclusion->callback([&cli, index, tree_size] {
    cli.action = [&cli, index, tree_size] { return Inclusion(cli.globals, *index, *tree_size); };
  });

  auto first = std::make_shared<uint64_t>(0);
  auto second = std::make_shared<uint64_t>(0);
  CLI::App* consistency = AddCommand(
      *proof, "consistency",
      "Consistency proof from tree size M to N, both roots verified against the trusted "
      "checkpoint. --json: {\"first\":M,\"second\":N,\"first_root\":\"<b64>\","
      "\"second_root\":\"<b64>\",\"hashes\":[\"<b64>\",...]}");
  consistency->add_option("--from", *first, "Smaller tree size M")->required();
  consistency->add_option("--to", *second, "Larger tree size N (default: the latest checkpoint's)");
  consistency->callback([&cli, first, second] {
    cli.action = [&cli, first, second] { return Consistency(cli.globals, *first, *second); };
  });

  CLI::App* receipt = AddCommand(cli.app, "receipt", "Receipts of records already in the log");
  receipt->require_subcommand(1);
  auto receipt_index = std::make_shared<uint64_t>(0);
  auto receipt_size = std::make_shared<uint64_t>(0);
  auto witnessed = std::make_shared<bool>(false);
  auto wait = std::make_shared<double>(10);
  CLI::App* show = AddCommand(
      *receipt, "show",
      "Build and verify the receipt of record I in a signed checkpoint (default the latest; "
      "with --witness-policy, the latest cosigned by its quorum) and print it as C2SP "
      "tlog-proof text (extra = the leaf bytes) or, with --json, as the append receipt JSON.");
  show->add_option("--index", *receipt_index, "Record index")->required();
  CLI::Option* size_option = show->add_option(
      "--tree-size", *receipt_size, "Size of a checkpoint the log signed (default: the latest)");
  show->add_flag("--witnessed", *witnessed,
                 "The receipt in a checkpoint cosigned by the server's witnesses (its "
                 "cosignature lines follow the log's signature): waits up to --wait seconds for "
                 "one that covers record I, checks it (with --witness-policy, its quorum) and its "
                 "consistency with the log's latest checkpoint and the trusted one (--state), "
                 "then prints the receipt")
      ->excludes(size_option);
  show->add_option("--wait", *wait,
                   "With --witnessed: how long to wait for the witnesses, in seconds (then exit "
                   "3, \"not witnessed within\")")
      ->capture_default_str();
  auto receipt_file = std::make_shared<std::string>();
  auto receipt_tiles = std::make_shared<std::string>();
  CLI::App* verify = AddCommand(
      *receipt, "verify",
      "Check a saved receipt (--file: the tlog-proof text or receipt JSON of `memoria append`, "
      "with its leaf) against the log's C2SP tlog-tiles alone (no gRPC): the receipt verifies "
      "under --log-key, the tiles' checkpoint is consistent with the receipt's (and with "
      "--state), and the record at its index there is the receipt's. Exit 1 otherwise "
      "(rollback, fork, another record).");
  verify->add_option("--file", *receipt_file, "The saved receipt")->required();
  verify->add_option("--tiles", *receipt_tiles, "The tiles: http(s):// URL prefix or directory")
      ->required();
  verify->callback([&cli, receipt_file, receipt_tiles] {
    cli.action = [&cli, receipt_file, receipt_tiles] {
      return VerifyReceiptFromTiles(cli.globals, *receipt_tiles, *receipt_file);
    };
  });

  show->callback([&cli, receipt_index, receipt_size, witnessed, wait] {
    cli.action = [&cli, receipt_index, receipt_size, witnessed, wait] {
      return *witnessed ? ShowWitnessedReceipt(cli.globals, *receipt_index, *wait)
                        : ShowReceipt(cli.globals, *receipt_index, *receipt_size);
    };
  });
}

}  // namespace memoria::client::cli
