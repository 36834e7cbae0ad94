// Answers proven complete, end to end: `memoria request` (the built binary)
// against an in-process memoria-server on loopback (real RocksDB, records
// written through the Append RPC, e2e_log.h) writes a bundle stating its
// filter and searched range; the built `memoria-audit verify --bundle
// --server` reads that range back through the server's export stream and
// re-applies the filter. Each tampering a dishonest institution could try is
// caught: a record dropped (count fixed), a record added that does not match,
// a range that starts too late or ends early, a range source that leaves out
// a record or sends a bad proof (a lying proxy in front of the server). A
// bundle without the statement verifies as before and says completeness is
// not stated.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <atomic>
#include <fstream>
#include <functional>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ledger/verify/bundle.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "tests/query/e2e_log.h"
#include "tests/server/server_test_util.h"
#include "tests/support/file_bytes.h"
#include "tests/support/run_binary.h"

#ifndef MEMORIA_CLI_BINARY
#error "MEMORIA_CLI_BINARY must name the memoria executable"
#endif
#ifndef MEMORIA_AUDIT_BINARY
#error "MEMORIA_AUDIT_BINARY must name the memoria-audit executable"
#endif

namespace memoria::query {
namespace {

using ::memoria::query::testing::E2eLog;
using ::memoria::query::testing::kBaseEventTime;
using ::memoria::query::testing::kEventStep;
using ::memoria::query::testing::Known;
using ::memoria::server::testing::TempDir;
using ::memoria::testing::ReadFileBytes;
using ::memoria::testing::WriteFileBytes;
using ::testing::HasSubstr;
using ::testing::Not;
using Ran = ::memoria::testing::ProcessRun;

constexpr int kEvents = 30;

// ---- A lying range source: a proxy in front of the real server ---------------------

enum class Lie { kOmitRecord, kBadProof };

// Forwards what a verified export needs (GetCheckpoint, GetConsistencyProof,
// GetInfo, Export) to the real server, but lies in Export about `victim`:
// leaves it out, or flips a byte of its inclusion proof.
class LyingProxy final : public v1::Ledger::Service, public v1::Transparency::Service {
 public:
  LyingProxy(int upstream_port, Lie lie, uint64_t victim)
      : lie_(lie),
        victim_(victim),
        ledger_(server::testing::NewLocalStub(upstream_port)),
        transparency_(server::testing::NewLocalTransparencyStub(upstream_port)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(static_cast<v1::Ledger::Service*>(this));
    builder.RegisterService(static_cast<v1::Transparency::Service*>(this));
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
  }
  ~LyingProxy() override { server_->Shutdown(); }
  int port() const { return port_; }
  int lies() const { return lies_; }

