// LedgerClient with a witness policy (ClientOptions::witness_policy), against
// a real in-process memoria-server behind WitnessingLedger, a proxy that
// answers GetCheckpoint(witnessed) with cosignatures by test witnesses: the
// trusted state advances only to checkpoints cosigned by the quorum, a
// shortfall is a verification failure naming the missing witnesses, rollback
// and fork evidence still comes first, receipts need the quorum, and
// WitnessReceipt upgrades an append's receipt (or times out cleanly).
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/entry_signer.h"
#include "client/errors.h"
#include "client/ledger_client.h"
#include "client/receipt.h"
#include "client/trusted_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/witness_policy.h"
#include "tests/client/client_test_util.h"
#include "tests/client/witnessing_ledger.h"

namespace memoria::client {
namespace {

using ::memoria::client::testing::MustClient;
using ::memoria::client::testing::MustReadKey;
using ::memoria::client::testing::MustStart;
using ::memoria::client::testing::RestartTestServerConfig;
using ::memoria::client::testing::Server;
using ::memoria::client::testing::ServerConfig;
using ::memoria::client::testing::TempDir;
using ::memoria::client::testing::TestServerConfig;
using ::memoria::client::testing::WitnessingLedger;
using ::testing::HasSubstr;
using ::testing::Not;

// Two of A, B, C.
constexpr char kTwoOfThree[] = "group g 2 A B C\nquorum g\n";

v1::SignedEntry Must(absl::StatusOr<v1::SignedEntry> entry) {
  EXPECT_TRUE(entry.ok()) << entry.status();
  return entry.ok() ? *std::move(entry) : v1::SignedEntry();
}

class WitnessClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    state_file_ = dir_.path() + "/client.state";
    server_ = MustStart(TestServerConfig(data_dir_));
    ASSERT_NE(server_, nullptr);
    proxy_ = std::make_unique<WitnessingLedger>(server_->port(),
                                                std::vector<std::string>{"A", "B", "C"});
    direct_ = MustClient(server_->port(), LogKey());
    writer_ = std::make_unique<EntrySigner>(Register(*direct_, "writer-a", data_dir_));
  }
  void TearDown() override { proxy_.reset(); }

  const Verifier& LogKey() const { return server_->log_verifier(); }

  WitnessPolicy Policy(const WitnessingLedger& proxy, const std::string& quorum = kTwoOfThree) {
    absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(proxy.PolicyText(quorum));
    EXPECT_TRUE(policy.ok()) << policy.status();
    return *std::move(policy);
  }

  // A client with the two-of-three policy through `proxy` (default proxy_).
  std::unique_ptr<LedgerClient> Witnessing(const std::string& state = "",
                                           WitnessingLedger* proxy = nullptr) {
    if (proxy == nullptr) proxy = proxy_.get();
    ClientOptions options;
    options.connection.target = proxy->target();
    options.log_key = LogKey();
    options.state_file = state;
    options.witness_policy = Policy(*proxy);
    options.retry.initial_backoff = absl::Milliseconds(10);
    absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  EntrySigner Register(LedgerClient& client, const std::string& name, const std::string& dir) {
    const Signer admin = MustReadKey(dir + "/keys/admin.key");
    Signer writer = server::testing::NewWriterKey(name);
    absl::StatusOr<v1::Receipt> receipt = client.Append(
        Must(EntrySigner(admin).RegisterWriter(writer.verifier().ToString(), "test writer")));
    EXPECT_TRUE(receipt.ok()) << receipt.status();
    return EntrySigner(std::move(writer));
  }

  std::vector<v1::Receipt> AppendSome(LedgerClient& client, const EntrySigner& writer, int count) {
    std::vector<v1::Receipt> receipts;
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<v1::Receipt> receipt =
          client.Append(Must(writer.Generic("post.published", {{"n", std::to_string(i)}})));
      EXPECT_TRUE(receipt.ok()) << receipt.status();
      if (receipt.ok()) receipts.push_back(*receipt);
    }
    return receipts;
  }

  std::string StateText() const {
    absl::StatusOr<std::string> text = ReadFile(state_file_);
    return text.ok() ? *text : "";
  }

  TempDir dir_;
  std::string data_dir_;
  std::string state_file_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<WitnessingLedger> proxy_;
  std::unique_ptr<LedgerClient> direct_;  // no policy, straight to the server
  std::unique_ptr<EntrySigner> writer_;
};

