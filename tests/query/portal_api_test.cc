// The citizens' portal's HTTP API (server/portal/portal_api.h) end to end: an
// in-process memoria-server with --http-listen over the standard log of
// e2e_log.h (policy events with personal data committed, generic events),
// read with a plain HTTP client. What the browser test (tests/portal/) does
// not check from C++: every filter's pages against the log's own records,
// days of the institution's zone, the bundle verified by VerifyBundle, every
// proof verified, and no personal value or salt in any answer.
#include <httplib.h>

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/checkpoint.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "ledger/query/record_csv.h"
#include "ledger/verify/bundle.h"
#include "ledger/verify/receipt.h"
#include "tests/query/e2e_log.h"

namespace memoria::query::testing {
namespace {

using ::testing::HasSubstr;

class PortalApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new server::testing::TempDir();
    log_ = new E2eLog();
    log_->Start(dir_->path(), [](server::ServerConfig& config) {
      config.http_listen = "127.0.0.1:0";
    });
    log_->AppendStandard(60);
  }
  static void TearDownTestSuite() {
    delete log_;
    delete dir_;
  }

  static httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", log_->server().http_port());
    client.set_read_timeout(30, 0);
    return client.Get(path);
  }
  static JsonObject GetJson(const std::string& path) {
    httplib::Result result = Get(path);
    EXPECT_TRUE(result) << path;
    if (!result) return *JsonObject::Parse("{}");
    EXPECT_EQ(result->status, 200) << path << ": " << result->body;
    absl::StatusOr<JsonObject> json = JsonObject::Parse(result->body);
    EXPECT_TRUE(json.ok()) << path << ": " << json.status();
    return json.ok() ? *std::move(json) : *JsonObject::Parse("{}");
  }
  // Every index the search `query` finds, following next_page_token.
  static std::vector<uint64_t> SearchAll(const std::string& query) {
    std::vector<uint64_t> found;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      JsonObject json = GetJson(absl::StrCat("/api/v1/records?order=oldest&page_size=7&", query,
                                             token.empty() ? "" : "&page_token=",
                                             httplib::detail::encode_query_param(token)));
      absl::StatusOr<std::vector<JsonObject>> records = json.ObjectList("records");
      EXPECT_TRUE(records.ok()) << records.status();
      if (!records.ok()) break;
      for (const JsonObject& record : *records) found.push_back(*record.Uint("index"));
      absl::StatusOr<std::string> next = json.String("next_page_token");
      if (!next.ok() || next->empty()) break;
      token = *next;
    }
    return found;
  }

  static server::testing::TempDir* dir_;
  static E2eLog* log_;
};
server::testing::TempDir* PortalApiTest::dir_ = nullptr;
E2eLog* PortalApiTest::log_ = nullptr;

TEST_F(PortalApiTest, InfoNamesTheLogKeyZoneAndEventTypes) {
  JsonObject info = GetJson("/api/v1/info");
  EXPECT_EQ(*info.String("log_vkey"), log_->server().log_verifier().ToString());
  EXPECT_EQ(*info.String("time_zone"), "America/Bogota");
  EXPECT_EQ(*info.Uint("tree_size"), log_->server().log().Size());
  absl::StatusOr<Checkpoint> checkpoint =
      OpenCheckpoint(*info.String("checkpoint"), log_->server().log_verifier());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->size, log_->server().log().Size());
  EXPECT_TRUE(info.ObjectList("event_types")->size() > 20);
}

