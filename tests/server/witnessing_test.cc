// memoria-server with witnesses (server/witnessing.h), end to end on loopback:
// real memoria-witness processes, an in-process server configured with a
// C2SP tlog-policy, and clients checking what it serves with the policy.
// Three witnesses and a quorum of two unless a test says otherwise.
#include <httplib.h>

#include <grpcpp/impl/codegen/client_unary_call.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "ledger/verify/cosignature.h"
#include "ledger/verify/witness_policy.h"
#include "ledger/verify/witness_quorum.h"
#include "server/server.h"
#include "tests/ledger/tile_reader.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/run_binary.h"
#include "tests/support/witness_process.h"

namespace memoria::server {
namespace {

using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WitnessProcess;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrigin[] = "pasto.example/ledger";

class WitnessingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Signer> key = Signer::Generate(kOrigin);
    ASSERT_TRUE(key.ok());
    log_key_ = std::make_unique<Signer>(*std::move(key));
    ASSERT_TRUE(WriteSignerKeyFile(dir_.File("log.key"), *log_key_).ok());
    for (int i = 1; i <= 3; ++i) StartWitness(absl::StrCat("w", i));
  }

  void StartWitness(const std::string& name) {
    witnesses_.push_back(std::make_unique<WitnessProcess>(
        dir_.File(name), std::vector<std::string>{"--log", absl::StrCat(kOrigin, " ", LogVkey())},
        dir_.path(), name + ".example"));
    ASSERT_NE(witnesses_.back()->port(), 0) << witnesses_.back()->error();
    names_.push_back(name);
  }

  std::string LogVkey() const { return log_key_->verifier().ToString(); }

  // The policy: every witness started, and `quorum_lines` ("group g 2 w1 w2
  // w3\nquorum g"). Written to a file for the server.
  std::string Policy(const std::string& quorum_lines = "group g 2 w1 w2 w3\nquorum g\n") const {
    std::string text = absl::StrCat("log ", LogVkey(), "\n");
    for (size_t i = 0; i < witnesses_.size(); ++i) {
      absl::StrAppend(&text, "witness ", names_[i], " ", witnesses_[i]->vkey(), " ",
                      witnesses_[i]->url(), "\n");
    }
    return text + quorum_lines;
  }

  ServerConfig Config(const std::string& data_dir, bool init, const std::string& policy) {
    ServerConfig config = init ? server::testing::TestServerConfig(data_dir)
                               : server::testing::RestartTestServerConfig(data_dir);
    config.log_key_file = dir_.File("log.key");
    config.origin = kOrigin;
    if (!policy.empty()) {
      const std::string path = dir_.File("policy-" + std::to_string(++policies_));
      WriteFileBytes(path, policy);
      config.witness_policy_file = path;
    }
    config.witness_interval = absl::Milliseconds(200);
    config.witness_timeout = absl::Seconds(2);
    if (!http_listen_.empty()) config.http_listen = http_listen_;
    if (!tiles_dir_.empty()) {
      config.tiles_dir = tiles_dir_;
      config.tiles_interval = absl::Milliseconds(100);
    }
    return config;
  }

  // Starts the server of `data_dir`; registers a writer the first time.
  void StartServer(const std::string& data_dir, bool init, const std::string& policy) {
    server_ = server::testing::MustStart(Config(data_dir, init, policy));
    ASSERT_NE(server_, nullptr);
    stub_ = NewLocalStub(server_->port());
    if (init) {
      absl::StatusOr<Signer> admin = ReadSignerKeyFile(data_dir + "/keys/admin.key");
      ASSERT_TRUE(admin.ok()) << admin.status();
      writer_ = std::make_unique<Signer>(NewWriterKey("svc"));
      Append(RegisterWriterEntry(*admin, writer_->verifier(), "register-svc-" + data_dir));
    }
  }

  void StopServer() {
    stub_.reset();
    server_.reset();
  }