TEST_F(WitnessClientTest, UpdateTrustsACheckpointCosignedByTheQuorum) {
  AppendSome(*direct_, *writer_, 3);
  proxy_->SetCosigners({"A", "C"});
  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> trusted = client->Update();
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->checkpoint.size, server_->stats().tree_size);
  EXPECT_GE(proxy_->witnessed_calls(), 1);
  // The cosigned note is what is trusted and kept.
  EXPECT_THAT(trusted->note, HasSubstr("— witness-a.example "));
  EXPECT_THAT(trusted->note, HasSubstr("— witness-c.example "));
  EXPECT_EQ(StateText(), trusted->note);
  // Records are verified against it.
  absl::StatusOr<VerifiedRecord> record = client->GetRecord(2);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->tree_size, trusted->checkpoint.size);
}

TEST_F(WitnessClientTest, AnUnmetQuorumIsAVerificationFailureNamingTheMissingWitnesses) {
  proxy_->SetCosigners({"A"});
  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> update = client->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_EQ(update.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(update.status().message(),
              HasSubstr("is not cosigned by the witness policy's quorum"));
  EXPECT_THAT(update.status().message(), HasSubstr("have witnesses A"));
  EXPECT_THAT(update.status().message(), HasSubstr("group g needs 2 of {A, B, C}, has 1"));
  EXPECT_THAT(update.status().message(), HasSubstr("(missing: B, C)"));
  EXPECT_FALSE(client->Trusted().has_value());
  EXPECT_FALSE(std::filesystem::exists(state_file_));
  // Reads refuse too.
  EXPECT_TRUE(IsVerificationFailure(client->GetRecord(0).status()));
  // No cosignature at all.
  proxy_->SetCosigners({});
  update = client->Update();
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(), HasSubstr("have no witness cosignatures"));
  EXPECT_THAT(update.status().message(), HasSubstr("(missing: A, B, C)"));
  // Once B cosigns too, the same client accepts it.
  proxy_->SetCosigners({"A", "B"});
  EXPECT_TRUE(client->Update().ok());
}

TEST_F(WitnessClientTest, AFlippedCosignatureByteIsNotCounted) {
  proxy_->SetCosigners({"A", "B"});
  proxy_->SetCorrupted("B");
  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> update = client->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(), HasSubstr("has 1"));
  EXPECT_THAT(update.status().message(), HasSubstr("not counted: B"));
  EXPECT_THAT(update.status().message(), HasSubstr("(missing: B, C)"));
  EXPECT_FALSE(std::filesystem::exists(state_file_));
  // With C's valid cosignature the quorum is met despite B's bad line.
  proxy_->SetCosigners({"A", "B", "C"});
  EXPECT_TRUE(client->Update().ok());
}

TEST_F(WitnessClientTest, TrustAdvancesOnlyToWitnessedCheckpoints) {
  AppendSome(*direct_, *writer_, 2);
  const uint64_t witnessed_size = server_->stats().tree_size;
  proxy_->PinSize(witnessed_size);
  AppendSome(*direct_, *writer_, 3);
  const uint64_t latest_size = server_->stats().tree_size;
  ASSERT_GT(latest_size, witnessed_size);

  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> trusted = client->Update();
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->checkpoint.size, witnessed_size);
  EXPECT_EQ(client->Trusted()->checkpoint.size, witnessed_size);
  // Beyond the witnessed size: not witnessed yet, not a verification failure.
  absl::StatusOr<TrustedCheckpoint> beyond = client->CheckpointAt(latest_size);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange) << beyond.status();
  EXPECT_THAT(beyond.status().message(), HasSubstr("not witnessed yet"));
  EXPECT_FALSE(IsVerificationFailure(beyond.status()));
  absl::StatusOr<VerifiedRecord> record = client->GetRecord(latest_size - 1);
  EXPECT_THAT(record.status().message(), HasSubstr("not witnessed yet"));
  // Within it, the log's checkpoints are proven against the cosigned one.
  absl::StatusOr<TrustedCheckpoint> within = client->CheckpointAt(witnessed_size - 1);
  ASSERT_TRUE(within.ok()) << within.status();
  // The witnesses catch up: so does the trusted state.
  proxy_->PinSize(std::nullopt);
  trusted = client->Update();
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->checkpoint.size, latest_size);
  EXPECT_EQ(StateText(), trusted->note);
  EXPECT_TRUE(client->GetRecord(latest_size - 1).ok());
}