TEST_F(PortalApiTest, SearchesFindExactlyTheMatchingRecordsPageByPage) {
  const std::vector<uint64_t> facebook_posts = log_->Where([](const Known& k) {
    return k.platform == v1::FACEBOOK && E2eLog::SameHandle(k.handle, "alcaldiapasto") &&
           k.type == "post_published";
  });
  ASSERT_FALSE(facebook_posts.empty());
  EXPECT_EQ(SearchAll("account=facebook/AlcaldiaPasto&type=post_published"), facebook_posts);
  EXPECT_EQ(SearchAll("account=facebook/%40alcaldiapasto&type=post_published"), facebook_posts);
  const std::vector<uint64_t> generic = log_->Where([](const Known& k) { return k.type == "generic"; });
  EXPECT_EQ(SearchAll("type=generic"), generic);
  // Days are the institution's (America/Bogota, UTC-5): an event at 02:00 UTC
  // on 5 March is a 4 March event there.
  const absl::TimeZone bogota = *[] {
    absl::TimeZone zone;
    EXPECT_TRUE(absl::LoadTimeZone("America/Bogota", &zone));
    return std::optional<absl::TimeZone>(zone);
  }();
  const int64_t from = absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2026, 3, 4), bogota));
  const int64_t to = absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2026, 3, 20), bogota));
  const std::vector<uint64_t> in_days = log_->Where([&](const Known& k) {
    return k.index > 0 && k.event_time >= from && k.event_time < to;
  });
  ASSERT_FALSE(in_days.empty());
  EXPECT_EQ(SearchAll("from=2026-03-04&to=2026-03-19"), in_days);
}

TEST_F(PortalApiTest, ARecordCarriesAProofToASignedCheckpoint) {
  const Verifier& log_key = log_->server().log_verifier();
  for (uint64_t index : {uint64_t{0}, uint64_t{5}, log_->server().log().Size() - 1}) {
    SCOPED_TRACE(index);
    JsonObject record = GetJson(absl::StrCat("/api/v1/records/", index));
    absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(*record.String("checkpoint"), log_key);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_EQ(checkpoint->size, *record.Uint("tree_size"));
    const std::string leaf = *record.Bytes("leaf");
    EXPECT_EQ(leaf, log_->at(index).leaf);
    EXPECT_EQ(*record.String("leaf_hash"), HexEncode(AsBytes(LeafHash(leaf))));
    absl::StatusOr<std::vector<Hash>> proof = DecodeHashes(*record.StringList("inclusion_proof"));
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(VerifyInclusion(index, checkpoint->size, LeafHash(leaf), *proof, checkpoint->root).ok());
    EXPECT_EQ(*record.String("type"), log_->at(index).type);
  }
}

TEST_F(PortalApiTest, TheBundleDownloadVerifiesAndTheCsvHoldsTheMatches) {
  const std::vector<uint64_t> blocks =
      log_->Where([](const Known& k) { return k.type == "user_blocked"; });
  httplib::Result bundle = Get("/api/v1/export.bundle?type=user_blocked");
  ASSERT_TRUE(bundle);
  ASSERT_EQ(bundle->status, 200) << bundle->body;
  EXPECT_THAT(bundle->get_header_value("Content-Disposition"), HasSubstr("attachment"));
  std::istringstream in(bundle->body);
  absl::StatusOr<BundleAudit> audit = VerifyBundle(in, log_->server().log_verifier());
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->report.ok());
  EXPECT_TRUE(audit->header.filtered);
  EXPECT_FALSE(audit->header.disclosed);
  EXPECT_THAT(bundle->body, HasSubstr(absl::StrCat("{\"type\":\"end\",\"records\":", blocks.size(), "}")));
  // One byte changed in a record's leaf: the bundle no longer verifies.
  std::string tampered = bundle->body;
  const size_t leaf = tampered.find("\"type\":\"record\"");
  ASSERT_NE(leaf, std::string::npos);
  const size_t at = tampered.find("\"leaf\":\"", leaf) + 20;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  std::istringstream tampered_in(tampered);
  absl::StatusOr<BundleAudit> tampered_audit = VerifyBundle(tampered_in, log_->server().log_verifier());
  EXPECT_TRUE(!tampered_audit.ok() || !tampered_audit->report.ok());

  httplib::Result csv = Get("/api/v1/export.csv?type=user_blocked");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  absl::TimeZone bogota;
  ASSERT_TRUE(absl::LoadTimeZone("America/Bogota", &bogota));
  const CsvOptions options{.zone = bogota};
  std::string expected = CsvFileStart(options);
  for (uint64_t index : blocks) expected += *CsvRow(index, log_->at(index).leaf, nullptr, options);
  EXPECT_EQ(csv->body, expected);
}

