// client::TilesReader and `memoria get --tiles` / `memoria receipt verify
// --tiles`: records and receipts verified from the tiles an in-process
// memoria-server publishes (--tiles-dir, --http-listen), without gRPC; the
// trusted state's rollback and fork checks; error kinds (verification,
// server) and the CLI's exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/tiles_reader.h"
#include "gmock/gmock.h"
#include "ledger/checkpoint.h"
#include "ledger/record.h"
#include "ledger/tile_path.h"
#include "ledger/verify/receipt.h"
#include "ledger/verify/tiled_log.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/run_binary.h"

namespace memoria::client {
namespace {

namespace fs = std::filesystem;
using ::memoria::server::testing::GenericEntry;
using ::memoria::server::testing::NewLocalStub;
using ::memoria::server::testing::NewWriterKey;
using ::memoria::server::testing::RegisterWriterEntry;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;

class TilesReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    server::ServerConfig config = server::testing::TestServerConfig(dir_.File("data"));
    config.tiles_dir = dir_.File("tiles");
    config.tiles_interval = absl::Milliseconds(50);
    config.http_listen = "127.0.0.1:0";
    server_ = server::testing::MustStart(config);
    ASSERT_NE(server_, nullptr);
    stub_ = NewLocalStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(dir_.File("data/keys/admin.key"));
    ASSERT_TRUE(admin.ok());
    writer_ = std::make_unique<Signer>(NewWriterKey("svc"));
    Append(RegisterWriterEntry(*admin, writer_->verifier(), "register"));
    for (int i = 0; i < 300; ++i) last_receipt_ = Append(GenericEntry(*writer_, absl::StrCat("e", i)));
    WaitPublished();
  }
  v1::Receipt Append(const v1::SignedEntry& entry) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    const grpc::Status status = stub_->Append(&context, request, &receipt);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return receipt;
  }
  void WaitPublished() {
    for (int i = 0; i < 2000 && server_->tiles()->published_size() != server_->log().Size(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(server_->tiles()->published_size(), server_->log().Size());
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", server_->http_port()); }
  std::unique_ptr<TilesReader> Reader(const std::string& location, const std::string& state = "") {
    auto reader = TilesReader::Open(location, server_->log_verifier(), state);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? *std::move(reader) : nullptr;
  }
  ::memoria::testing::ProcessRun Cli(const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(MEMORIA_CLI_BINARY, args, dir_.path());
  }

  TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<Signer> writer_;
  v1::Receipt last_receipt_;
};

TEST_F(TilesReaderTest, RecordsAreTheServersAndReceiptsVerifyFromTheTiles) {
  auto reader = Reader(url(), dir_.File("reader.state"));
  ASSERT_NE(reader, nullptr);
  for (const uint64_t index : {0, 1, 150, 255, 256, 301}) {
    absl::StatusOr<VerifiedRecord> record = reader->GetRecord(index);
    ASSERT_TRUE(record.ok()) << index << ": " << record.status();
    EXPECT_EQ(record->leaf, *server_->log().GetRecord(index));
    EXPECT_EQ(record->record.index(), index);
    EXPECT_EQ(record->tree_size, 302u);
  }
  EXPECT_TRUE(absl::IsOutOfRange(reader->GetRecord(302).status()));

  // A receipt of an earlier, smaller checkpoint, once the log has grown.
  absl::StatusOr<Receipt> receipt = ReceiptFromProto(last_receipt_);
  ASSERT_TRUE(receipt.ok());
  for (int i = 0; i < 40; ++i) Append(GenericEntry(*writer_, absl::StrCat("later", i)));
  WaitPublished();
  absl::StatusOr<VerifiedRecord> held = reader->VerifyReceipt(*receipt);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->tree_size, 342u);

  // A receipt whose leaf was swapped for another record's (its proof
  // no longer leads to its checkpoint).
  Receipt forged = *receipt;
  forged.leaf = *server_->log().GetRecord(5);
  absl::Status refused = reader->VerifyReceipt(forged).status();
  EXPECT_TRUE(IsVerificationFailure(refused)) << refused;
}

TEST_F(TilesReaderTest, RollbackForkAndMissingTilesHaveTheirKinds) {
  const std::string old_copy = dir_.File("old-tiles");
  fs::copy(dir_.File("tiles"), old_copy, fs::copy_options::recursive);
  const std::string state = dir_.File("trusted.state");
  for (int i = 0; i < 50; ++i) Append(GenericEntry(*writer_, absl::StrCat("more", i)));
  WaitPublished();
  ASSERT_TRUE(Reader(url(), state)->Update().ok());

  absl::Status rolled = Reader(old_copy, state)->GetRecord(3).status();
  EXPECT_TRUE(IsVerificationFailure(rolled)) << rolled;
  EXPECT_THAT(std::string(rolled.message()), HasSubstr("rollback"));

  // The old copy with a checkpoint of the current size over another root,
  // signed by the log key: not consistent with the state.
  absl::StatusOr<Checkpoint> old_checkpoint =
      OpenCheckpoint(ReadFileBytes(old_copy + "/checkpoint"), server_->log_verifier());
  ASSERT_TRUE(old_checkpoint.ok());
  absl::StatusOr<Signer> log_key = ReadSignerKeyFile(dir_.File("data/keys/log.key"));
  ASSERT_TRUE(log_key.ok());
  Checkpoint forked = server_->log().Head().checkpoint;
  forked.root[7] ^= 1;
  const std::string fork_dir = dir_.File("fork-tiles");
  fs::copy(dir_.File("tiles"), fork_dir, fs::copy_options::recursive);
  WriteFileBytes(fork_dir + "/checkpoint", *SignCheckpoint(forked, *log_key));
  absl::Status fork = Reader(fork_dir, state)->Update().status();
  EXPECT_TRUE(IsVerificationFailure(fork)) << fork;
  EXPECT_THAT(std::string(fork.message()), HasSubstr("fork"));

  fs::remove(fork_dir + "/checkpoint");
  absl::Status missing = Reader(fork_dir)->GetRecord(3).status();
  EXPECT_EQ(KindOf(missing), ErrorKind::kServer) << missing;
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
}

TEST_F(TilesReaderTest, CliGetAndReceiptVerifyFromTiles) {
  const std::string vkey = server_->log_verifier().ToString();
  auto get = Cli({"get", "--tiles", url(), "--index", "7", "--log-key", vkey, "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.out << get.err;
  EXPECT_THAT(get.out, HasSubstr("\"index\":7"));

  const std::string receipt_file = dir_.File("receipt.json");
  WriteFileBytes(receipt_file, FormatReceiptJson(last_receipt_));
  auto verify = Cli({"receipt", "verify", "--tiles", url(), "--file", receipt_file, "--log-key", vkey});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("receipt valid: record 301"));

  // Tiles whose bundle was altered: the record's inclusion fails (exit 1).
  const std::string damaged = dir_.File("damaged-tiles");
  fs::copy(dir_.File("tiles"), damaged, fs::copy_options::recursive);
  const std::string bundle = damaged + "/" + tiles::EntryBundlePath(0);
  std::string bytes = ReadFileBytes(bundle);
  size_t at = 0;  // the start of entry 100's bytes
  for (int i = 0; i < 100; ++i) {
    at += 2 + ((static_cast<uint8_t>(bytes[at]) << 8) | static_cast<uint8_t>(bytes[at + 1]));
  }
  bytes[at + 2 + 10] ^= 1;
  WriteFileBytes(bundle, bytes);
  auto bad = Cli({"get", "--tiles", damaged, "--index", "100", "--log-key", vkey});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  auto unreachable = Cli({"get", "--tiles", "http://127.0.0.1:1", "--index", "1", "--log-key", vkey});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.out << unreachable.err;
}

}  // namespace
}  // namespace memoria::client