TEST_F(WitnessClientTest, ATrustedCheckpointKeptWithoutThePolicyMayBeAheadOfTheWitnesses) {
  AppendSome(*direct_, *writer_, 2);
  const uint64_t witnessed_size = server_->stats().tree_size;
  AppendSome(*direct_, *writer_, 2);
  // A run without the policy trusted the latest checkpoint, signed by the log only.
  ASSERT_TRUE(MustClient(server_->port(), LogKey(), state_file_)->Update().ok());
  const std::string kept = StateText();
  proxy_->PinSize(witnessed_size);
  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> witnessed = client->Update();
  ASSERT_TRUE(witnessed.ok()) << witnessed.status();  // a prefix, not a rollback
  EXPECT_EQ(witnessed->checkpoint.size, witnessed_size);
  EXPECT_EQ(StateText(), kept);  // not moved back
}

TEST_F(WitnessClientTest, AWitnessedCheckpointBehindAnotherHistoryIsRefused) {
  // A run without the policy trusted a checkpoint of another log under the
  // same key (a fork); the witnessed checkpoint of this one, smaller, is not
  // its prefix.
  const std::string fork_dir = dir_.path() + "/fork";
  ServerConfig fork_config = TestServerConfig(fork_dir);
  fork_config.log_key_file = data_dir_ + "/keys/log.key";
  std::unique_ptr<Server> fork = MustStart(fork_config);
  ASSERT_NE(fork, nullptr);
  std::unique_ptr<LedgerClient> fork_direct = MustClient(fork->port(), LogKey(), state_file_);
  EntrySigner fork_writer = Register(*fork_direct, "writer-f", fork_dir);
  AppendSome(*fork_direct, fork_writer, 3);
  ASSERT_TRUE(fork_direct->Update().ok());
  const std::string kept = StateText();
  AppendSome(*direct_, *writer_, 1);
  proxy_->PinSize(server_->stats().tree_size);
  AppendSome(*direct_, *writer_, 4);  // this log is longer than the fork's checkpoint
  ASSERT_LT(server_->stats().tree_size - 4, fork->stats().tree_size);
  absl::StatusOr<TrustedCheckpoint> update = Witnessing(state_file_)->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(), HasSubstr("is not a prefix of trusted checkpoint"));
  EXPECT_EQ(StateText(), kept);
}

TEST_F(WitnessClientTest, RollbackEvidenceStillComesFirst) {
  AppendSome(*direct_, *writer_, 2);
  direct_.reset();
  server_.reset();
  const std::string old_copy = dir_.path() + "/old";
  std::filesystem::copy(data_dir_, old_copy, std::filesystem::copy_options::recursive);
  server_ = MustStart(RestartTestServerConfig(data_dir_));
  ASSERT_NE(server_, nullptr);
  direct_ = MustClient(server_->port(), LogKey());
  AppendSome(*direct_, *writer_, 3);
  const uint64_t trusted_size = server_->stats().tree_size;
  WitnessingLedger proxy(server_->port(), *proxy_);
  ASSERT_TRUE(Witnessing(state_file_, &proxy)->Update().ok());
  const std::string trusted_note = StateText();

  // The older copy served again, its checkpoint cosigned by the same
  // (colluding, or fooled) witnesses.
  direct_.reset();
  server_.reset();
  server_ = MustStart(RestartTestServerConfig(old_copy));
  ASSERT_NE(server_, nullptr);
  ASSERT_LT(server_->stats().tree_size, trusted_size);
  WitnessingLedger old_proxy(server_->port(), *proxy_);
  absl::StatusOr<TrustedCheckpoint> update = Witnessing(state_file_, &old_proxy)->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(),
              HasSubstr(absl::StrCat("is smaller than trusted checkpoint ", trusted_size)));
  EXPECT_THAT(update.status().message(), HasSubstr("rolled back"));
  EXPECT_EQ(StateText(), trusted_note);
}

