// `memoria --witness-policy` and `--witnessed`, and memoria-audit
// `--witness-policy` on what it prints, against a real in-process
// memoria-server behind WitnessingLedger (a proxy that answers
// GetCheckpoint(witnessed) with cosignatures by test witnesses A, B, C).
// The policy of every test: two of A, B, C.
#include <chrono>
#include <fstream>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/trusted_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/receipt.h"
#include "tests/client/client_test_util.h"
#include "tests/client/witnessing_ledger.h"
#include "tests/support/run_binary.h"

#ifndef MEMORIA_CLI_BINARY
#error "MEMORIA_CLI_BINARY must name the memoria executable"
#endif
#ifndef MEMORIA_AUDIT_BINARY
#error "MEMORIA_AUDIT_BINARY must name the memoria-audit executable"
#endif

namespace memoria::client {
namespace {

using ::memoria::client::testing::MustStart;
using ::memoria::client::testing::Server;
using ::memoria::client::testing::TempDir;
using ::memoria::client::testing::TestServerConfig;
using ::memoria::client::testing::WitnessingLedger;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using ProcRun = ::memoria::testing::ProcessRun;

class WitnessCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    server_ = MustStart(TestServerConfig(data_dir_));
    ASSERT_NE(server_, nullptr);
    log_key_ = server_->log_verifier().ToString();
    proxy_ = std::make_unique<WitnessingLedger>(server_->port(),
                                                std::vector<std::string>{"A", "B", "C"});
    policy_file_ = dir_.path() + "/witnesses.policy";
    std::ofstream(policy_file_) << proxy_->PolicyText("group g 2 A B C\nquorum g\n");
    key_file_ = RegisterWriter("svc");
  }
  void TearDown() override { proxy_.reset(); }

  ProcRun Memoria(const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(MEMORIA_CLI_BINARY, args, dir_.path());
  }
  ProcRun Audit(const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(MEMORIA_AUDIT_BINARY, args, dir_.path());
  }
  // Through the proxy, pinned, with the policy.
  ProcRun Witnessed(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", proxy_->target(), "--log-key", log_key_,
                               "--witness-policy", policy_file_});
    return Memoria(args);
  }

  std::string RegisterWriter(const std::string& name) {
    const std::string key_file = dir_.path() + "/" + name + ".key";
    ProcRun keygen = Memoria({"keygen", "--name", name, "--out", key_file});
    EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    std::string vkey = keygen.out.substr(0, keygen.out.find('\n'));
    ProcRun registered = Memoria({"--server", proxy_->target(), "--log-key", log_key_, "writer",
                              "register", "--admin-key", data_dir_ + "/keys/admin.key", "--vkey",
                              vkey});
    EXPECT_EQ(registered.exit_code, 0) << registered.err;
    return key_file;
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<Server> server_;
  std::string log_key_;
  std::unique_ptr<WitnessingLedger> proxy_;
  std::string policy_file_;
  std::string key_file_;
};

