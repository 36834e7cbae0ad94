// The `memoria` binary against an in-process memoria-server: the interop
// contract's JSON shapes, the checkpoint note byte for byte, exit codes.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/receipt.h"
#include "client/trusted_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/verify/bundle.h"
#include "ledger/encoding.h"
#include "ledger/merkle.h"
#include "tests/client/client_test_util.h"
#include "tests/client/dishonest_ledger.h"
#include "tests/support/run_binary.h"

#ifndef MEMORIA_CLI_BINARY
#error "MEMORIA_CLI_BINARY must name the memoria executable"
#endif

namespace memoria::client {
namespace {

using ::memoria::client::testing::MustStart;
using ::memoria::client::testing::Server;
using ::memoria::client::testing::TempDir;
using ::memoria::client::testing::RestartTestServerConfig;
using ::memoria::client::testing::TestServerConfig;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using CliRun = ::memoria::testing::ProcessRun;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    server_ = MustStart(TestServerConfig(data_dir_));
    ASSERT_NE(server_, nullptr);
    log_key_ = server_->log_verifier().ToString();
    server_flag_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  // Runs memoria with `args` (no shell interpretation of them).
  CliRun Memoria(const std::vector<std::string>& args, const std::string& stdin_file = "") {
    return ::memoria::testing::RunBinary(MEMORIA_CLI_BINARY, args, dir_.path(), stdin_file);
  }

  // With --server and --log-key.
  CliRun Pinned(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server_flag_, "--log-key", log_key_});
    return Memoria(args);
  }

  // A writer key registered through the CLI; returns its key file.
  std::string RegisterWriter(const std::string& name) {
    const std::string key_file = dir_.path() + "/" + name + ".key";
    CliRun keygen = Memoria({"keygen", "--name", name, "--out", key_file});
    EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    std::string vkey = keygen.out;
    if (!vkey.empty() && vkey.back() == '\n') vkey.pop_back();
    CliRun registered = Pinned({"writer", "register", "--admin-key", data_dir_ + "/keys/admin.key",
                             "--vkey", vkey, "--description", "cli test", "--json"});
    EXPECT_EQ(registered.exit_code, 0) << registered.err;
    return key_file;
  }

  JsonObject MustParse(const std::string& json) {
    absl::StatusOr<JsonObject> object = JsonObject::Parse(json);
    EXPECT_TRUE(object.ok()) << object.status() << " in " << json;
    if (!object.ok()) abort();
    return *std::move(object);
  }

  TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<Server> server_;
  std::string log_key_;
  std::string server_flag_;
};

