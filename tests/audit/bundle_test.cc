// The export bundle: written from a source, read back and verified; damaged
// bundles are reading errors (with the line) or findings, as documented.
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/bundle.h"
#include "ledger/encoding.h"
#include "tests/audit/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::testing::HasSubstr;

class BuiltLogSource final : public BundleSource {
 public:
  explicit BuiltLogSource(BuiltLog& log) : log_(log) {}
  absl::StatusOr<std::string> LatestCheckpoint() override { return log_.Checkpoint(); }
  absl::StatusOr<std::string> AdminVkey() override { return log_.admin().verifier().ToString(); }
  absl::StatusOr<std::vector<v1::WriterInfo>> Writers() override {
    v1::WriterInfo info;
    info.set_vkey(log_.writer().verifier().ToString());
    info.set_registered_at(1);
    info.set_description("posts");
    return std::vector<v1::WriterInfo>{info};
  }
  absl::Status ScanRecords(uint64_t begin, uint64_t end,
                           const std::function<absl::Status(uint64_t, std::string)>& visit) override {
    for (uint64_t i = begin; i < end && i < log_.size(); ++i) {
      if (absl::Status status = visit(i, log_.leaves()[i]); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t) override {
    return log_.Proof(index);
  }

 private:
  BuiltLog& log_;
};

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override { log_.AddGeneric(300); }

  std::string Export(const ExportOptions& options) {
    BuiltLogSource source(log_);
    std::ostringstream out;
    absl::Status status = ExportBundle(source, log_.log_key().verifier(), options, out);
    EXPECT_TRUE(status.ok()) << status;
    return out.str();
  }

  absl::StatusOr<BundleAudit> Verify(const std::string& bundle) {
    std::istringstream in(bundle);
    return VerifyBundle(in, log_.log_key().verifier(), {.threads = 2});
  }

  BuiltLog log_;
};

TEST_F(BundleTest, FullBundleRoundTripVerifiesThroughTheRoot) {
  const std::string bundle = Export({});
  EXPECT_THAT(bundle, HasSubstr("\"format\":\"memoria-bundle-v1\""));
  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->full);
  EXPECT_TRUE(audit->report.ok()) << (audit->report.findings.empty() ? "" : audit->report.findings[0].reason);
  EXPECT_EQ(audit->report.records, log_.size());
}

TEST_F(BundleTest, PartialBundleVerifiesThroughProofs) {
  for (const auto& [from, to] : std::vector<std::pair<uint64_t, uint64_t>>{{100, 150}, {0, 10}, {290, 302}}) {
    const std::string bundle = Export({.from = from, .to = to});
    absl::StatusOr<BundleAudit> audit = Verify(bundle);
    ASSERT_TRUE(audit.ok()) << audit.status();
    EXPECT_FALSE(audit->full);
    EXPECT_TRUE(audit->report.ok())
        << from << ".." << to << ": " << (audit->report.findings.empty() ? "" : FindingText(audit->report.findings[0]));
    EXPECT_EQ(audit->report.records, to - from);
  }
}

TEST_F(BundleTest, AlteredLeafIsAFindingNotAReadingError) {
  std::string bundle = Export({.from = 100, .to = 150});
  // Replace one record's leaf by another valid base64 leaf (record 101's bytes at 100).
  const std::string leaf100 = Base64Encode(log_.leaves()[100]);
  const std::string leaf101 = Base64Encode(log_.leaves()[101]);
  bundle.replace(bundle.find(leaf100), leaf100.size(), leaf101);
  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_FALSE(audit->report.ok());
  EXPECT_EQ(audit->report.findings[0].index, 100u);
}

TEST_F(BundleTest, TruncatedBundleIsAReadingErrorNamingTheLine) {
  const std::string bundle = Export({});
  // Cut inside a line.
  absl::StatusOr<BundleAudit> cut = Verify(bundle.substr(0, bundle.size() / 2));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cut.status().message(), HasSubstr("truncated"));
  EXPECT_THAT(cut.status().message(), HasSubstr("line "));
  // Cut at a line boundary: no end line.
  const size_t boundary = bundle.rfind('\n', bundle.size() / 2);
  absl::StatusOr<BundleAudit> lines = Verify(bundle.substr(0, boundary + 1));
  ASSERT_FALSE(lines.ok());
  EXPECT_THAT(lines.status().message(), HasSubstr("without its end line"));
  // Empty.
  EXPECT_FALSE(Verify("").ok());
}

TEST_F(BundleTest, GarbledBundleIsAReadingErrorNamingTheLine) {
  std::string bundle = Export({});
  size_t line_start = 0;
  for (int line = 1; line < 5; ++line) line_start = bundle.find('\n', line_start) + 1;
  bundle.insert(line_start + 3, "}{");
  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_FALSE(audit.ok());
  EXPECT_THAT(audit.status().message(), HasSubstr("bundle line 5"));

  std::string bad_base64 = Export({});
  const size_t leaf = bad_base64.find("\"leaf\":\"") + 9;
  bad_base64[leaf] = '*';
  audit = Verify(bad_base64);
  ASSERT_FALSE(audit.ok());
  EXPECT_THAT(audit.status().message(), HasSubstr("not base64"));

  std::string header = Export({});
  header.replace(header.find("memoria-bundle-v1"), 17, "memoria-bundle-v9");
  audit = Verify(header);
  ASSERT_FALSE(audit.ok());
  EXPECT_THAT(audit.status().message(), HasSubstr("bundle line 1"));
}

TEST_F(BundleTest, DataAfterTheEndLineIsRejected) {
  absl::StatusOr<BundleAudit> audit = Verify(Export({}) + "{\"type\":\"end\",\"records\":0}\n");
  ASSERT_FALSE(audit.ok());
  EXPECT_THAT(audit.status().message(), HasSubstr("after the end line"));
}

TEST(JsonObjectTest, TypedFieldsNameWhatIsWrong) {
  absl::StatusOr<JsonObject> object = JsonObject::Parse(R"({"a":1,"b":"x","c":[1],"d":-1,"e":1.5})");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*object->Uint("a"), 1u);
  EXPECT_THAT(object->Uint("b").status().message(), HasSubstr("\"b\" is not a number"));
  EXPECT_THAT(object->Uint("zz").status().message(), HasSubstr("missing \"zz\""));
  EXPECT_FALSE(object->Uint("d").ok());
  EXPECT_FALSE(object->Uint("e").ok());
  EXPECT_FALSE(object->StringList("c").ok());
  EXPECT_FALSE(JsonObject::Parse("[1]").ok());
  EXPECT_EQ(JsonQuote("a\"b\n\x01"), "\"a\\\"b\\n\\u0001\"");
}

}  // namespace
}  // namespace memoria