  void Append(const v1::SignedEntry& entry) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    const grpc::Status status = stub_->Append(&context, request, &receipt);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }

  void AppendEvents(int n) {
    for (int i = 0; i < n; ++i) Append(GenericEntry(*writer_, absl::StrCat("event-", ++events_)));
  }

  grpc::Status GetWitnessed(v1::CheckpointResponse* response) {
    grpc::ClientContext context;
    v1::GetCheckpointRequest request;
    request.set_witnessed(true);
    return stub_->GetCheckpoint(&context, request, response);
  }

  // The number of signature lines of a note (the log's and the witnesses').
  static int SignatureLines(const std::string& note) {
    int lines = 0;
    for (size_t at = note.find("\n\u2014 "); at != std::string::npos;
         at = note.find("\n\u2014 ", at + 1)) {
      ++lines;
    }
    return lines;
  }

  // The witnessed checkpoint once it covers `size` records with at least
  // `cosignatures` witnesses' lines (a test failure and the last one seen
  // after `wait`).
  v1::CheckpointResponse WaitWitnessed(uint64_t size, absl::Duration wait = absl::Seconds(10),
                                       int cosignatures = 2) {
    const absl::Time deadline = absl::Now() + wait;
    v1::CheckpointResponse response;
    while (absl::Now() < deadline) {
      if (GetWitnessed(&response).ok() && response.tree_size() >= size &&
          SignatureLines(response.note()) >= 1 + cosignatures) {
        return response;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no witnessed checkpoint of " << size << " records within " << wait
                  << "; last: " << response.tree_size();
    return response;
  }

  absl::StatusOr<QuorumEvaluation> Evaluate(const std::string& note) const {
    absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(Policy());
    if (!policy.ok()) return policy.status();
    return EvaluateQuorum(note, *policy);
  }

  TempDir dir_;
  std::unique_ptr<Signer> log_key_;
  std::vector<std::unique_ptr<WitnessProcess>> witnesses_;
  std::vector<std::string> names_;
  int policies_ = 0;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> writer_;
  int events_ = 0;
  std::string tiles_dir_;  // --tiles-dir, if set
  std::string http_listen_;  // --http-listen, if set
};

// grpc.health.v1.Health/Check of `service` on `port`: 1 SERVING, 2
// NOT_SERVING, -1 if the call failed.
int HealthOf(int port, const std::string& service) {
  std::shared_ptr<grpc::Channel> channel = server::testing::NewLocalChannel(port);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const std::string request =
      service.empty() ? "" : absl::StrCat(std::string(1, '\x0a'),
                                          std::string(1, static_cast<char>(service.size())), service);
  grpc::Slice slice(request);
  grpc::ByteBuffer raw_request(&slice, 1);
  grpc::ByteBuffer raw_response;
  grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                   grpc::internal::RpcMethod::NORMAL_RPC);
  const grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(), method, &context, raw_request, &raw_response);
  std::vector<grpc::Slice> slices;
  if (!status.ok() || !raw_response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& piece : slices) bytes.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : -1;
}

// GET /readyz of the server's HTTP listener: the status and the body.
std::pair<int, std::string> Readyz(int http_port) {
  httplib::Client client("127.0.0.1", http_port);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get("/readyz");
  if (!result) return {0, httplib::to_string(result.error())};
  return {result->status, result->body};
}

TEST_F(WitnessingTest, CheckpointsAreCosignedByEveryWitnessAndMeetTheClientsPolicy) {
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  AppendEvents(5);
  const uint64_t size = server_->log().Size();
  const v1::CheckpointResponse witnessed = WaitWitnessed(size, absl::Seconds(10), 3);
  ASSERT_EQ(witnessed.tree_size(), size);

  // A client with the policy: the log's signature and the quorum.
  absl::StatusOr<QuorumEvaluation> evaluation = Evaluate(witnessed.note());
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_TRUE(evaluation->quorum_met) << evaluation->shortfall;
  EXPECT_EQ(evaluation->checkpoint.size, size);
  EXPECT_EQ(evaluation->log, kOrigin);
  // All three cosigned it (the quorum needs two; the third line is added
  // when it comes).
  for (const std::unique_ptr<WitnessProcess>& witness : witnesses_) {
    absl::StatusOr<Verifier> key = Verifier::Parse(witness->vkey());
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(VerifyCosignature(witnessed.note(), *key).ok()) << witness->vkey();
  }
  // Opened under the log key alone it is the same checkpoint, and it is the
  // one stored in the data directory.
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(witnessed.note(), log_key_->verifier());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(std::string(AsBytes(checkpoint->root)), witnessed.root_hash());
  EXPECT_EQ(ReadFileBytes(dir_.File("data/witnessed-checkpoint")), witnessed.note());
}

