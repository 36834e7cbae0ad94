// Offline parts of the client: the trusted-state file, error kinds. (The
// tlog-proof text: tests/ledger/verify/receipt_test.cc.)
#include <sys/stat.h>

#include <filesystem>

#include "client/errors.h"
#include "client/grpc_status.h"
#include "client/receipt.h"
#include "client/trusted_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint.h"
#include "tests/server/server_test_util.h"

namespace memoria::client {
namespace {

using ::memoria::server::testing::TempDir;
using ::testing::HasSubstr;

TEST(TrustedStateTest, MissingFileTrustsNothingAndAdvanceWritesTheNote) {
  TempDir dir;
  absl::StatusOr<Signer> log_key = Signer::Generate("example.org/log");
  ASSERT_TRUE(log_key.ok());
  const std::string path = dir.path() + "/state";
  absl::StatusOr<TrustedState> state = TrustedState::Load(path, log_key->verifier());
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->current().has_value());

  Checkpoint checkpoint{.origin = "example.org/log", .size = 5, .root = Sha256("root")};
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, *log_key);
  ASSERT_TRUE(note.ok());
  ASSERT_TRUE(state->Advance({checkpoint, *note}).ok());
  EXPECT_EQ(*ReadFile(path), *note);
  absl::StatusOr<TrustedState> reloaded = TrustedState::Load(path, log_key->verifier());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->current()->checkpoint, checkpoint);
  // No temporary file is left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(TrustedStateTest, GarbledFileIsAnErrorNotAFreshStart) {
  TempDir dir;
  absl::StatusOr<Signer> log_key = Signer::Generate("example.org/log");
  ASSERT_TRUE(log_key.ok());
  const std::string path = dir.path() + "/state";
  ASSERT_TRUE(WriteFileAtomically(path, "example.org/log\n5\ngarbage\n").ok());
  absl::StatusOr<TrustedState> state = TrustedState::Load(path, log_key->verifier());
  EXPECT_EQ(state.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(state.status().message(), HasSubstr(path));
}

TEST(ErrorKindTest, KindsSurviveAnnotation) {
  const absl::Status verification =
      VerificationFailure("checkpoint 3", absl::DataLossError("roots differ"));
  EXPECT_EQ(verification.message(), "checkpoint 3: roots differ");
  EXPECT_EQ(verification.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(IsVerificationFailure(Annotate(verification, "get")));
  const absl::Status server =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such record"), "GetRecord");
  EXPECT_EQ(server.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(server.message(), "GetRecord: no such record");
  EXPECT_EQ(KindOf(server), ErrorKind::kServer);
  EXPECT_EQ(KindOf(absl::NotFoundError("file")), ErrorKind::kLocal);
  EXPECT_EQ(KindOf(absl::OkStatus()), ErrorKind::kNone);
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, "x").ok());
}

}  // namespace
}  // namespace memoria::client
