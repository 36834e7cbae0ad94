// memoria-witness, the real binary on loopback: every status of
// add-checkpoint over HTTP (cpp-httplib's client), the monitoring and evidence
// reads, and the state kept across a kill -9 and a restart.
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "ledger/keys.h"
#include "ledger/verify/cosignature.h"
#include "tests/support/temp_dir.h"
#include "tests/support/witness_process.h"
#include "tests/witness/test_log.h"
#include "ledger/add_checkpoint_request.h"
#include "witness/witness_store.h"

namespace memoria::witness {
namespace {

using memoria::testing::WitnessProcess;
using testing::TestLog;


class WitnessServerTest : public ::testing::Test {
 protected:
  void SetUp() override { log_.Grow(100); }

  std::vector<std::string> LogArgs() const { return {"--log", log_.origin() + " " + log_.Vkey()}; }

  static httplib::Result Post(const WitnessProcess& witness, const std::string& body) {
    httplib::Client client("127.0.0.1", witness.port());
    return client.Post("/add-checkpoint", body, "text/plain");
  }
  std::string Request(uint64_t old_size, uint64_t size) const {
    return FormatAddCheckpointRequest(
        {old_size, old_size == 0 ? std::vector<Hash>{} : log_.Proof(old_size, size),
         log_.SignedCheckpoint(size)});
  }

  memoria::testing::TempDir dir_;
  TestLog log_{"example.com/log"};
};

TEST_F(WitnessServerTest, EveryStatusOverHttpAndStateKeptAcrossKill9) {
  const std::string data = dir_.File("data");
  WitnessProcess witness(data, LogArgs(), dir_.path());
  ASSERT_NE(witness.port(), 0) << witness.error();
  EXPECT_NE(witness.output().find("generated witness key"), std::string::npos);
  absl::StatusOr<Verifier> vkey = Verifier::Parse(witness.vkey());
  ASSERT_TRUE(vkey.ok()) << witness.vkey();
  EXPECT_EQ(vkey->type(), SignatureType::kCosignatureV1);
  struct stat key_stat;
  ASSERT_EQ(stat((data + "/witness.key").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  // 200: the cosignature lines, which verify under the printed vkey.
  httplib::Result r = Post(witness, Request(0, 10));
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(VerifyCosignature(log_.SignedCheckpoint(10) + r->body, *vkey).ok());
  r = Post(witness, Request(10, 60));
  ASSERT_EQ(r->status, 200) << r->body;

  // 409 with the stored size, as text/x.tlog.size.
  r = Post(witness, Request(0, 70));
  ASSERT_EQ(r->status, 409);
  EXPECT_EQ(r->body, "60\n");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/x.tlog.size");
  // 400: malformed; and old size above the checkpoint's.
  EXPECT_EQ(Post(witness, "old x\n\n")->status, 400);
  EXPECT_EQ(Post(witness, FormatAddCheckpointRequest({60, {}, log_.SignedCheckpoint(50)}))->status,
            400);
  // 404: unknown origin.
  TestLog other("other.example/log");
  other.Grow(3);
  EXPECT_EQ(Post(witness, FormatAddCheckpointRequest({0, {}, other.SignedCheckpoint(3)}))->status,
            404);
  // 403: the origin's name, another key.
  TestLog impostor("example.com/log");
  impostor.Grow(3);
  EXPECT_EQ(Post(witness, FormatAddCheckpointRequest({0, {}, impostor.SignedCheckpoint(3)}))->status,
            403);
  // 422: a fork of the log (same key, another history), with its own proof.
  TestLog fork(log_, "forked-");
  fork.Grow(80);
  EXPECT_EQ(Post(witness, FormatAddCheckpointRequest(
                              {60, fork.Proof(60, 80), fork.SignedCheckpoint(80)}))->status,
            422);
  // A request method other than POST is not add-checkpoint.
  httplib::Client client("127.0.0.1", witness.port());
  EXPECT_NE(client.Get("/add-checkpoint")->status, 200);

  // The monitoring read and the evidence.
  r = client.Get("/" + OriginHash(log_.origin()) + "/checkpoint");
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(VerifyCosignature(r->body, *vkey).ok());
  EXPECT_EQ(client.Get("/" + OriginHash("other.example/log") + "/checkpoint")->status, 404);
  r = client.Get("/evidence");
  ASSERT_EQ(r->status, 200);
  const std::string name = r->body.substr(0, r->body.find('\n'));
  ASSERT_FALSE(name.empty());
  r = client.Get("/evidence/" + name);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find(fork.SignedCheckpoint(80)), std::string::npos);

  // kill -9, restart: the same key, the state kept.
  witness.Kill();
  WitnessProcess restarted(data, LogArgs(), dir_.path());
  ASSERT_NE(restarted.port(), 0);
  EXPECT_EQ(restarted.vkey(), vkey->ToString());
  EXPECT_EQ(restarted.output().find("generated"), std::string::npos);
  r = Post(restarted, Request(0, 70));
  ASSERT_EQ(r->status, 409);
  EXPECT_EQ(r->body, "60\n");
  r = Post(restarted, Request(60, 70));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(VerifyCosignature(log_.SignedCheckpoint(70) + r->body, *vkey).ok());
  EXPECT_EQ(restarted.Stop(), 0);

  // The key keeps its name: another --name is refused.
  WitnessProcess renamed(data, LogArgs(), dir_.path(), "witness.example/other");
  EXPECT_EQ(renamed.port(), 0);
  EXPECT_EQ(renamed.exit_code(), 1);
  EXPECT_NE(renamed.error().find("is named witness.example/w1"), std::string::npos)
      << renamed.error();
}

TEST_F(WitnessServerTest, RefusesToStartWithoutLogs) {
  WitnessProcess witness(dir_.File("data"), {}, dir_.path());
  EXPECT_EQ(witness.port(), 0);
  EXPECT_EQ(witness.exit_code(), 1);
  EXPECT_NE(witness.error().find("no log configured"), std::string::npos) << witness.error();
}

}  // namespace
}  // namespace memoria::witness