TEST_F(CliTest, KeygenWritesAPrivateKeyFileOfMode0600AndPrintsTheVkey) {
  const std::string key_file = dir_.path() + "/w.key";
  CliRun run = Memoria({"keygen", "--name", "writer-1", "--out", key_file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  struct stat info {};
  ASSERT_EQ(::stat(key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string vkey = run.out.substr(0, run.out.find('\n'));
  absl::StatusOr<Verifier> verifier = Verifier::Parse(vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  absl::StatusOr<Signer> signer = ReadSignerKeyFile(key_file);
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->verifier().ToString(), vkey);
  // Never overwritten.
  CliRun again = Memoria({"keygen", "--name", "writer-1", "--out", key_file});
  EXPECT_EQ(again.exit_code, 2);
}

TEST_F(CliTest, InfoJsonIncludesTheLogVkey) {
  CliRun run = Memoria({"--server", server_flag_, "info", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  JsonObject info = MustParse(run.out);
  EXPECT_EQ(*info.String("vkey"), log_key_);
  EXPECT_EQ(*info.String("admin_vkey"), server_->admin_verifier().ToString());
}

TEST_F(CliTest, AppendJsonIsTheInteropReceipt) {
  const std::string key = RegisterWriter("alcaldia-web");
  CliRun run = Pinned({"append", "--key", key, "--type", "post.published", "--attr",
                    "url=https://facebook.com/x", "--attr", "platform=facebook", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  JsonObject receipt = MustParse(run.out);
  for (const char* field : {"index", "leaf_hash", "tree_size", "hashes", "checkpoint"}) {
    EXPECT_TRUE(receipt.Has(field)) << field;
  }
  // memoria-audit's receipt parser reads it, and it verifies offline.
  absl::StatusOr<Receipt> parsed = ParseReceiptJson(run.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  absl::StatusOr<Checkpoint> checkpoint = VerifyReceipt(*parsed, server_->log_verifier());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->size, parsed->tree_size);

  // get --json: the exact leaf bytes, hashing to the receipt's leaf hash.
  CliRun get = Pinned({"get", "--index", std::to_string(parsed->index), "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  JsonObject record = MustParse(get.out);
  absl::StatusOr<std::string> leaf = record.Bytes("leaf");
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_EQ(LeafHash(*leaf), parsed->leaf_hash);
}

TEST_F(CliTest, AppendFromJsonAndTlogProofText) {
  const std::string key = RegisterWriter("svc");
  const std::string event = dir_.path() + "/event.json";
  std::ofstream(event) << R"({"type":"account.created","attributes":{"platform":"twitter"}})";
  CliRun run = Pinned({"append", "--key", key, "--json-file", event});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("c2sp.org/tlog-proof@v1\nextra "));
  absl::StatusOr<TlogProof> proof = ParseTlogProof(run.out);
  ASSERT_TRUE(proof.ok()) << proof.status();
  ASSERT_TRUE(proof->extra.has_value());
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(proof->checkpoint, server_->log_verifier());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_TRUE(VerifyInclusion(proof->index, checkpoint->size, LeafHash(*proof->extra),
                              proof->hashes, checkpoint->root)
                  .ok());

  // A whole Entry document works too.
  const std::string entry = dir_.path() + "/entry.json";
  std::ofstream(entry) << R"({"generic":{"type":"user.blocked","attributes":{"user":"u1"}}})";
  CliRun from_entry = Pinned({"append", "--key", key, "--json-file", entry, "--json"});
  ASSERT_EQ(from_entry.exit_code, 0) << from_entry.err;
  CliRun get = Pinned({"get", "--index", std::to_string(*MustParse(from_entry.out).Uint("index")),
                    "--json"});
  EXPECT_THAT(get.out, HasSubstr("user.blocked"));
}

TEST_F(CliTest, AppendExitsOneOnAGenuineReceiptOfAnotherRecord) {
  const std::string key = RegisterWriter("svc");
  CliRun decoy = Pinned({"append", "--key", key, "--type", "post.published", "--request-id",
                         "decoy", "--json"});
  ASSERT_EQ(decoy.exit_code, 0) << decoy.err;
  const uint64_t decoy_index = *MustParse(decoy.out).Uint("index");
  testing::DishonestLedger proxy(server_->port(), decoy_index,
                                 testing::DishonestLedger::Lie::kOtherRecord);
  const uint64_t size_before = server_->stats().tree_size;
  for (const bool json : {false, true}) {
    std::vector<std::string> args = {"--server", absl::StrCat("127.0.0.1:", proxy.port()),
                                     "--log-key", log_key_, "append", "--key", key, "--type",
                                     "post.published"};
    if (json) args.push_back("--json");
    CliRun run = Memoria(args);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("receipt is for another entry"));
    EXPECT_THAT(run.err, HasSubstr(absl::StrCat("record ", decoy_index)));
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  EXPECT_EQ(server_->stats().tree_size, size_before);
}

TEST_F(CliTest, CheckpointPrintsTheSignedNoteByteForByte) {
  RegisterWriter("svc");
  std::unique_ptr<v1::Ledger::Stub> stub = server::testing::NewLocalStub(server_->port());
  grpc::ClientContext context;
  v1::CheckpointResponse latest;
  ASSERT_TRUE(stub->GetCheckpoint(&context, v1::GetCheckpointRequest(), &latest).ok());
  CliRun run = Pinned({"checkpoint"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, latest.note());
  CliRun sized = Pinned({"checkpoint", "--size", std::to_string(latest.tree_size())});
  ASSERT_EQ(sized.exit_code, 0) << sized.err;
  EXPECT_EQ(sized.out, latest.note());
}

TEST_F(CliTest, ProofJsonShapes) {
  const std::string key = RegisterWriter("svc");
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Pinned({"append", "--key", key, "--type", "post.published"}).exit_code, 0);
  }
  const uint64_t size = server_->stats().tree_size;
  CliRun inclusion = Pinned({"proof", "inclusion", "--index", "2", "--tree-size",
                          std::to_string(size), "--json"});
  ASSERT_EQ(inclusion.exit_code, 0) << inclusion.err;
  EXPECT_THAT(inclusion.out, StartsWith(absl::StrCat("{\"index\":2,\"tree_size\":", size,
                                                     ",\"leaf_hash\":\"")));
  JsonObject proof = MustParse(inclusion.out);
  absl::StatusOr<std::vector<std::string>> hashes = proof.StringList("hashes");
  ASSERT_TRUE(hashes.ok());
  EXPECT_FALSE(hashes->empty());

  CliRun consistency =
      Pinned({"proof", "consistency", "--from", "2", "--to", std::to_string(size), "--json"});
  ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
  EXPECT_THAT(consistency.out,
              StartsWith(absl::StrCat("{\"first\":2,\"second\":", size, ",\"first_root\":\"")));
  JsonObject parsed = MustParse(consistency.out);
  for (const char* field : {"first", "second", "first_root", "second_root", "hashes"}) {
    EXPECT_TRUE(parsed.Has(field)) << field;
  }
  // Check it with the ledger's RFC 9162 verifier.
  std::vector<std::string> b64 = *parsed.StringList("hashes");
  absl::StatusOr<std::vector<Hash>> decoded = DecodeHashes(b64);
  ASSERT_TRUE(decoded.ok());
  absl::StatusOr<Hash> first_root = HashFromBytes(*parsed.Bytes("first_root"));
  absl::StatusOr<Hash> second_root = HashFromBytes(*parsed.Bytes("second_root"));
  EXPECT_TRUE(VerifyConsistency(2, size, *first_root, *second_root, *decoded).ok());
}

TEST_F(CliTest, RangeJsonLinesAndExportBundleVerifies) {
  const std::string key = RegisterWriter("svc");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Pinned({"append", "--key", key, "--type", "post.published"}).exit_code, 0);
  }
  const uint64_t size = server_->stats().tree_size;
  CliRun range = Pinned({"range", "--from", "0", "--to", std::to_string(size), "--json"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  std::vector<std::string> lines = absl::StrSplit(range.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), size);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(*MustParse(lines[i]).Uint("index"), i);

  const std::string bundle = dir_.path() + "/log.bundle";
  CliRun exported = Pinned({"export", "--from", "1", "--to", std::to_string(size), "--out", bundle});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ifstream in(bundle);
  absl::StatusOr<BundleAudit> audit = VerifyBundle(in, server_->log_verifier());
  ASSERT_TRUE(audit.ok()) << audit.status();
  for (const AuditFinding& finding : audit->report.findings) ADD_FAILURE() << FindingText(finding);
  EXPECT_EQ(audit->report.records, size - 1);
}

TEST_F(CliTest, ExitCodes) {
  // 2: usage.
  EXPECT_EQ(Memoria({}).exit_code, 2);
  EXPECT_EQ(Memoria({"get"}).exit_code, 2);
  EXPECT_EQ(Memoria({"get", "--index", "x"}).exit_code, 2);
  EXPECT_EQ(Memoria({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Memoria({"append", "--key", "k"}).exit_code, 2);  // no event
  CliRun no_key = Memoria({"--server", server_flag_, "get", "--index", "0"});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_THAT(no_key.err, HasSubstr("--log-key"));
  // 0: help on every command.
  for (std::vector<std::string> help :
       {std::vector<std::string>{"--help"}, {"append", "--help"}, {"proof", "inclusion", "--help"},
        {"writer", "register", "--help"}, {"tail", "--help"}, {"export", "--help"}}) {
    CliRun run = Memoria(help);
    EXPECT_EQ(run.exit_code, 0) << help.front();
    EXPECT_THAT(run.out, HasSubstr("Exit codes"));
  }
  // 1: a checkpoint signed by another key than the pinned one.
  absl::StatusOr<Signer> other = Signer::Generate(server_->log_verifier().name());
  ASSERT_TRUE(other.ok());
  CliRun forged = Memoria({"--server", server_flag_, "--log-key", other->verifier().ToString(),
                        "checkpoint"});
  EXPECT_EQ(forged.exit_code, 1);
  EXPECT_THAT(forged.err, HasSubstr("signature"));
  EXPECT_TRUE(forged.out.empty());
  // 3: nobody listening.
  CliRun down = Memoria({"--server", "127.0.0.1:1", "--timeout", "1", "info"});
  EXPECT_EQ(down.exit_code, 3);
}

TEST_F(CliTest, NegativeNumbersAreUsageErrors) {
  RegisterWriter("svc");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"get", "--index", "-1"},
           {"get", "--index=-1"},
           {"range", "--from", "-1"},
           {"proof", "inclusion", "--index", "0", "--tree-size", "-3"},
           {"receipt", "show", "--index", "-1"},
           {"checkpoint", "--size", "-1"},
           {"query", "--limit", "-5"},
           {"inventory", "--at-index", "-2"},
           {"--timeout", "-1", "info"}}) {
    CliRun run = Pinned(args);
    EXPECT_EQ(run.exit_code, 2) << absl::StrJoin(args, " ") << ": " << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("must not be negative")) << absl::StrJoin(args, " ");
    EXPECT_TRUE(run.out.empty()) << absl::StrJoin(args, " ") << ": " << run.out;
  }
}

TEST_F(CliTest, AppendRefusesAJsonFileOverTheEntryLimitBeforeReadingIt) {
  const std::string key = RegisterWriter("svc");
  const std::string big = dir_.path() + "/big.json";
  std::ofstream(big) << R"({"type":"post.published","attributes":{"text":")"
                     << std::string(70 * 1024, 'x') << R"("}})";
  const uint64_t size_before = server_->stats().tree_size;
  CliRun run = Pinned({"append", "--key", key, "--json-file", big});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("65404 bytes"));
  EXPECT_THAT(run.err, HasSubstr("--max-entry-bytes"));
  CliRun piped = Memoria({"--server", server_flag_, "--log-key", log_key_, "append", "--key", key,
                          "--json-file", "-"},
                         big);
  EXPECT_EQ(piped.exit_code, 2) << piped.out << piped.err;
  EXPECT_THAT(piped.err, HasSubstr("65404 bytes"));
  EXPECT_EQ(server_->stats().tree_size, size_before);
  // A server configured for larger entries: raise the limit.
  CliRun raised = Pinned({"append", "--key", key, "--json-file", big, "--max-entry-bytes", "100000"});
  EXPECT_EQ(raised.exit_code, 3) << raised.out << raised.err;  // this server keeps 64 KiB
  // Within the limit, as before.
  const std::string small = dir_.path() + "/small.json";
  std::ofstream(small) << R"({"type":"post.published","attributes":{"text":"hola"}})";
  EXPECT_EQ(Pinned({"append", "--key", key, "--json-file", small}).exit_code, 0);
}

