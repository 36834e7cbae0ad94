// The export bundle: written from a source, read back and verified; damaged
// bundles are reading errors (with the line) or findings, as documented.
// Filtered bundles (a selection, trust lines up to the end of the range) and
// disclosed personal-data openings likewise.
#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/bundle.h"
#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/policy/commitment.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::testing::HasSubstr;
using ::testing::Not;

// A source that reads the writers from the log's own records.
class ScannedSource final : public BundleSource {
 public:
  explicit ScannedSource(BuiltLog& log) : log_(log) {}
  absl::StatusOr<std::string> LatestCheckpoint() override { return log_.Checkpoint(); }
  absl::StatusOr<std::string> AdminVkey() override { return log_.admin().verifier().ToString(); }
  absl::StatusOr<std::vector<v1::WriterInfo>> Writers() override {
    std::vector<v1::WriterInfo> writers;
    for (uint64_t i = 0; i < log_.size(); ++i) {
      absl::StatusOr<v1::Record> record = DecodeRecord(log_.leaves()[i]);
      v1::Entry entry;
      if (!record.ok() || !entry.ParseFromString(record->entry())) continue;
      if (entry.has_writer_registered()) {
        v1::WriterInfo& info = writers.emplace_back();
        info.set_vkey(entry.writer_registered().vkey());
        info.set_registered_at(i);
        info.set_description(entry.writer_registered().description());
      }
      for (v1::WriterInfo& info : writers) {
        if (entry.has_writer_revoked() && info.vkey() == entry.writer_revoked().vkey()) {
          info.set_revoked(true);
          info.set_revoked_at(i);
        }
      }
    }
    return writers;
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
    ScannedSource source(log_);
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

// Found by tests/fuzz/bundle_fuzz.cc (its corpus keeps the input): the
// findings of writer lines were added after the auditor's, past max_findings.
TEST_F(BundleTest, WriterLineFindingsStayWithinMaxFindings) {
  std::string bundle = Export({});
  std::string writer_lines;
  for (int i = 0; i < 40; ++i) {
    writer_lines += "{\"type\":\"writer\",\"vkey\":\"nobody+" + std::to_string(i) +
                    "\",\"registered_at\":" + std::to_string(i) + ",\"description\":\"\"}\n";
  }
  bundle.insert(bundle.find('\n') + 1, writer_lines);
  std::istringstream in(bundle);
  absl::StatusOr<BundleAudit> audit =
      VerifyBundle(in, log_.log_key().verifier(), {.threads = 0, .max_findings = 10});
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->report.findings.size(), 10u);
  EXPECT_EQ(audit->report.findings_omitted, 30u);
  EXPECT_FALSE(audit->report.ok());
  // The first ones, by index.
  EXPECT_EQ(audit->report.findings.front().index, 0u);
  EXPECT_EQ(audit->report.findings.back().index, 9u);
}

TEST_F(BundleTest, MoreWriterLinesThanTheBoundIsAReadingErrorNotMemory) {
  std::string bundle = Export({});
  std::string writer_lines;
  for (size_t i = 0; i <= kMaxBundleWriterLines; ++i) {
    writer_lines += "{\"type\":\"writer\",\"vkey\":\"n+" + std::to_string(i) +
                    "\",\"registered_at\":0}\n";
  }
  bundle.insert(bundle.find('\n') + 1, writer_lines);
  std::istringstream in(bundle);
  absl::StatusOr<BundleAudit> audit =
      VerifyBundle(in, log_.log_key().verifier(), {.threads = 0});
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(audit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(audit.status().message().find("writer lines"), std::string::npos) << audit.status();
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

// ---- Filtered and disclosed bundles ------------------------------------------------


// The log: 0 genesis, 1 svc-posts registered, 2..21 generic, 22 svc-policy
// registered, 23..32 policy events by svc-policy with two personal-data
// commitments each, 33 svc-policy revoked, 34..43 generic.
class FilteredBundleTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kPolicyRegistered = 22;
  static constexpr uint64_t kPolicyRevoked = 33;

  FilteredBundleTest() : policy_writer_(testing::MustGenerate("svc-policy")) {}

  void SetUp() override {
    log_.AddGeneric(20);
    log_.Register(policy_writer_);
    for (int i = 0; i < 10; ++i) {
      const uint64_t index = log_.size();
      auto salt = [index](size_t n) { return std::string(n, static_cast<char>('a' + index % 26)); };
      std::vector<v1::PersonalDataOpening> openings = {
          policy::NewOpening("citizen_handle", "@ciudadana" + std::to_string(index), salt),
          policy::NewOpening("comment_text", "Comentario número " + std::to_string(index), salt)};
      v1::Entry entry;
      entry.set_writer(policy_writer_.name());
      entry.set_request_id("policy-" + std::to_string(index));
      v1::PolicyEvent& event = *entry.mutable_policy();
      event.mutable_actor()->set_email("jperez@pasto.gov.co");
      event.mutable_account()->set_platform(v1::FACEBOOK);
      event.mutable_account()->set_handle("alcaldiapasto");
      event.mutable_reply_published()->set_platform_comment_id("c-" + std::to_string(index));
      for (const v1::PersonalDataOpening& opening : openings) {
        *event.add_personal_data() = policy::CommitmentOf(opening);
      }
      log_.Append(policy_writer_, entry);
      openings_[index] = openings;
    }
    log_.Revoke(policy_writer_);
    log_.AddGeneric(10);
    ASSERT_EQ(log_.size(), 44u);
  }

  std::string ExportOf(std::vector<uint64_t> indexes, uint64_t from = 0,
                       std::optional<uint64_t> to = std::nullopt, bool disclosed = false) {
    ScannedSource source(log_);
    SelectionExportOptions options{.from = from, .to = to, .indexes = indexes,
                                   .query = "type=reply_published account=facebook/alcaldiapasto"};
    if (disclosed) {
      options.openings = [this](uint64_t index) -> absl::StatusOr<std::vector<v1::PersonalDataOpening>> {
        auto it = openings_.find(index);
        if (it == openings_.end()) return std::vector<v1::PersonalDataOpening>{};
        return it->second;
      };
    }
    std::ostringstream out;
    absl::Status status = ExportSelection(source, log_.log_key().verifier(), options, out);
    EXPECT_TRUE(status.ok()) << status;
    return out.str();
  }

  absl::StatusOr<BundleAudit> Verify(const std::string& bundle) {
    std::istringstream in(bundle);
    BundleHooks hooks;
    hooks.opening_checker = &opening_checker_;
    return VerifyBundle(in, log_.log_key().verifier(), {.threads = 2}, hooks);
  }

  const policy::CommitmentOpeningChecker opening_checker_;

  // The indexes of the trust lines and of the record lines of `bundle`.
  static std::vector<uint64_t> LineIndexes(const std::string& bundle, std::string_view type) {
    std::vector<uint64_t> indexes;
    for (const std::string& line : Lines(bundle)) {
      absl::StatusOr<JsonObject> object = JsonObject::Parse(line);
      if (object.ok() && object->String("type").value_or("") == type) indexes.push_back(*object->Uint("index"));
    }
    return indexes;
  }

  static std::vector<std::string> Lines(const std::string& bundle) {
    std::vector<std::string> lines;
    std::istringstream in(bundle);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  static std::string Join(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    return out;
  }
  // The position in Lines() of the `type` line of record `index`.
  static size_t LineOf(const std::vector<std::string>& lines, std::string_view type, uint64_t index) {
    const std::string prefix = absl::StrCat("{\"type\":\"", std::string(type), "\",\"index\":", index, ",");
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind(prefix, 0) == 0) return i;
    }
    ADD_FAILURE() << "no " << type << " line " << index;
    return 0;
  }

  static std::string Describe(const AuditReport& report) {
    std::string out;
    for (const AuditFinding& finding : report.findings) out += FindingText(finding) + "\n";
    return out;
  }
  static bool HasFinding(const AuditReport& report, uint64_t index, FindingKind kind,
                         std::string_view text = "") {
    for (const AuditFinding& finding : report.findings) {
      if (finding.index == index && finding.kind == kind &&
          finding.reason.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  BuiltLog log_;
  Signer policy_writer_;
  std::map<uint64_t, std::vector<v1::PersonalDataOpening>> openings_;
};

TEST_F(FilteredBundleTest, SelectionWithGapsVerifiesThroughProofs) {
  const std::vector<uint64_t> selected = {5, 6, 10, 25, 27, 40};
  const std::string bundle = ExportOf(selected);
  EXPECT_THAT(Lines(bundle)[0],
              HasSubstr(",\"proofs\":true,\"filtered\":true,\"query\":\"type=reply_published "
                        "account=facebook/alcaldiapasto\"}"));
  // Trust lines: every administration record before the end not selected, some
  // after record lines' indexes.
  EXPECT_EQ(LineIndexes(bundle, "trust"), (std::vector<uint64_t>{0, 1, kPolicyRegistered, kPolicyRevoked}));
  EXPECT_EQ(LineIndexes(bundle, "record"), selected);
  EXPECT_THAT(bundle, HasSubstr("{\"type\":\"end\",\"records\":6}\n"));
  EXPECT_THAT(bundle, Not(HasSubstr("personal_data")));

  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->report.ok()) << Describe(audit->report);
  EXPECT_FALSE(audit->full);
  EXPECT_TRUE(audit->header.filtered);
  EXPECT_FALSE(audit->header.disclosed);
  EXPECT_EQ(audit->header.query, "type=reply_published account=facebook/alcaldiapasto");
  EXPECT_EQ(audit->report.records, selected.size());
  EXPECT_EQ(audit->report.first_index, 5u);
  EXPECT_EQ(audit->openings_verified, 0u);
  ASSERT_EQ(audit->report.writers.size(), 2u);
  EXPECT_EQ(audit->report.writers[1].revoked_at, std::optional<uint64_t>(kPolicyRevoked));
}

TEST_F(FilteredBundleTest, SelectionWithinASubrangeVerifies) {
  const std::string bundle = ExportOf({21, 25, 26}, 20, 30);
  // The revocation (33) is after the range: not needed, not there.
  EXPECT_EQ(LineIndexes(bundle, "trust"), (std::vector<uint64_t>{0, 1, kPolicyRegistered}));
  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->report.ok()) << Describe(audit->report);
  EXPECT_EQ(audit->report.records, 3u);

  // An empty selection is a valid (if dull) bundle.
  audit = Verify(ExportOf({}, 20, 30));
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->report.ok()) << Describe(audit->report);
  EXPECT_EQ(audit->report.records, 0u);
}

TEST_F(FilteredBundleTest, AdministrationRecordsSelectedOrNotVerify) {
  for (const std::vector<uint64_t>& selected : std::vector<std::vector<uint64_t>>{
           {kPolicyRegistered, 25},              // the registration is a record line
           {0, 1, 25, 30},                       // genesis and the first registration too
           {24, kPolicyRevoked, 40},             // the revocation is a record line
           {0, 1, kPolicyRegistered, 23, kPolicyRevoked}}) {  // no trust lines at all
    const std::string bundle = ExportOf(selected);
    for (const uint64_t trust : LineIndexes(bundle, "trust")) {
      EXPECT_FALSE(std::binary_search(selected.begin(), selected.end(), trust)) << trust;
    }
    // The four administration records (0, 1, 22, 33) are there once each.
    const auto administration = [](uint64_t i) {
      return i <= 1 || i == kPolicyRegistered || i == kPolicyRevoked;
    };
    EXPECT_EQ(LineIndexes(bundle, "trust").size() +
                  std::count_if(selected.begin(), selected.end(), administration),
              4u);
    absl::StatusOr<BundleAudit> audit = Verify(bundle);
    ASSERT_TRUE(audit.ok()) << audit.status();
    EXPECT_TRUE(audit->report.ok()) << "selection of " << selected.size() << " from "
                                    << selected[0] << ": " << Describe(audit->report);
    EXPECT_EQ(audit->report.records, selected.size());
  }
}

TEST_F(FilteredBundleTest, DisclosedOpeningsVerifyAgainstTheirCommitments) {
  // 25 and 27 with their openings; 27's comment erased (no opening); 40 has no
  // personal data at all.
  openings_[27].pop_back();
  const std::string bundle = ExportOf({25, 27, 40}, 0, std::nullopt, /*disclosed=*/true);
  EXPECT_THAT(Lines(bundle)[0], HasSubstr(",\"disclosed\":true}"));
  const std::vector<std::string> lines = Lines(bundle);
  EXPECT_THAT(lines[LineOf(lines, "record", 25)],
              HasSubstr(absl::StrCat(",\"personal_data\":[{\"field\":\"citizen_handle\",\"salt\":\"",
                                     Base64Encode(openings_[25][0].salt()),
                                     "\",\"value\":\"@ciudadana25\"},{\"field\":\"comment_text\"")));
  EXPECT_THAT(lines[LineOf(lines, "record", 40)], Not(HasSubstr("personal_data")));
  absl::StatusOr<BundleAudit> audit = Verify(bundle);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_TRUE(audit->report.ok()) << Describe(audit->report);
  EXPECT_TRUE(audit->header.disclosed);
  EXPECT_EQ(audit->openings_verified, 3u);
}

// Openings are checked through the OpeningChecker the caller wires in
// (the policy's scheme); without one, none can be taken as verified.
TEST_F(FilteredBundleTest, OpeningsWithoutACheckerAreFindings) {
  const std::string bundle = ExportOf({25, 40}, 0, std::nullopt, /*disclosed=*/true);
  std::istringstream in(bundle);
  absl::StatusOr<BundleAudit> audit = VerifyBundle(in, log_.log_key().verifier(), {.threads = 2});
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->openings_verified, 0u);
  EXPECT_TRUE(HasFinding(audit->report, 25, FindingKind::kPersonalData, "no checker"))
      << Describe(audit->report);