  grpc::Status GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest* request,
                             v1::CheckpointResponse* response) override {
    grpc::ClientContext context;
    return ledger_->GetCheckpoint(&context, *request, response);
  }
  grpc::Status GetConsistencyProof(grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override {
    grpc::ClientContext context;
    return ledger_->GetConsistencyProof(&context, *request, response);
  }
  grpc::Status GetInfo(grpc::ServerContext*, const v1::GetInfoRequest* request,
                       v1::Info* response) override {
    grpc::ClientContext context;
    return ledger_->GetInfo(&context, *request, response);
  }
  grpc::Status Export(grpc::ServerContext*, const v1::ExportRequest* request,
                      grpc::ServerWriter<v1::ExportItem>* writer) override {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::ExportItem>> reader =
        transparency_->Export(&context, *request);
    v1::ExportItem item;
    while (reader->Read(&item)) {
      v1::ExportItem sent;
      if (item.has_header()) *sent.mutable_header() = item.header();
      for (v1::ExportedRecord& record : *item.mutable_records()) {
        if (!record.trust() && record.index() == victim_) {
          ++lies_;
          if (lie_ == Lie::kOmitRecord) continue;
          if (record.inclusion_proof_size() > 0) (*record.mutable_inclusion_proof(0))[3] ^= 0x20;
        }
        *sent.add_records() = std::move(record);
      }
      if (!writer->Write(sent)) return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
    }
    return reader->Finish();
  }

 private:
  const Lie lie_;
  const uint64_t victim_;
  std::unique_ptr<v1::Ledger::Stub> ledger_;
  std::unique_ptr<v1::Transparency::Stub> transparency_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<int> lies_{0};
};

// ---- Bundles as text --------------------------------------------------------------

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}
std::string Join(const std::vector<std::string>& lines) { return absl::StrJoin(lines, "\n") + "\n"; }

// The index of a record line ("type":"record"), or -1.
int64_t RecordLineIndex(const std::string& line) {
  if (line.find("\"type\":\"record\"") == std::string::npos) return -1;
  absl::StatusOr<JsonObject> object = JsonObject::Parse(line);
  if (!object.ok()) return -1;
  return static_cast<int64_t>(*object->Uint("index"));
}

// Sets the end line's record count to what the lines hold.
void FixCount(std::vector<std::string>& lines) {
  int64_t records = 0;
  for (const std::string& line : lines) records += RecordLineIndex(line) >= 0 ? 1 : 0;
  lines.back() = absl::StrCat("{\"type\":\"end\",\"records\":", records, "}");
}

BundleHeader HeaderOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BundleReader reader(in);
  absl::StatusOr<BundleHeader> header = reader.ReadHeader();
  EXPECT_TRUE(header.ok()) << header.status();
  return header.ok() ? *header : BundleHeader{};
}

class CompletenessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(log_.Start(dir_.path()));
    ASSERT_NO_FATAL_FAILURE(log_.AppendStandard(kEvents));
  }

  Ran Execute(const std::string& binary, const std::vector<std::string>& args) {
    return ::memoria::testing::RunBinary(binary, args, dir_.path());
  }

  // `memoria request` of the events in [from, to) plus `extra`, into DIR/name;
  // returns the bundle's path.
  std::string Request(const std::string& name, std::vector<std::string> extra,
                      int64_t from = kBaseEventTime, int64_t to = kBaseEventTime + 1000 * kEventStep) {
    const std::string out = dir_.path() + "/" + name;
    std::vector<std::string> args = {"--server", log_.target(), "--log-key", log_.log_key(),
                                     "request", "--from", absl::StrCat(from), "--to",
                                     absl::StrCat(to), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    Ran run = Execute(MEMORIA_CLI_BINARY, args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return out + "/records.jsonl";
  }

  // memoria-audit verify --bundle, reading the range from `server` ("": none).
  Ran Verify(const std::string& bundle, const std::string& server) {
    std::vector<std::string> args = {"verify", "--bundle", bundle, "--log-key", log_.log_key(),
                                     "--no-progress"};
    if (!server.empty()) args.insert(args.end(), {"--server", server});
    return Execute(MEMORIA_AUDIT_BINARY, args);
  }

  // A copy of `bundle` changed by `edit`.
  std::string Tampered(const std::string& bundle, const std::string& name,
                       const std::function<void(std::vector<std::string>&)>& edit) {
    std::vector<std::string> lines = Lines(ReadFileBytes(bundle));
    edit(lines);
    const std::string path = dir_.path() + "/" + name + ".jsonl";
    WriteFileBytes(path, Join(lines));
    return path;
  }

  TempDir dir_;
  E2eLog log_;
};

TEST_F(CompletenessTest, AnswersOfEveryKindOfFilterAreProvenComplete) {
  // The filter re-applied from records must agree with the query engine's
  // indexes for every condition, or these would report missing or extra records.
  const std::vector<std::vector<std::string>> filters = {
      {},
      {"--generic-type", "post.published"},
      {"--type", "user_blocked", "--type", "reply_published"},
      {"--account", "facebook:@alcaldiapasto"},
      {"--platform", "instagram"},
      {"--actor", "PRENSA.SALUD@pasto.gov.co"},
      {"--writer", "secretaria-salud", "--type", "post_removed"},
  };
  for (size_t i = 0; i < filters.size(); ++i) {
    SCOPED_TRACE(absl::StrJoin(filters[i], " "));
    const std::string bundle = Request(absl::StrCat("r", i), filters[i],
                                       kBaseEventTime + 3 * kEventStep,
                                       kBaseEventTime + 25 * kEventStep);
    const BundleHeader header = HeaderOf(bundle);
    ASSERT_TRUE(header.search.has_value());
    EXPECT_EQ(header.search->to, header.tree_size);
    EXPECT_EQ(header.search->max_event_time_ahead_micros, uint64_t{24} * 3600 * 1000000);
    Ran run = Verify(bundle, log_.target());
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("answer PROVEN COMPLETE"));
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("all ", header.search->to - header.search->from,
                                                " records of the searched range [")));
    // README.txt says so and how to check it.
    const std::string readme =
        ReadFileBytes(std::filesystem::path(bundle).parent_path().string() + "/README.txt");
    EXPECT_THAT(readme, HasSubstr("COMPLETA Y COMPROBABLE"));  // Spanish by default
    EXPECT_THAT(readme, HasSubstr("--server SERVIDOR:PUERTO"));
  }
}