TEST_F(WitnessClientTest, ForkEvidenceStillComesFirst) {
  AppendSome(*direct_, *writer_, 3);
  std::unique_ptr<LedgerClient> client = Witnessing(state_file_);
  absl::StatusOr<TrustedCheckpoint> trusted = client->Update();
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  const std::string trusted_note = StateText();

  // A second log under the same key, longer, cosigned by the same witnesses
  // (who, here, do not check consistency).
  const std::string fork_dir = dir_.path() + "/fork";
  ServerConfig fork_config = TestServerConfig(fork_dir);
  fork_config.log_key_file = data_dir_ + "/keys/log.key";
  std::unique_ptr<Server> fork = MustStart(fork_config);
  ASSERT_NE(fork, nullptr);
  std::unique_ptr<LedgerClient> fork_direct = MustClient(fork->port(), LogKey());
  EntrySigner fork_writer = Register(*fork_direct, "writer-f", fork_dir);
  AppendSome(*fork_direct, fork_writer, 8);
  ASSERT_GT(fork->stats().tree_size, trusted->checkpoint.size);
  WitnessingLedger fork_proxy(fork->port(), *proxy_);
  absl::StatusOr<TrustedCheckpoint> update = Witnessing(state_file_, &fork_proxy)->Update();
  ASSERT_FALSE(update.ok());
  EXPECT_TRUE(IsVerificationFailure(update.status())) << update.status();
  EXPECT_THAT(update.status().message(),
              HasSubstr(absl::StrCat("is not consistent with trusted checkpoint ",
                                     trusted->checkpoint.size)));
  EXPECT_EQ(StateText(), trusted_note);
}

TEST_F(WitnessClientTest, ReceiptsNeedTheQuorumAndWitnessReceiptUpgradesThem) {
  std::unique_ptr<LedgerClient> client = Witnessing();
  const v1::SignedEntry entry = Must(writer_->Generic("post.published", {{"n", "x"}}));
  // Append checks its receipt under the log key alone.
  absl::StatusOr<v1::Receipt> receipt = client->Append(entry);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  // That receipt's checkpoint is signed by the log only: the policy refuses it.
  absl::StatusOr<Checkpoint> checked = client->VerifyReceipt(*receipt);
  EXPECT_TRUE(IsVerificationFailure(checked.status())) << checked.status();
  EXPECT_THAT(checked.status().message(), HasSubstr("have no witness cosignatures"));
  EXPECT_THAT(checked.status().message(), HasSubstr("missing: A, B, C"));

  AppendSome(*direct_, *writer_, 2);  // the witnessed checkpoint is larger than the receipt's
  absl::StatusOr<v1::Receipt> upgraded = client->WitnessReceipt(*receipt, absl::Seconds(5));
  ASSERT_TRUE(upgraded.ok()) << upgraded.status();
  EXPECT_EQ(upgraded->index(), receipt->index());
  EXPECT_EQ(upgraded->leaf_hash(), receipt->leaf_hash());
  EXPECT_EQ(upgraded->leaf(), receipt->leaf());
  EXPECT_EQ(upgraded->tree_size(), server_->stats().tree_size);
  EXPECT_GT(upgraded->tree_size(), receipt->tree_size());
  EXPECT_THAT(upgraded->checkpoint(), HasSubstr("— witness-b.example "));
  EXPECT_TRUE(client->VerifyReceipt(*upgraded).ok());
  EXPECT_TRUE(client->VerifyReceiptFor(*upgraded, entry).ok());
  // Offline, under the log key alone, it is a receipt like any other.
  EXPECT_TRUE(VerifyReceipt(*upgraded, LogKey()).ok());

  // A witnessed checkpoint smaller than the receipt's, but covering the
  // record: the consistency proof goes the other way.
  AppendSome(*direct_, *writer_, 1);
  const uint64_t pinned = receipt->tree_size();
  proxy_->PinSize(pinned);
  absl::StatusOr<v1::Receipt> latest_receipt = client->WitnessReceipt(*upgraded, absl::Seconds(5));
  ASSERT_TRUE(latest_receipt.ok()) << latest_receipt.status();
  EXPECT_EQ(latest_receipt->tree_size(), pinned);
  EXPECT_TRUE(client->VerifyReceiptFor(*latest_receipt, entry).ok());
}