TEST_F(WitnessCliTest, CheckpointWitnessedMeetingTheQuorumExitsZero) {
  proxy_->SetCosigners({"A", "B"});
  const std::string state = dir_.path() + "/cli.state";
  ProcRun run = Witnessed({"--state", state, "checkpoint", "--witnessed"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("— witness-a.example "));
  EXPECT_THAT(run.out, HasSubstr("— witness-b.example "));
  EXPECT_THAT(run.out, StartsWith(absl::StrCat(server_->log_verifier().name(), "\n",
                                               server_->stats().tree_size, "\n")));
  absl::StatusOr<std::string> kept = ReadFile(state);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, run.out);  // the cosigned note is the trusted state
  // With the policy, the plain `checkpoint` is the witnessed one too.
  ProcRun plain = Witnessed({"checkpoint"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("— witness-a.example "));
  // Without a policy --witnessed prints it, its cosignatures unchecked.
  proxy_->SetCosigners({"C"});
  ProcRun unchecked = Memoria({"--server", proxy_->target(), "--log-key", log_key_, "checkpoint",
                           "--witnessed"});
  ASSERT_EQ(unchecked.exit_code, 0) << unchecked.err;
  EXPECT_THAT(unchecked.out, HasSubstr("— witness-c.example "));
}

TEST_F(WitnessCliTest, CheckpointWitnessedUnmetQuorumExitsOneNamingTheMissingWitnesses) {
  proxy_->SetCosigners({"A"});
  ProcRun run = Witnessed({"checkpoint", "--witnessed"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_THAT(run.err, HasSubstr("group g needs 2 of {A, B, C}, has 1"));
  EXPECT_THAT(run.err, HasSubstr("missing: B, C"));
  // Every verified command refuses it the same way.
  ProcRun get = Witnessed({"get", "--index", "0"});
  EXPECT_EQ(get.exit_code, 1) << get.err;
  EXPECT_THAT(get.err, HasSubstr("missing: B, C"));
}

TEST_F(WitnessCliTest, AFlippedCosignatureByteIsNotCountedExitOne) {
  proxy_->SetCosigners({"A", "B"});
  proxy_->SetCorrupted("A");
  ProcRun run = Witnessed({"checkpoint", "--witnessed"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("not counted: A"));
  EXPECT_THAT(run.err, HasSubstr("missing: A, C"));
}

TEST_F(WitnessCliTest, AnUnreadablePolicyIsAUsageError) {
  const std::string bad = Write("bad.policy", "witness A not-a-key\nquorum A\n");
  ProcRun run = Memoria({"--server", proxy_->target(), "--log-key", log_key_,
                         "--witness-policy", bad, "checkpoint"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("--witness-policy"));
  EXPECT_THAT(run.err, HasSubstr("policy line 1"));
}

TEST_F(WitnessCliTest, ReceiptShowWitnessedVerifiesOfflineAndATamperedCopyFails) {
  ProcRun appended =
      Memoria({"--server", proxy_->target(), "--log-key", log_key_, "append", "--key", key_file_,
               "--type", "post.published", "--request-id", "r-1", "--json"});
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  const std::string log_only = Write("appended.json", appended.out);
  // The append's receipt (signed by the log only) fails the policy offline.
  ProcRun refused = Audit({"receipt", "--log-key", log_key_, "--file", log_only, "--witness-policy",
                       policy_file_});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("have no witness cosignatures"));
  EXPECT_THAT(refused.out, HasSubstr("missing: A, B, C"));

  proxy_->SetCosigners({"B", "C"});
  ProcRun shown = Witnessed({"receipt", "show", "--witnessed", "--index", "2", "--wait", "5"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, StartsWith("c2sp.org/tlog-proof@v1\nextra "));
  EXPECT_THAT(shown.out, HasSubstr("— witness-b.example "));
  const std::string receipt = Write("witnessed.proof", shown.out);
  ProcRun valid = Audit({"receipt", "--log-key", log_key_, "--file", receipt, "--witness-policy",
                     policy_file_, "--request-id", "r-1"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  EXPECT_THAT(valid.out, HasSubstr("receipt valid: record 2"));
  EXPECT_THAT(valid.out, HasSubstr("cosigned by B, C"));

  // A tampered copy: one byte of B's cosignature changed.
  const size_t line = shown.out.find("— witness-b.example ");
  ASSERT_NE(line, std::string::npos);
  std::string tampered = shown.out;
  const size_t at = tampered.find('\n', line) - 5;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  ProcRun invalid = Audit({"receipt", "--log-key", log_key_, "--file",
                       Write("tampered.proof", tampered), "--witness-policy", policy_file_});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.out << invalid.err;
  EXPECT_THAT(invalid.out, HasSubstr("receipt INVALID"));
  EXPECT_THAT(invalid.out, HasSubstr("not counted: B"));
  EXPECT_THAT(invalid.out, HasSubstr("missing: A, B"));
  // A copy with C's cosignature line removed.
  const size_t c_line = shown.out.find("— witness-c.example ");
  ASSERT_NE(c_line, std::string::npos);
  std::string stripped = shown.out;
  stripped.erase(c_line, shown.out.find('\n', c_line) + 1 - c_line);
  ProcRun short_one = Audit({"receipt", "--log-key", log_key_, "--file",
                         Write("stripped.proof", stripped), "--witness-policy", policy_file_});
  EXPECT_EQ(short_one.exit_code, 1) << short_one.out << short_one.err;
  EXPECT_THAT(short_one.out, HasSubstr("missing: A, C"));

  // The JSON form verifies too.
  ProcRun json = Witnessed({"--json", "receipt", "show", "--witnessed", "--index", "2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ProcRun json_valid = Audit({"receipt", "--log-key", log_key_, "--file", Write("w.json", json.out),
                          "--witness-policy", policy_file_, "--json"});
  EXPECT_EQ(json_valid.exit_code, 0) << json_valid.out << json_valid.err;
  EXPECT_THAT(json_valid.out, HasSubstr("\"witnesses\":[\"B\",\"C\"]"));
}

TEST_F(WitnessCliTest, AppendWitnessedPrintsTheCosignedReceipt) {
  ProcRun run = Witnessed({"append", "--key", key_file_, "--type", "post.published", "--witnessed",
                       "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  absl::StatusOr<Receipt> receipt = ParseReceiptJson(run.out);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_THAT(receipt->checkpoint, HasSubstr("— witness-a.example "));
  EXPECT_GT(receipt->tree_size, receipt->index);
  ProcRun valid = Audit({"receipt", "--log-key", log_key_, "--file", Write("a.json", run.out),
                     "--witness-policy", policy_file_});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(WitnessCliTest, WitnessedWaitsEndWithExitThreeWhenNothingIsCosigned) {
  proxy_->SetMode(WitnessingLedger::Mode::kNoneYet);
  ProcRun shown = Witnessed({"receipt", "show", "--witnessed", "--index", "1", "--wait", "0.5"});
  EXPECT_EQ(shown.exit_code, 3) << shown.out << shown.err;
  EXPECT_THAT(shown.err, HasSubstr("record 1 was not witnessed within"));
  EXPECT_TRUE(shown.out.empty());
  const uint64_t before = server_->stats().tree_size;
  ProcRun appended = Witnessed({"append", "--key", key_file_, "--type", "post.published",
                            "--witnessed", "--wait", "0.5"});
  EXPECT_EQ(appended.exit_code, 3) << appended.out << appended.err;
  EXPECT_THAT(appended.err, HasSubstr(absl::StrCat("appended as record ", before)));
  EXPECT_THAT(appended.err, HasSubstr("not witnessed within"));
  EXPECT_EQ(server_->stats().tree_size, before + 1);
  // A server without witnesses says so (exit 3), without waiting.
  proxy_->SetMode(WitnessingLedger::Mode::kNoWitnesses);
  ProcRun none = Witnessed({"checkpoint", "--witnessed"});
  EXPECT_EQ(none.exit_code, 3) << none.err;
  EXPECT_THAT(none.err, HasSubstr("no witnesses"));
}

// ---- memoria-audit verify --server and monitor ------------------------------------

TEST_F(WitnessCliTest, AuditVerifyServerChecksTheWitnessedCheckpoint) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Memoria({"--server", proxy_->target(), "append", "--key", key_file_, "--type",
                       "post.published"})
                  .exit_code,
              0);
  }
  const uint64_t witnessed = server_->stats().tree_size - 1;
  proxy_->PinSize(witnessed);
  proxy_->SetCosigners({"A", "C"});
  const std::string state = dir_.path() + "/audit.state";
  ProcRun met = Audit({"verify", "--server", proxy_->target(), "--log-key", log_key_,
                   "--witness-policy", policy_file_, "--state", state, "--no-progress"});
  EXPECT_EQ(met.exit_code, 0) << met.out << met.err;
  EXPECT_THAT(met.out, HasSubstr(absl::StrCat(witnessed, "/", witnessed, " records valid")));
  EXPECT_THAT(met.out, HasSubstr("witnessed by A, C"));
  absl::StatusOr<std::string> kept = ReadFile(state);
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(*kept, HasSubstr("— witness-c.example "));

  proxy_->SetCosigners({"C"});
  ProcRun unmet = Audit({"verify", "--server", proxy_->target(), "--log-key", log_key_,
                     "--witness-policy", policy_file_, "--no-progress"});
  EXPECT_EQ(unmet.exit_code, 1) << unmet.out << unmet.err;
  EXPECT_THAT(unmet.out, HasSubstr("witness: checkpoint"));
  EXPECT_THAT(unmet.out, HasSubstr("missing: A, B"));
  EXPECT_THAT(unmet.out, HasSubstr("NOT cosigned by the witness policy's quorum"));

  proxy_->SetCosigners({"A", "C"});
  proxy_->SetCorrupted("C");
  ProcRun flipped = Audit({"verify", "--server", proxy_->target(), "--log-key", log_key_,
                       "--witness-policy", policy_file_, "--no-progress", "--json"});
  EXPECT_EQ(flipped.exit_code, 1) << flipped.out << flipped.err;
  EXPECT_THAT(flipped.out, HasSubstr("\"kind\":\"witness\""));
  EXPECT_THAT(flipped.out, HasSubstr("not counted: C"));

  // A state kept without the policy is ahead of the witnesses: the witnessed
  // checkpoint is proven to be its prefix, not taken for a rollback.
  proxy_->SetCorrupted("");
  const std::string plain_state = dir_.path() + "/plain.state";
  ProcRun plain = Audit({"verify", "--server", proxy_->target(), "--log-key", log_key_,
                         "--state", plain_state, "--no-progress"});
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  ProcRun behind = Audit({"verify", "--server", proxy_->target(), "--log-key", log_key_,
                          "--witness-policy", policy_file_, "--state", plain_state,
                          "--no-progress"});
  EXPECT_EQ(behind.exit_code, 0) << behind.out << behind.err;
  EXPECT_THAT(behind.out, HasSubstr(absl::StrCat("checkpoint ", witnessed,
                                                 " consistent with trusted ", witnessed + 1)));

  ProcRun bundle = Audit({"verify", "--bundle", state, "--log-key", log_key_, "--witness-policy",
                      policy_file_});
  EXPECT_EQ(bundle.exit_code, 2) << bundle.err;
  EXPECT_THAT(bundle.err, HasSubstr("use it with --server"));
}

TEST_F(WitnessCliTest, AuditMonitorFollowsWitnessedCheckpoints) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(Memoria({"--server", proxy_->target(), "append", "--key", key_file_, "--type",
                       "post.published"})
                  .exit_code,
              0);
  }
  const uint64_t witnessed = server_->stats().tree_size - 1;
  proxy_->PinSize(witnessed);
  const std::string state = dir_.path() + "/monitor.state";
  ProcRun once = Audit({"monitor", "--server", proxy_->target(), "--log-key", log_key_, "--state",
                    state, "--witness-policy", policy_file_, "--once"});
  EXPECT_EQ(once.exit_code, 0) << once.out << once.err;
  EXPECT_THAT(once.out, HasSubstr(absl::StrCat("checkpoint ", witnessed, " verified (", witnessed,
                                               " records), cosigned by the witness policy's "
                                               "quorum")));
  absl::StatusOr<std::string> kept = ReadFile(state);
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(*kept, HasSubstr("— witness-a.example "));
  // Later records wait for the witnesses; once they catch up, they are verified.
  std::thread catch_up([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    proxy_->PinSize(std::nullopt);
  });
  ProcRun caught_up = Audit({"monitor", "--server", proxy_->target(), "--log-key", log_key_,
                             "--state", state, "--witness-policy", policy_file_, "--max-seconds",
                             "4"});
  catch_up.join();
  EXPECT_EQ(caught_up.exit_code, 0) << caught_up.out << caught_up.err;
  EXPECT_THAT(caught_up.out, HasSubstr(absl::StrCat("checkpoint ", witnessed, " verified")));
  EXPECT_THAT(caught_up.out, HasSubstr(absl::StrCat("checkpoint ", witnessed + 1, " verified")));
  EXPECT_THAT(caught_up.err, Not(HasSubstr("ALERT")));

  // A state kept by a monitor without the policy is ahead of the witnesses:
  // not a rollback.
  const std::string plain_state = dir_.path() + "/plain.state";
  ProcRun plain = Audit({"monitor", "--server", proxy_->target(), "--log-key", log_key_,
                         "--state", plain_state, "--once"});
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  proxy_->PinSize(witnessed);
  ProcRun behind = Audit({"monitor", "--server", proxy_->target(), "--log-key", log_key_,
                          "--state", plain_state, "--witness-policy", policy_file_, "--once"});
  EXPECT_EQ(behind.exit_code, 0) << behind.out << behind.err;
  EXPECT_THAT(behind.err, Not(HasSubstr("ALERT")));
  proxy_->PinSize(std::nullopt);

  ASSERT_EQ(Memoria({"--server", proxy_->target(), "append", "--key", key_file_, "--type",
                     "post.published"})
                .exit_code,
            0);
  proxy_->SetCosigners({"B"});

  ProcRun alert = Audit({"monitor", "--server", proxy_->target(), "--log-key", log_key_, "--state",
                     state, "--witness-policy", policy_file_, "--once"});
  EXPECT_EQ(alert.exit_code, 1) << alert.out << alert.err;
  EXPECT_THAT(alert.err, HasSubstr("ALERT"));
  EXPECT_THAT(alert.err, HasSubstr("missing: A, C"));
}

}  // namespace
}  // namespace memoria::client