  // A checker that refuses everything is obeyed.
  class Refusing final : public OpeningChecker {
   public:
    absl::Status Check(const v1::PersonalDataOpening&,
                       const v1::PersonalDataCommitment&) const override {
      return absl::InvalidArgumentError("refused by the test checker");
    }
  };
  const Refusing refusing;
  BundleHooks hooks;
  hooks.opening_checker = &refusing;
  std::istringstream again(bundle);
  audit = VerifyBundle(again, log_.log_key().verifier(), {.threads = 2}, hooks);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->openings_verified, 0u);
  EXPECT_TRUE(HasFinding(audit->report, 25, FindingKind::kPersonalData, "refused by the test checker"))
      << Describe(audit->report);
}

TEST_F(FilteredBundleTest, TamperingIsAFindingNamingTheRecord) {
  const std::string bundle = ExportOf({10, 25, 27, 40}, 0, std::nullopt, /*disclosed=*/true);
  const std::vector<std::string> lines = Lines(bundle);
  auto verify = [&](const std::vector<std::string>& tampered) {
    absl::StatusOr<BundleAudit> audit = Verify(Join(tampered));
    EXPECT_TRUE(audit.ok()) << audit.status();
    return audit.ok() ? audit->report : AuditReport{};
  };
  auto replace = [](std::string& line, const std::string& from, const std::string& to) {
    const size_t at = line.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    line.replace(at, from.size(), to);
  };

  {  // A byte of a record's leaf.
    std::vector<std::string> tampered = lines;
    std::string leaf = log_.leaves()[25];
    leaf[leaf.size() / 2] ^= 0x01;
    replace(tampered[LineOf(lines, "record", 25)], Base64Encode(log_.leaves()[25]), Base64Encode(leaf));
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kInclusion)) << Describe(report);
  }
  {  // A hash of a record's proof.
    std::vector<std::string> tampered = lines;
    const std::string proof0 = Base64Encode(AsBytes(log_.Proof(27)[0]));
    replace(tampered[LineOf(lines, "record", 27)], proof0, Base64Encode(std::string(32, '\x07')));
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 27, FindingKind::kInclusion)) << Describe(report);
  }
  {  // The registration record 25 needs.
    std::vector<std::string> tampered = lines;
    tampered.erase(tampered.begin() + static_cast<long>(LineOf(lines, "trust", kPolicyRegistered)));
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kTrust, "not registered before this record"))
        << Describe(report);
    EXPECT_TRUE(HasFinding(report, 27, FindingKind::kTrust)) << Describe(report);
    EXPECT_FALSE(HasFinding(report, 10, FindingKind::kTrust)) << Describe(report);
  }
  {  // An opening's value.
    std::vector<std::string> tampered = lines;
    replace(tampered[LineOf(lines, "record", 25)], "@ciudadana25", "@ciudadano25");
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kPersonalData, "\"citizen_handle\""))
        << Describe(report);
    EXPECT_EQ(report.findings.size(), 1u) << Describe(report);
  }
  {  // An opening's salt.
    std::vector<std::string> tampered = lines;
    std::string salt = openings_[27][1].salt();
    salt[0] ^= 0x01;
    std::string& line = tampered[LineOf(lines, "record", 27)];
    const std::string comment = absl::StrCat("{\"field\":\"comment_text\",\"salt\":\"");
    const size_t at = line.find(comment) + comment.size();
    line.replace(at, Base64Encode(openings_[27][1].salt()).size(), Base64Encode(salt));
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 27, FindingKind::kPersonalData, "\"comment_text\""))
        << Describe(report);
    // A salt of the wrong length.
    line = lines[LineOf(lines, "record", 27)];
    line.replace(at, Base64Encode(openings_[27][1].salt()).size(), Base64Encode("short"));
    EXPECT_TRUE(HasFinding(verify(tampered), 27, FindingKind::kPersonalData, "not 16"));
  }
  {  // An opening's field: another commitment's, or none of the record's.
    std::vector<std::string> tampered = lines;
    replace(tampered[LineOf(lines, "record", 25)], "\"field\":\"citizen_handle\"",
            "\"field\":\"comment_text\"");
    AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kPersonalData, "\"comment_text\"")) << Describe(report);
    tampered = lines;
    replace(tampered[LineOf(lines, "record", 25)], "\"field\":\"citizen_handle\"",
            "\"field\":\"citizen_name\"");
    report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kPersonalData, "no commitment")) << Describe(report);
    EXPECT_EQ(FindingText(report.findings[0]).rfind("record 25: personal_data: opening of \"citizen_name\"", 0), 0u)
        << FindingText(report.findings[0]);
  }
  {  // Openings in a bundle that does not say it discloses.
    std::vector<std::string> tampered = lines;
    replace(tampered[0], ",\"disclosed\":true", "");
    const AuditReport report = verify(tampered);
    EXPECT_TRUE(HasFinding(report, 25, FindingKind::kPersonalData, "\"disclosed\"")) << Describe(report);
    EXPECT_TRUE(HasFinding(report, 27, FindingKind::kPersonalData, "\"disclosed\"")) << Describe(report);
  }
}