TEST_F(WitnessClientTest, WitnessReceiptWaitsForTheWitnessesToCatchUp) {
  std::unique_ptr<LedgerClient> client = Witnessing();
  proxy_->PinSize(server_->stats().tree_size);  // the witnesses are behind
  absl::StatusOr<v1::Receipt> receipt =
      client->Append(Must(writer_->Generic("post.published", {{"n", "late"}})));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  std::thread catch_up([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    proxy_->PinSize(std::nullopt);
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Receipt> upgraded = client->WitnessReceipt(*receipt, absl::Seconds(10));
  const absl::Duration waited = absl::Now() - start;
  catch_up.join();
  ASSERT_TRUE(upgraded.ok()) << upgraded.status();
  EXPECT_GE(waited, absl::Milliseconds(350));
  EXPECT_GT(upgraded->tree_size(), receipt->index());
  EXPECT_GE(proxy_->witnessed_calls(), 3);  // polled
}

TEST_F(WitnessClientTest, WitnessReceiptTimesOutCleanlyWhenNothingIsCosigned) {
  std::unique_ptr<LedgerClient> client = Witnessing();
  absl::StatusOr<v1::Receipt> receipt =
      client->Append(Must(writer_->Generic("post.published", {{"n", "never"}})));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  proxy_->SetMode(WitnessingLedger::Mode::kNoneYet);
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Receipt> upgraded = client->WitnessReceipt(*receipt, absl::Milliseconds(600));
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(upgraded.status().code(), absl::StatusCode::kDeadlineExceeded) << upgraded.status();
  EXPECT_THAT(upgraded.status().message(),
              HasSubstr(absl::StrCat("record ", receipt->index(), " was not witnessed within")));
  EXPECT_THAT(upgraded.status().message(), HasSubstr("no witnessed checkpoint yet"));
  EXPECT_EQ(KindOf(upgraded.status()), ErrorKind::kServer);
  EXPECT_GE(waited, absl::Milliseconds(550));
  EXPECT_LT(waited, absl::Seconds(5));
  // The witnesses behind the record: the message says how far they are.
  proxy_->SetMode(WitnessingLedger::Mode::kCosigned);
  proxy_->PinSize(receipt->index());
  upgraded = client->WitnessReceipt(*receipt, absl::Milliseconds(300));
  EXPECT_EQ(upgraded.status().code(), absl::StatusCode::kDeadlineExceeded) << upgraded.status();
  EXPECT_THAT(upgraded.status().message(),
              HasSubstr(absl::StrCat("the latest witnessed checkpoint has ", receipt->index(),
                                     " records")));
  // A server without witnesses says so at once.
  proxy_->SetMode(WitnessingLedger::Mode::kNoWitnesses);
  const absl::Time again = absl::Now();
  upgraded = client->WitnessReceipt(*receipt, absl::Seconds(30));
  EXPECT_EQ(upgraded.status().code(), absl::StatusCode::kFailedPrecondition) << upgraded.status();
  EXPECT_LT(absl::Now() - again, absl::Seconds(5));
}

TEST_F(WitnessClientTest, WitnessReceiptRefusesAnUnmetQuorumAndAnotherHistory) {
  std::unique_ptr<LedgerClient> client = Witnessing();
  absl::StatusOr<v1::Receipt> receipt =
      client->Append(Must(writer_->Generic("post.published", {{"n", "q"}})));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  proxy_->SetCosigners({"C"});
  absl::StatusOr<v1::Receipt> upgraded = client->WitnessReceipt(*receipt, absl::Seconds(2));
  EXPECT_TRUE(IsVerificationFailure(upgraded.status())) << upgraded.status();
  EXPECT_THAT(upgraded.status().message(), HasSubstr("missing: A, B"));

  // A receipt whose checkpoint is of another log under the same key: the
  // witnessed checkpoint of this one (larger: proven by a consistency proof)
  // is not consistent with it.
  AppendSome(*direct_, *writer_, 2);
  const std::string fork_dir = dir_.path() + "/fork";
  ServerConfig fork_config = TestServerConfig(fork_dir);
  fork_config.log_key_file = data_dir_ + "/keys/log.key";
  std::unique_ptr<Server> fork = MustStart(fork_config);
  ASSERT_NE(fork, nullptr);
  std::unique_ptr<LedgerClient> fork_direct = MustClient(fork->port(), LogKey());
  EntrySigner fork_writer = Register(*fork_direct, "writer-f", fork_dir);
  std::vector<v1::Receipt> forked = AppendSome(*fork_direct, fork_writer, 1);
  ASSERT_EQ(forked.size(), 1u);
  proxy_->SetCosigners({"A", "B"});
  upgraded = client->WitnessReceipt(forked[0], absl::Seconds(2));
  EXPECT_TRUE(IsVerificationFailure(upgraded.status())) << upgraded.status();
  EXPECT_THAT(upgraded.status().message(),
              HasSubstr("is not consistent with the receipt's checkpoint"));
}

}  // namespace
}  // namespace memoria::client