TEST_F(PortalApiTest, NoAnswerHoldsPersonalData) {
  std::vector<std::string> answers;
  for (const char* path : {"/api/v1/info", "/api/v1/inventory", "/api/v1/records?page_size=1000",
                           "/api/v1/export.csv", "/api/v1/export.bundle"}) {
    httplib::Result result = Get(path);
    ASSERT_TRUE(result);
    answers.push_back(result->body);
  }
  for (uint64_t index = 0; index < log_->server().log().Size(); ++index) {
    answers.push_back(Get(absl::StrCat("/api/v1/records/", index))->body);
  }
  const std::vector<std::string> secrets = log_->SecretsInEveryForm();
  ASSERT_FALSE(secrets.empty());
  for (const std::string& secret : secrets) {
    for (const std::string& answer : answers) {
      ASSERT_EQ(answer.find(secret), std::string::npos) << "a personal value or salt was served";
    }
  }
}

TEST_F(PortalApiTest, TheInventoryIsAsOfTheEndOfADayOfTheZone) {
  JsonObject now = GetJson("/api/v1/inventory");
  EXPECT_EQ(now.ObjectList("accounts")->size(), 3u);  // facebook, twitter, instagram
  JsonObject before = GetJson("/api/v1/inventory?date=2020-01-01");
  EXPECT_TRUE(before.ObjectList("accounts")->empty());
  EXPECT_FALSE(before.Uint("at_index").ok());  // null: no record then
}

TEST_F(PortalApiTest, BadParametersAreJsonErrorsAndEveryAnswerHasTheHeaders) {
  for (const char* path :
       {"/api/v1/records?from=2026-02-30x", "/api/v1/records?from=2026-02-30", "/api/v1/records?from=03/01/2026",
        "/api/v1/records?account=facebook", "/api/v1/records?account=myspace/x",
        "/api/v1/records?type=nope", "/api/v1/records?page_size=1001", "/api/v1/records?order=up",
        "/api/v1/records?page_token=AAAA", "/api/v1/records/-1", "/api/v1/records/1x",
        "/api/v1/records/99999999999999999999999", "/api/v1/inventory?date=2026-3-1",
        "/api/v1/records?from=2026-03-05&to=2026-03-01", "/api/v1/export.bundle?type=nope"}) {
    SCOPED_TRACE(path);
    httplib::Result result = Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400);
    EXPECT_EQ(result->get_header_value("Cache-Control"), "no-store");
    absl::StatusOr<JsonObject> json = JsonObject::Parse(result->body);
    ASSERT_TRUE(json.ok()) << result->body;
    absl::StatusOr<std::vector<JsonObject>> unused = json->ObjectList("error");
    EXPECT_THAT(result->body, HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
  }
  httplib::Result missing = Get(absl::StrCat("/api/v1/records/", log_->server().log().Size()));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Result unknown = Get("/api/v1/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_THAT(unknown->body, HasSubstr("NOT_FOUND"));
  for (const char* path : {"/", "/portal.js", "/portal.css", "/api/v1/info", "/api/v1/nothing"}) {
    SCOPED_TRACE(path);
    httplib::Result result = Get(path);
    ASSERT_TRUE(result);
    EXPECT_THAT(result->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
    EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  httplib::Result page = Get("/");
  EXPECT_THAT(page->body, HasSubstr("<html lang=\"es\">"));
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
}

}  // namespace
}  // namespace memoria::query::testing