TEST_F(FilteredBundleTest, ReadingErrorsNameTheLine) {
  auto expect_error = [&](const std::vector<std::string>& lines, const std::string& what) {
    absl::StatusOr<BundleAudit> audit = Verify(Join(lines));
    ASSERT_FALSE(audit.ok()) << what;
    EXPECT_EQ(audit.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(audit.status().message()), HasSubstr(what));
  };
  const std::vector<std::string> filtered = Lines(ExportOf({10, 25, 27, 40}));
  {  // Decreasing indexes.
    std::vector<std::string> lines = filtered;
    const size_t at = LineOf(lines, "record", 25);
    std::swap(lines[at], lines[at + 1]);
    expect_error(lines, absl::StrCat("bundle line ", at + 2, ": record 25 after a later record"));
  }
  {  // Without proofs.
    std::vector<std::string> lines = filtered;
    lines[0].replace(lines[0].find("\"proofs\":true"), 13, "\"proofs\":false");
    expect_error(lines, "bundle line 1: a filtered bundle must carry inclusion proofs");
  }
  {  // A record line that repeats a trust line.
    std::vector<std::string> lines = filtered;
    std::string copy = lines[LineOf(lines, "trust", kPolicyRegistered)];
    copy.replace(0, std::string("{\"type\":\"trust\"").size(), "{\"type\":\"record\"");
    const size_t at = LineOf(lines, "record", 25);
    lines.insert(lines.begin() + static_cast<long>(at), copy);
    lines[lines.size() - 1] = "{\"type\":\"end\",\"records\":5}";
    expect_error(lines, absl::StrCat("bundle line ", at + 1, ": record 22 repeats a trust line"));
  }
  {  // Trust lines out of order.
    std::vector<std::string> lines = filtered;
    const size_t at = LineOf(lines, "trust", kPolicyRegistered);
    std::swap(lines[at], lines[at + 1]);
    expect_error(lines, absl::StrCat("bundle line ", at + 2, ": trust line 22 after trust line 33"));
  }
  {  // A record beyond the range, and the end line's count.
    const std::vector<std::string> ranged = Lines(ExportOf({21, 25}, 20, 30));
    std::vector<std::string> lines = ranged;
    lines.insert(lines.end() - 1, lines[LineOf(ranged, "record", 25)]);
    std::string& beyond = lines[lines.size() - 2];
    beyond.replace(beyond.find("\"index\":25,"), 11, "\"index\":30,");
    expect_error(lines, "record 30 is beyond the range");
    lines = ranged;
    lines.back() = "{\"type\":\"end\",\"records\":3}";
    expect_error(lines, absl::StrCat("bundle line ", lines.size(), ": end line counts 3 records after 2"));
  }
  {  // A gap in a bundle that is not filtered.
    ScannedSource source(log_);
    std::ostringstream out;
    ASSERT_TRUE(ExportBundle(source, log_.log_key().verifier(), {.from = 20, .to = 30}, out).ok());
    std::vector<std::string> lines = Lines(out.str());
    const size_t at = LineOf(lines, "record", 25);
    lines.erase(lines.begin() + static_cast<long>(at));
    expect_error(lines, absl::StrCat("bundle line ", at + 1, ": record 26 where record 25 belongs"));
  }
}