TEST_F(CliTest, GetAfterARollbackIsAVerificationFailure) {
  const std::string state = dir_.path() + "/memoria.state";
  const std::string key = RegisterWriter("svc");
  // A copy of the log as it is now (3 records), then the log grows and is trusted.
  server_.reset();
  const std::string old_dir = dir_.path() + "/old";
  std::filesystem::copy(data_dir_, old_dir, std::filesystem::copy_options::recursive);
  server_ = MustStart(RestartTestServerConfig(data_dir_));
  server_flag_ = absl::StrCat("127.0.0.1:", server_->port());
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Pinned({"append", "--key", key, "--type", "post.published"}).exit_code, 0);
  }
  ASSERT_EQ(Pinned({"--state", state, "get", "--index", "5"}).exit_code, 0);
  // The old copy served again: record 1 exists there, the trusted checkpoint does not.
  server_.reset();
  server_ = MustStart(RestartTestServerConfig(old_dir));
  server_flag_ = absl::StrCat("127.0.0.1:", server_->port());
  for (const std::string index : {"1", "5"}) {
    CliRun run = Pinned({"--state", state, "get", "--index", index});
    EXPECT_EQ(run.exit_code, 1) << index << ": " << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("rolled back")) << index;
  }
}

TEST_F(CliTest, StateFileRefusesARollback) {
  const std::string state = dir_.path() + "/memoria.state";
  const std::string key = RegisterWriter("svc");
  ASSERT_EQ(Pinned({"--state", state, "checkpoint"}).exit_code, 0);
  ASSERT_EQ(Pinned({"append", "--key", key, "--type", "post.published"}).exit_code, 0);
  CliRun newer = Pinned({"--state", state, "checkpoint"});
  ASSERT_EQ(newer.exit_code, 0) << newer.err;
  EXPECT_EQ(*ReadFile(state), newer.out);
  // A state file from the future (bigger than the log) is a rollback.
  server_.reset();
  const std::string other_dir = dir_.path() + "/other";
  std::filesystem::copy(data_dir_, other_dir, std::filesystem::copy_options::recursive);
  server_ = MustStart(RestartTestServerConfig(data_dir_));
  server_flag_ = absl::StrCat("127.0.0.1:", server_->port());
  ASSERT_EQ(Pinned({"append", "--key", key, "--type", "post.published"}).exit_code, 0);
  ASSERT_EQ(Pinned({"--state", state, "checkpoint"}).exit_code, 0);
  const std::string trusted = *ReadFile(state);
  server_.reset();
  server_ = MustStart(RestartTestServerConfig(other_dir));
  server_flag_ = absl::StrCat("127.0.0.1:", server_->port());
  CliRun rolled_back = Pinned({"--state", state, "checkpoint"});
  EXPECT_EQ(rolled_back.exit_code, 1);
  EXPECT_THAT(rolled_back.err, HasSubstr("rolled back"));
  EXPECT_EQ(*ReadFile(state), trusted);
}

}  // namespace
}  // namespace memoria::client
