// Shared by the client tests: an in-process memoria-server on 127.0.0.1 port
// 0 (tests/server/server_test_util.h does the rest) and clients pointed at it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "client/ledger_client.h"
#include "gtest/gtest.h"
#include "ledger/keys.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::client::testing {

using ::memoria::server::Server;
using ::memoria::server::ServerConfig;
using ::memoria::server::testing::MustStart;
using ::memoria::server::testing::RestartTestServerConfig;
using ::memoria::server::testing::TempDir;
using ::memoria::server::testing::TestServerConfig;

inline Signer MustReadKey(const std::string& path) {
  absl::StatusOr<Signer> key = ReadSignerKeyFile(path);
  EXPECT_TRUE(key.ok()) << key.status();
  if (!key.ok()) abort();
  return *std::move(key);
}

inline std::unique_ptr<LedgerClient> MustClient(int port, std::optional<Verifier> log_key,
                                                const std::string& state_file = "") {
  ClientOptions options;
  options.connection.target = "127.0.0.1:" + std::to_string(port);
  options.log_key = std::move(log_key);
  options.state_file = state_file;
  options.timeout = absl::Seconds(10);
  options.retry.initial_backoff = absl::Milliseconds(10);
  absl::StatusOr<std::unique_ptr<LedgerClient>> client = LedgerClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) abort();
  return *std::move(client);
}

}  // namespace memoria::client::testing