TEST_F(FilteredBundleTest, WriterEnforcesTheFormat) {
  std::ostringstream out;
  BundleHeader header{.checkpoint = log_.Checkpoint(), .tree_size = 44, .from = 0, .to = 30,
                      .proofs = false, .filtered = true};
  EXPECT_EQ(BundleWriter(out).WriteHeader(header).code(), absl::StatusCode::kInvalidArgument);
  header.proofs = true;
  BundleWriter writer(out);
  ASSERT_TRUE(writer.WriteHeader(header).ok());
  auto line = [&](bool trust, uint64_t index) {
    return BundleRecordLine{.trust = trust, .index = index, .leaf = log_.leaves()[index],
                            .proof = log_.Proof(index)};
  };
  EXPECT_TRUE(writer.WriteRecord(line(true, 0)).ok());
  EXPECT_TRUE(writer.WriteRecord(line(true, kPolicyRegistered)).ok());
  EXPECT_EQ(writer.WriteRecord(line(true, 1)).code(), absl::StatusCode::kFailedPrecondition);  // order
  EXPECT_EQ(writer.WriteRecord(line(true, 30)).code(), absl::StatusCode::kFailedPrecondition);  // beyond
  EXPECT_TRUE(writer.WriteRecord(line(false, 5)).ok());
  EXPECT_EQ(writer.WriteRecord(line(true, 23)).code(), absl::StatusCode::kFailedPrecondition);  // after records
  EXPECT_EQ(writer.WriteRecord(line(false, 5)).code(), absl::StatusCode::kFailedPrecondition);  // again
  EXPECT_EQ(writer.WriteRecord(line(false, kPolicyRegistered)).code(),
            absl::StatusCode::kFailedPrecondition);  // a trust line
  BundleRecordLine opened = line(false, 25);
  opened.personal_data = openings_[25];
  EXPECT_EQ(writer.WriteRecord(opened).code(), absl::StatusCode::kFailedPrecondition);  // not disclosed
  BundleRecordLine unproven = line(false, 26);
  unproven.proof.reset();
  EXPECT_EQ(writer.WriteRecord(unproven).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer.WriteRecord(line(false, 29)).ok());
  EXPECT_TRUE(writer.Finish().ok());
  EXPECT_THAT(out.str(), HasSubstr("{\"type\":\"end\",\"records\":2}\n"));
}

TEST_F(FilteredBundleTest, SelectionOutOfOrderOrRangeIsInvalidArgument) {
  ScannedSource source(log_);
  for (const std::vector<uint64_t>& indexes :
       std::vector<std::vector<uint64_t>>{{5, 5}, {6, 5}, {19}, {30}}) {
    std::ostringstream out;
    absl::Status status = ExportSelection(
        source, log_.log_key().verifier(), {.from = 20, .to = 30, .indexes = indexes}, out);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  }
}

TEST_F(FilteredBundleTest, BundlesThatAreNotFilteredKeepTheirBytes) {
  ScannedSource source(log_);
  std::ostringstream out;
  ASSERT_TRUE(ExportBundle(source, log_.log_key().verifier(), {.from = 20, .to = 30}, out).ok());
  const std::vector<std::string> lines = Lines(out.str());
  EXPECT_TRUE(lines[0].ends_with(",\"from\":20,\"to\":30,\"proofs\":true}")) << lines[0];
  EXPECT_THAT(out.str(), Not(HasSubstr("filtered")));
  EXPECT_THAT(out.str(), Not(HasSubstr("disclosed")));
  EXPECT_EQ(LineIndexes(out.str(), "trust"), (std::vector<uint64_t>{0, 1}));
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