TEST_F(CompletenessTest, ADroppedRecordWithTheCountFixedIsNamedMissing) {
  const std::string bundle = Request("posts", {"--generic-type", "post.published"});
  std::vector<int64_t> answer;
  for (const std::string& line : Lines(ReadFileBytes(bundle))) {
    if (RecordLineIndex(line) >= 0) answer.push_back(RecordLineIndex(line));
  }
  ASSERT_GE(answer.size(), 3u);
  const int64_t dropped = answer[1];
  const std::string tampered = Tampered(bundle, "dropped", [&](std::vector<std::string>& lines) {
    lines.erase(std::remove_if(lines.begin(), lines.end(),
                               [&](const std::string& line) { return RecordLineIndex(line) == dropped; }),
                lines.end());
    FixCount(lines);
  });
  // The bundle alone still verifies (that is the problem being solved)...
  Ran alone = Verify(tampered, "");
  EXPECT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  EXPECT_THAT(alone.out, HasSubstr("NOT CHECKED"));
  // ...the completeness check does not.
  Ran run = Verify(tampered, log_.target());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat("record ", dropped,
                                              ": completeness: matches the filter but is missing "
                                              "from the answer")));
  EXPECT_THAT(run.out, HasSubstr("NOT COMPLETE"));
}

TEST_F(CompletenessTest, ARecordThatDoesNotMatchTheFilterIsNamed) {
  const std::string posts = Request("posts", {"--generic-type", "post.published"});
  const std::string tickets = Request("tickets", {"--generic-type", "ticket.opened"});
  // A genuine record line (with its proof) of a ticket, slipped into the posts.
  std::string ticket_line;
  int64_t ticket = -1;
  for (const std::string& line : Lines(ReadFileBytes(tickets))) {
    if (RecordLineIndex(line) >= 0) {
      ticket_line = line;
      ticket = RecordLineIndex(line);
      break;
    }
  }
  ASSERT_GE(ticket, 0);
  const std::string tampered = Tampered(posts, "extra", [&](std::vector<std::string>& lines) {
    auto at = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return RecordLineIndex(line) > ticket || line.find("\"type\":\"end\"") != std::string::npos;
    });
    lines.insert(at, ticket_line);
    FixCount(lines);
  });
  Ran run = Verify(tampered, log_.target());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat("record ", ticket,
                                              ": completeness: in the answer but does not match "
                                              "the filter")));
}