// With witnesses, the tiles publish the checkpoint cosigned by the quorum
// (every line received), never one the witnesses have not cosigned.
TEST_F(WitnessingTest, TheTilesPublishTheCosignedCheckpoint) {
  tiles_dir_ = dir_.File("tiles");
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  AppendEvents(5);
  const uint64_t size = server_->log().Size();
  WaitWitnessed(size, absl::Seconds(10), 3);
  std::string published;
  std::optional<CosignedCheckpoint> cosigned;
  for (int i = 0; i < 1000; ++i) {
    cosigned = server_->witnessing()->LatestCosigned();
    published = ReadFileBytes(tiles_dir_ + "/checkpoint");
    if (cosigned.has_value() && cosigned->size == size && published == cosigned->note) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(cosigned.has_value());
  EXPECT_EQ(published, cosigned->note);
  EXPECT_EQ(SignatureLines(published), 4);
  EXPECT_TRUE(Evaluate(published)->quorum_met);
  absl::StatusOr<memoria::testing::TiledLog> read = memoria::testing::ReadTiledLog(
      memoria::testing::DirectoryFetch(tiles_dir_), log_key_->verifier());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->checkpoint.size, size);
  EXPECT_EQ(read->entries.size(), size);
}

TEST_F(WitnessingTest, WithOneWitnessDownTheOtherTwoMeetTheQuorum) {
  witnesses_[1]->Kill();
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  AppendEvents(3);
  const v1::CheckpointResponse witnessed = WaitWitnessed(server_->log().Size());
  absl::StatusOr<QuorumEvaluation> evaluation = Evaluate(witnessed.note());
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_TRUE(evaluation->quorum_met);
  EXPECT_EQ(evaluation->witnessed, (std::vector<std::string>{"w1", "w3"}));
}

