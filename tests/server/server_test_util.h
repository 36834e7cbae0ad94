// Helpers shared by the server tests (and, through client_test_util.h, the
// client tests): the one way a test starts an in-process server
// (TestServerConfig, MustStart), temporary directories, writer keys that
// sign entries, receipt verification as a client would do it. Entries are
// signed as a writer signs them: client::SignEntry (client/entry_signer.h).
#pragma once

#include "tests/support/temp_dir.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/policy_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"

namespace memoria::server::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
using TempDir = ::memoria::testing::TempDir;

// The configuration of an in-process test server that creates a new log
// (--init) under `data_dir`, which must be absent or empty: loopback, `port`
// (0: any free one), a short shutdown grace, warnings only.
inline ServerConfig TestServerConfig(const std::string& data_dir, int port = 0) {
  ServerConfig config;
  config.data_dir = data_dir;
  config.listen = "127.0.0.1:" + std::to_string(port);
  config.shutdown_grace = absl::Seconds(2);
  config.log_level = "warn";
  config.init = true;
  return config;
}

// The same for a restart: the log already under `data_dir`, without --init.
inline ServerConfig RestartTestServerConfig(const std::string& data_dir, int port = 0) {
  ServerConfig config = TestServerConfig(data_dir, port);
  config.init = false;
  return config;
}

// Starts a server on `config`; a test failure, and null, if it cannot.
inline std::unique_ptr<Server> MustStart(const ServerConfig& config) {
  spdlog::set_level(spdlog::level::warn);
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// A generic event by `key` (Entry.writer = key.name()).
v1::SignedEntry GenericEntry(const Signer& key, const std::string& request_id,
                             const std::string& type = "post.published",
                             const std::map<std::string, std::string>& attributes = {});
// WriterRegistered / WriterRevoked of `writer`, signed by `admin`.
v1::SignedEntry RegisterWriterEntry(const Signer& admin, const Verifier& writer,
                                    const std::string& request_id);
v1::SignedEntry RevokeWriterEntry(const Signer& admin, const Verifier& writer,
                                  const std::string& request_id);

// A new writer key called `name`.
Signer NewWriterKey(const std::string& name);

// Checks a receipt offline: its checkpoint opens under `log_key`, its size is
// the receipt's tree size, and the inclusion proof leads to the root. Returns
// the checkpoint.
absl::StatusOr<Checkpoint> VerifyReceipt(const v1::Receipt& receipt, const Verifier& log_key);

// Checks that the checkpoint `older` is consistent with `newer`, with a proof
// from the server.
absl::Status VerifyConsistent(v1::Ledger::Stub& stub, const Checkpoint& older,
                              const Checkpoint& newer);

// A plaintext channel to 127.0.0.1:port (messages up to 64 MiB).
std::shared_ptr<grpc::Channel> NewLocalChannel(int port);
// Stubs of the three services over a NewLocalChannel.
std::unique_ptr<v1::Ledger::Stub> NewLocalStub(int port);
std::unique_ptr<v1::Policy::Stub> NewLocalPolicyStub(int port);
std::unique_ptr<v1::Transparency::Stub> NewLocalTransparencyStub(int port);

std::string StatusText(const grpc::Status& status);

}  // namespace memoria::server::testing