TEST_F(CompletenessTest, ARangeThatStartsTooLateOrEndsEarlyIsDetected) {
  // An integration-time bound gives a range that does not start at 0.
  const Known& k = log_.at(20);
  const std::string bundle =
      Request("late", {"--integrated-from", absl::StrCat(k.integrated)});
  const BundleHeader header = HeaderOf(bundle);
  ASSERT_TRUE(header.search.has_value());
  const std::vector<uint64_t> first =
      log_.Where([&](const Known& r) { return r.integrated >= k.integrated; });
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(header.search->from, first.front());
  ASSERT_GT(header.search->from, 0u);
  EXPECT_EQ(Verify(bundle, log_.target()).exit_code, 0);

  const auto with_range = [&](const std::string& name, uint64_t from, uint64_t to) {
    return Tampered(bundle, name, [&](std::vector<std::string>& lines) {
      const std::string stated = absl::StrCat("\"from\":", header.search->from, ",\"to\":",
                                              header.search->to, ",\"max_event");
      const size_t at = lines[0].find(stated);
      ASSERT_NE(at, std::string::npos) << lines[0];
      lines[0].replace(at, stated.size(), absl::StrCat("\"from\":", from, ",\"to\":", to, ",\"max_event"));
    });
  };
  // Earlier than the rule needs: still complete.
  Ran earlier = Verify(with_range("earlier", header.search->from - 1, header.search->to),
                       log_.target());
  EXPECT_EQ(earlier.exit_code, 0) << earlier.out << earlier.err;
  EXPECT_THAT(earlier.out, HasSubstr("PROVEN COMPLETE"));
  // One later: record `from` was integrated at the bound, so it can match.
  Ran late = Verify(with_range("later", header.search->from + 1, header.search->to), log_.target());
  EXPECT_EQ(late.exit_code, 1) << late.out << late.err;
  EXPECT_THAT(late.out, HasSubstr("the searched range starts too late"));
  // Ending before the checkpoint's size.
  Ran early = Verify(with_range("early", header.search->from, header.search->to - 1), log_.target());
  EXPECT_EQ(early.exit_code, 1) << early.out << early.err;
  EXPECT_THAT(early.out, HasSubstr("ends at"));
}

TEST_F(CompletenessTest, ARangeSourceThatLiesIsCaught) {
  const std::string bundle = Request("posts", {"--generic-type", "post.published"});
  const BundleHeader header = HeaderOf(bundle);
  ASSERT_TRUE(header.search.has_value());
  const uint64_t victim = 10;  // in the range; not necessarily a match
  {
    LyingProxy proxy(log_.server().port(), Lie::kOmitRecord, victim);
    Ran run = Verify(bundle, absl::StrCat("127.0.0.1:", proxy.port()));
    EXPECT_GT(proxy.lies(), 0);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("the server left out record ", victim)));
  }
  {
    LyingProxy proxy(log_.server().port(), Lie::kBadProof, victim);
    Ran run = Verify(bundle, absl::StrCat("127.0.0.1:", proxy.port()));
    EXPECT_GT(proxy.lies(), 0);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("record ", victim, " is not included in checkpoint")));
  }
}

TEST_F(CompletenessTest, ABundleWithoutTheStatementVerifiesAsBeforeAndSaysSo) {
  const std::string bundle = Request("posts", {"--generic-type", "post.published"});
  const std::string old = Tampered(bundle, "old", [](std::vector<std::string>& lines) {
    const size_t at = lines[0].find(",\"search\":");
    ASSERT_NE(at, std::string::npos);
    lines[0] = lines[0].substr(0, at) + "}";
  });
  ASSERT_FALSE(HeaderOf(old).search.has_value());
  for (const std::string& server : {std::string(), log_.target()}) {
    Ran run = Verify(old, server);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("completeness not stated"));
    EXPECT_THAT(run.out, Not(HasSubstr("PROVEN COMPLETE")));
  }
  // A findings filter cannot be re-applied from records: not stated either.
  const std::string findings = Request("findings", {"--finding", "user_blocked"});
  EXPECT_FALSE(HeaderOf(findings).search.has_value());
  Ran run = Verify(findings, log_.target());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("completeness not stated"));
}