// Readiness follows the quorum of reachable witnesses: /readyz, and gRPC
// health for the Ledger service (Policy does not need witnesses).
TEST_F(WitnessingTest, ReadyzAndHealthFailWhenTheReachableWitnessesMissTheQuorum) {
  http_listen_ = "127.0.0.1:0";
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  ASSERT_NE(server_->http_port(), 0);
  AppendEvents(2);
  WaitWitnessed(server_->log().Size(), absl::Seconds(20), 3);
  EXPECT_EQ(Readyz(server_->http_port()).first, 200) << Readyz(server_->http_port()).second;
  EXPECT_EQ(HealthOf(server_->port(), "memoria.v1.Ledger"), 1);

  // One of three down: the other two still meet the quorum of two.
  witnesses_[1]->Kill();
  AppendEvents(2);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Readyz(server_->http_port()).first, 200) << Readyz(server_->http_port()).second;

  // Two of three down: not ready, naming the witnesses; the next round finds out.
  witnesses_[2]->Kill();
  AppendEvents(1);
  std::pair<int, std::string> readyz;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    readyz = Readyz(server_->http_port());
    if (readyz.first == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(readyz.first, 503) << readyz.second;
  EXPECT_THAT(readyz.second, HasSubstr("\"not_ready\":[\"witnesses\"]"));
  EXPECT_THAT(readyz.second, HasSubstr("w2 ("));
  EXPECT_THAT(readyz.second, HasSubstr("w3 ("));
  // gRPC health follows within its 250 ms tick.
  int ledger = 0;
  for (int i = 0; i < 100 && (ledger = HealthOf(server_->port(), "memoria.v1.Ledger")) != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ledger, 2);  // NOT_SERVING
  EXPECT_EQ(HealthOf(server_->port(), ""), 2);
  EXPECT_EQ(HealthOf(server_->port(), "memoria.v1.Policy"), 1);
  EXPECT_EQ(HealthOf(server_->port(), "memoria.v1.Transparency"), 1);
  const std::string metrics = server_->ScrapeMetrics();
  EXPECT_THAT(metrics, HasSubstr("\nmemoria_witness_up{witness=\"w1\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("\nmemoria_witness_up{witness=\"w3\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("\nmemoria_ready{check=\"witnesses\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("\nmemoria_witness_lag_records 1\n"));
}

TEST_F(WitnessingTest, WithTwoWitnessesDownNothingNewIsCosigned) {
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  const uint64_t before = WaitWitnessed(server_->log().Size()).tree_size();
  witnesses_[1]->Kill();
  witnesses_[2]->Kill();
  AppendEvents(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  v1::CheckpointResponse witnessed;
  ASSERT_TRUE(GetWitnessed(&witnessed).ok());
  EXPECT_EQ(witnessed.tree_size(), before);
  EXPECT_LT(witnessed.tree_size(), server_->log().Size());
  // w1 cosigned the latest checkpoint; w2 and w3 failed, and say why.
  ASSERT_NE(server_->witnessing(), nullptr);
  const std::vector<WitnessStatus> status = server_->witnessing()->Status();
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].cosigned_size, server_->log().Size());
  EXPECT_TRUE(status[0].last_error.empty()) << status[0].last_error;
  for (size_t i : {1, 2}) {
    EXPECT_GT(status[i].failures, 0u) << status[i].name;
    EXPECT_THAT(status[i].last_error, HasSubstr(witnesses_[i]->url())) << status[i].name;
  }
}

TEST_F(WitnessingTest, AnIdleLogIsWitnessedAtOnceWhateverTheInterval) {
  ServerConfig config = Config(dir_.File("data"), /*init=*/true, Policy());
  config.witness_interval = absl::Minutes(10);
  server_ = server::testing::MustStart(config);
  ASSERT_NE(server_, nullptr);
  stub_ = NewLocalStub(server_->port());
  absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir_.File("data/keys/admin.key"));
  ASSERT_TRUE(admin.ok());
  writer_ = std::make_unique<Signer>(NewWriterKey("svc"));
  const absl::Time start = absl::Now();
  Append(RegisterWriterEntry(*admin, writer_->verifier(), "register"));
  AppendEvents(1);
  WaitWitnessed(server_->log().Size(), absl::Seconds(3));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(WitnessingTest, TheWitnessedCheckpointIsServedAfterARestartWithEveryWitnessDown) {
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  AppendEvents(2);
  const uint64_t size = WaitWitnessed(server_->log().Size()).tree_size();
  StopServer();
  const std::string stored = ReadFileBytes(dir_.File("data/witnessed-checkpoint"));
  for (std::unique_ptr<WitnessProcess>& witness : witnesses_) witness->Kill();
  StartServer(dir_.File("data"), /*init=*/false, Policy());
  v1::CheckpointResponse after;
  ASSERT_TRUE(GetWitnessed(&after).ok());
  EXPECT_EQ(after.tree_size(), size);
  EXPECT_EQ(after.note(), stored);
}

TEST_F(WitnessingTest, AServerWithoutWitnessesSaysSo) {
  StartServer(dir_.File("data"), /*init=*/true, "");
  v1::CheckpointResponse response;
  const grpc::Status status = GetWitnessed(&response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--witness-policy"));
}

TEST_F(WitnessingTest, ARestoredOldCopyIsRefusedAtStartNamingTheWitnessAndBothSizes) {
  const std::string data = dir_.File("data");
  StartServer(data, /*init=*/true, Policy());
  AppendEvents(2);
  WaitWitnessed(server_->log().Size());
  StopServer();
  std::filesystem::copy(data, dir_.File("old-copy"), std::filesystem::copy_options::recursive);
  const uint64_t old_size = [&] {
    StartServer(data, /*init=*/false, Policy());
    return server_->log().Size();
  }();
  AppendEvents(3);
  const uint64_t new_size = WaitWitnessed(server_->log().Size()).tree_size();
  StopServer();
  // The operator puts the old copy back.
  std::filesystem::remove_all(data);
  std::filesystem::rename(dir_.File("old-copy"), data);
  absl::StatusOr<std::unique_ptr<Server>> restored =
      Server::Start(Config(data, /*init=*/false, Policy()));
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(restored.status().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat("witness w1 holds a checkpoint of ", new_size,
                                              " records cosigned for this log, which has only ",
                                              old_size)));
  EXPECT_THAT(message, HasSubstr("old copy was put back"));
}

TEST_F(WitnessingTest, AForkedStoreIsRefusedByTheWitnessesAndByClientsWithThePolicy) {
  // Store A: the published history, witnessed.
  StartServer(dir_.File("a"), /*init=*/true, Policy());
  AppendEvents(2);
  const uint64_t published = WaitWitnessed(server_->log().Size()).tree_size();
  StopServer();
  // Store B: the same log key, another history, longer, kept from the witnesses.
  StartServer(dir_.File("b"), /*init=*/true, "");
  AppendEvents(6);
  ASSERT_GT(server_->log().Size(), published);
  const std::string forked_note = server_->log().Head().note;
  StopServer();

  // Clients with the policy refuse B's checkpoint: no witness cosigned it.
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(Policy());
  ASSERT_TRUE(policy.ok());
  absl::StatusOr<Checkpoint> refused = VerifyCheckpointUnderPolicy(forked_note, *policy);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("group g needs 2"));

  // B shown to the witnesses: each finds it inconsistent with A's checkpoint.
  absl::StatusOr<std::unique_ptr<Server>> forked =
      Server::Start(Config(dir_.File("b"), /*init=*/false, Policy()));
  ASSERT_FALSE(forked.ok());
  EXPECT_EQ(forked.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(forked.status().message(), HasSubstr("witness w2 answered 422"));
  EXPECT_THAT(forked.status().message(), HasSubstr("forked"));
  // And each keeps the evidence (the refused request, signed by the log).
  for (const std::unique_ptr<WitnessProcess>& witness : witnesses_) {
    httplib::Client client("127.0.0.1", witness->port());
    httplib::Result list = client.Get("/evidence");
    ASSERT_TRUE(list) << witness->url();
    ASSERT_EQ(list->status, 200);
    EXPECT_THAT(list->body, Not(::testing::IsEmpty()));
  }
}

TEST_F(WitnessingTest, ADamagedWitnessedCheckpointFileIsRefusedAtStart) {
  const std::string data = dir_.File("data");
  StartServer(data, /*init=*/true, Policy());
  WaitWitnessed(server_->log().Size());
  StopServer();
  std::string note = ReadFileBytes(data + "/witnessed-checkpoint");
  note[note.find('\n') + 1] ^= 1;  // the size line
  WriteFileBytes(data + "/witnessed-checkpoint", note);
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(Config(data, /*init=*/false, Policy()));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(server.status().message(), HasSubstr("witnessed-checkpoint"));
}

TEST_F(WitnessingTest, APolicyWithoutThisLogOrAWitnessWithoutURLIsRefused) {
  const std::string other_log =
      Signer::Generate("other.example/log")->verifier().ToString();
  std::string policy = Policy();
  policy.replace(0, policy.find('\n'), "log " + other_log);
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(Config(dir_.File("data"), /*init=*/true, policy));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("not this log's key"));

  const std::string no_url = absl::StrCat("witness w1 ", witnesses_[0]->vkey(), "\nquorum w1\n");
  server = Server::Start(Config(dir_.File("data2"), /*init=*/true, no_url));
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("witness w1 has no URL"));
}

// The clients, as the real binaries, against the real server and witnesses:
// the cosigned checkpoint and an upgraded receipt verify under the policy
// (online and offline); a policy needing every witness while one is down is
// refused, naming it.
TEST_F(WitnessingTest, TheClientsVerifyTheServersCosignedCheckpointsAndReceipts) {
  StartServer(dir_.File("data"), /*init=*/true, Policy());
  AppendEvents(3);
  const std::string policy = dir_.File("client-policy");
  WriteFileBytes(policy, Policy());
  const std::string server = absl::StrCat("127.0.0.1:", server_->port());
  const std::string memoria = std::string(MEMORIA_BINARY_DIR) + "/client/cli/memoria";
  const std::string audit = std::string(MEMORIA_BINARY_DIR) + "/tools/audit/memoria-audit";
  auto run = [&](const std::string& binary, std::vector<std::string> args) {
    return ::memoria::testing::RunBinary(binary, args, dir_.path());
  };
  const uint64_t last = server_->log().Size() - 1;

  auto checkpoint = run(memoria, {"--server", server, "--log-key", LogVkey(), "--witness-policy",
                                  policy, "checkpoint", "--witnessed"});
  EXPECT_EQ(checkpoint.exit_code, 0) << checkpoint.out << checkpoint.err;
  EXPECT_THAT(checkpoint.out, HasSubstr("\u2014 w1.example "));

  auto receipt = run(memoria, {"--server", server, "--log-key", LogVkey(), "--witness-policy",
                               policy, "receipt", "show", "--witnessed", "--index",
                               std::to_string(last), "--wait", "10"});
  ASSERT_EQ(receipt.exit_code, 0) << receipt.err;
  const std::string receipt_file = dir_.File("receipt.proof");
  WriteFileBytes(receipt_file, receipt.out);
  auto offline = run(audit, {"receipt", "--log-key", LogVkey(), "--file", receipt_file,
                             "--witness-policy", policy});
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_THAT(offline.out, HasSubstr("receipt valid"));

  auto verified = run(audit, {"verify", "--server", server, "--log-key", LogVkey(),
                              "--witness-policy", policy, "--no-progress"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // A stricter client: every witness. With w2 down, what the server gets
  // cosigned from now on does not satisfy it.
  witnesses_[1]->Kill();
  AppendEvents(1);
  WaitWitnessed(server_->log().Size());
  std::string strict_text = Policy();
  strict_text.replace(strict_text.find("group g 2"), 9, "group g all");
  const std::string strict = dir_.File("strict-policy");
  WriteFileBytes(strict, strict_text);
  auto refused = run(memoria, {"--server", server, "--log-key", LogVkey(), "--witness-policy",
                               strict, "checkpoint", "--witnessed"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("w2"));
}

}  // namespace
}  // namespace memoria::server