TEST_F(CompletenessTest, BackfilledRecordsAtTheEventTimeBoundaryAreCovered) {
  // Appended last (integrated after everything else), with event times at
  // and just before the request's start: the first must be in the answer,
  // the second not.
  const int64_t from = kBaseEventTime + 7 * kEventStep + 1234;
  const Signer& writer = log_.writer(0);
  uint64_t at_boundary = 0, before_boundary = 0;
  for (const int64_t time : {from, from - 1}) {
    v1::Entry entry;
    entry.set_writer(writer.name());
    entry.set_request_id(absl::StrCat("backfill-", time));
    entry.set_event_time_micros(time);
    entry.mutable_generic()->set_type("post.published");
    Known known;
    known.type = "generic";
    known.generic_type = "post.published";
    const v1::Receipt receipt = log_.MustAppend(client::SignEntry(writer, entry), known);
    (time == from ? at_boundary : before_boundary) = receipt.index();
  }
  log_.Refresh();
  const std::string bundle =
      Request("backfill", {"--generic-type", "post.published"}, from, kBaseEventTime + 1000 * kEventStep);
  std::vector<int64_t> answer;
  for (const std::string& line : Lines(ReadFileBytes(bundle))) {
    if (RecordLineIndex(line) >= 0) answer.push_back(RecordLineIndex(line));
  }
  EXPECT_THAT(answer, ::testing::Contains(static_cast<int64_t>(at_boundary)));
  EXPECT_THAT(answer, Not(::testing::Contains(static_cast<int64_t>(before_boundary))));
  Ran run = Verify(bundle, log_.target());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("PROVEN COMPLETE"));
  // Leaving the backfilled record out is caught.
  const std::string tampered = Tampered(bundle, "no-backfill", [&](std::vector<std::string>& lines) {
    lines.erase(std::remove_if(lines.begin(), lines.end(),
                               [&](const std::string& line) {
                                 return RecordLineIndex(line) == static_cast<int64_t>(at_boundary);
                               }),
                lines.end());
    FixCount(lines);
  });
  Ran missing = Verify(tampered, log_.target());
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_THAT(missing.out, HasSubstr(absl::StrCat("record ", at_boundary,
                                                  ": completeness: matches the filter but is "
                                                  "missing from the answer")));
}

// A measurement, not a check (run by hand: --gtest_also_run_disabled_tests
// --gtest_filter='*Measure*'): MEMORIA_MEASURE_RECORDS (default 100,000)
// generic records appended through AppendBatch, then a request whose
// searched range is the whole log, and the completeness check timed.
TEST_F(CompletenessTest, DISABLED_MeasureTheCompletenessCheckOverALargeRange) {
  const char* env = std::getenv("MEMORIA_MEASURE_RECORDS");
  const int total = env != nullptr ? std::atoi(env) : 100'000;
  const Signer& writer = log_.writer(0);
  for (int done = 0; done < total;) {
    v1::AppendBatchRequest request;
    for (int i = 0; i < 1000 && done < total; ++i, ++done) {
      v1::Entry entry;
      entry.set_writer(writer.name());
      entry.set_request_id(absl::StrCat("m", done));
      entry.set_event_time_micros(kBaseEventTime + done);
      entry.mutable_generic()->set_type(done % 100 == 0 ? "post.published" : "ticket.opened");
      *request.add_entries() = client::SignEntry(writer, entry);
    }
    grpc::ClientContext context;
    v1::AppendBatchResponse response;
    ASSERT_TRUE(log_.stub().AppendBatch(&context, request, &response).ok());
  }
  const std::string bundle = Request("measure", {"--generic-type", "post.published"});
  const BundleHeader header = HeaderOf(bundle);
  ASSERT_TRUE(header.search.has_value());
  const auto start = std::chrono::steady_clock::now();
  Ran run = Verify(bundle, log_.target());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  std::printf("completeness over [%llu, %llu): %.2f s, %.0f records/s\n%s",
              static_cast<unsigned long long>(header.search->from),
              static_cast<unsigned long long>(header.search->to), seconds,
              (header.search->to - header.search->from) / seconds, run.out.c_str());
}

}  // namespace
}  // namespace memoria::query
