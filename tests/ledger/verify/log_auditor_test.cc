// LogAuditor over logs built in memory: a clean log passes; each kind of
// damage is reported at its index, and checking goes on after it.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/verify/auditor_resume.h"
#include "ledger/encoding.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::memoria::testing::MustGenerate;
using ::testing::HasSubstr;

AuditReport Audit(BuiltLog& log, const std::string& note, AuditOptions options = {}) {
  LogAuditor auditor(log.log_key().verifier(), options);
  for (size_t i = 0; i < log.leaves().size(); ++i) auditor.Add(i, log.leaves()[i]);
  (void)auditor.CheckCheckpoint(note);
  return auditor.Finish();
}

bool HasFinding(const AuditReport& report, uint64_t index, FindingKind kind) {
  for (const AuditFinding& finding : report.findings) {
    if (finding.index == index && finding.kind == kind) return true;
  }
  return false;
}

std::string Describe(const AuditReport& report) {
  std::string text;
  for (const AuditFinding& finding : report.findings) text += FindingText(finding) + "\n";
  return text;
}

TEST(LogAuditorTest, CleanLogVerifiesWithAndWithoutThePool) {
  BuiltLog log;
  log.AddGeneric(2000);
  for (const int threads : {0, 1, 2}) {
    AuditReport report = Audit(log, log.Checkpoint(), {.threads = threads, .chunk_records = 64});
    EXPECT_TRUE(report.ok()) << Describe(report);
    EXPECT_EQ(report.records, log.size());
    EXPECT_EQ(report.invalid_records, 0u);
    EXPECT_EQ(report.admin_vkey, log.admin().verifier().ToString());
    ASSERT_EQ(report.writers.size(), 1u);
    EXPECT_EQ(report.writers[0].registered_at, 1u);
  }
}

TEST(LogAuditorTest, AlteredSignatureIsReportedAtItsRecordAndNextChainLinkBreaks) {
  BuiltLog log;
  log.AddGeneric(300);
  const std::string note = log.Checkpoint();
  std::string& leaf = log.leaves()[123];
  leaf[leaf.size() / 2] ^= 0x20;  // inside the entry: its signature fails
  AuditReport report = Audit(log, note);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(HasFinding(report, 123, FindingKind::kSignature) ||
              HasFinding(report, 123, FindingKind::kMalformed))
      << Describe(report);
  EXPECT_TRUE(HasFinding(report, 124, FindingKind::kChain)) << Describe(report);
  EXPECT_TRUE(HasFinding(report, log.size(), FindingKind::kRoot)) << Describe(report);
  EXPECT_EQ(report.invalid_records, 2u);
}

TEST(LogAuditorTest, EveryProblemIsReportedNotOnlyTheFirst) {
  BuiltLog log;
  log.AddGeneric(500);
  const std::string note = log.Checkpoint();
  for (const size_t index : {10, 200, 400}) log.leaves()[index][5] ^= 0x01;
  AuditReport report = Audit(log, note, {.threads = 2, .chunk_records = 16});
  for (const uint64_t index : {10u, 200u, 400u}) {
    bool found = false;
    for (const AuditFinding& finding : report.findings) found |= finding.index == index;
    EXPECT_TRUE(found) << index << "\n" << Describe(report);
  }
}

TEST(LogAuditorTest, FindingsAreCappedAndTheRestCounted) {
  BuiltLog log;
  log.AddGeneric(100);
  const std::string note = log.Checkpoint();
  for (size_t i = 2; i < log.leaves().size(); ++i) log.leaves()[i][5] ^= 0x01;
  AuditReport report = Audit(log, note, {.max_findings = 10});
  EXPECT_EQ(report.findings.size(), 10u);
  EXPECT_GT(report.findings_omitted, 0u);
}

TEST(LogAuditorTest, EntryByUnregisteredWriterIsATrustFinding) {
  BuiltLog log;
  log.AddGeneric(5);
  const Signer stranger = MustGenerate("svc-stranger");
  v1::Entry entry;
  entry.set_writer(stranger.name());
  entry.set_request_id("x");
  entry.mutable_generic()->set_type("post.published");
  log.Append(stranger, entry);
  AuditReport report = Audit(log, log.Checkpoint());
  ASSERT_EQ(report.findings.size(), 1u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 7u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kTrust);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("not registered"));
}

TEST(LogAuditorTest, EntryAfterRevocationIsATrustFinding) {
  BuiltLog log;
  log.AddGeneric(3);
  log.Revoke(log.writer());
  log.AddGeneric(1);
  AuditReport report = Audit(log, log.Checkpoint());
  ASSERT_EQ(report.findings.size(), 1u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 6u);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("revoked at record 5"));
}

TEST(LogAuditorTest, RegistrationNotByTheAdministratorIsATrustFinding) {
  BuiltLog log;
  const Signer rogue = MustGenerate("svc-rogue");
  v1::Entry entry;
  entry.set_writer(log.writer().name());
  entry.set_request_id("self-register");
  entry.mutable_writer_registered()->set_vkey(rogue.verifier().ToString());
  log.Append(log.writer(), entry);
  AuditReport report = Audit(log, log.Checkpoint());
  EXPECT_TRUE(HasFinding(report, 2, FindingKind::kTrust)) << Describe(report);
}

TEST(LogAuditorTest, LogWithoutGenesisIsATrustFinding) {
  BuiltLog log;
  log.AddGeneric(3);
  LogAuditor auditor(log.log_key().verifier());
  // Feed records 1.. as if they were 0..: index and chain findings, and no genesis.
  auditor.Add(0, log.leaves()[1]);
  AuditReport report = auditor.Finish();
  EXPECT_TRUE(HasFinding(report, 0, FindingKind::kTrust)) << Describe(report);
}

TEST(LogAuditorTest, CheckpointByAnotherKeyIsRejected) {
  BuiltLog log;
  log.AddGeneric(3);
  const Signer other = MustGenerate("audit.test/log");
  AuditReport report = Audit(log, log.CheckpointOf(other));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.findings[0].kind, FindingKind::kCheckpoint);
}

TEST(LogAuditorTest, MissingRecordsAreTruncation) {
  BuiltLog log;
  log.AddGeneric(10);
  const std::string note = log.Checkpoint();
  LogAuditor auditor(log.log_key().verifier());
  for (size_t i = 0; i < 8; ++i) auditor.Add(i, log.leaves()[i]);
  (void)auditor.CheckCheckpoint(note);
  AuditReport report = auditor.Finish();
  EXPECT_TRUE(HasFinding(report, 8, FindingKind::kTruncated)) << Describe(report);
}

TEST(LogAuditorTest, PartialRangeVerifiesThroughProofsAndTrustRecords) {
  BuiltLog log;
  log.AddGeneric(100);
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(log.Checkpoint(), log.log_key().verifier());
  ASSERT_TRUE(checkpoint.ok());
  LogAuditor auditor(log.log_key().verifier());
  auditor.AddTrust(0, log.leaves()[0], log.Proof(0), *checkpoint);
  auditor.AddTrust(1, log.leaves()[1], log.Proof(1), *checkpoint);
  for (uint64_t i = 40; i < 60; ++i) auditor.AddProven(i, log.leaves()[i], log.Proof(i), *checkpoint);
  AuditReport report = auditor.Finish();
  EXPECT_TRUE(report.ok()) << Describe(report);
  EXPECT_EQ(report.records, 20u);

  LogAuditor damaged(log.log_key().verifier());
  damaged.AddTrust(0, log.leaves()[0], log.Proof(0), *checkpoint);
  damaged.AddTrust(1, log.leaves()[1], log.Proof(1), *checkpoint);
  std::string leaf = log.leaves()[45];
  leaf[7] ^= 0x01;
  damaged.AddProven(45, leaf, log.Proof(45), *checkpoint);
  AuditReport bad = damaged.Finish();
  EXPECT_TRUE(HasFinding(bad, 45, FindingKind::kInclusion)) << Describe(bad);
}


// A resume point taken after m records, through its text form, lets a new
// auditor check the rest alone with the same outcome; the chain tip and the
// trust chain it holds are enforced, and a garbled text is refused.
TEST(LogAuditorResumeTest, ResumingAfterACleanPrefixAuditsOnlyTheRest) {
  BuiltLog log;
  log.AddGeneric(100);
  const Signer second = MustGenerate("svc-second");
  log.Register(second);
  log.Revoke(log.writer());
  const uint64_t m = log.size();
  v1::Entry entry;
  entry.set_writer(second.name());
  entry.set_request_id("after");
  entry.mutable_generic()->set_type("post.published");
  log.Append(second, entry);

  AuditorResume point;
  {
    LogAuditor first(log.log_key().verifier());
    for (uint64_t i = 0; i < m; ++i) first.Add(i, log.leaves()[i]);
    point = first.ResumePoint();
    ASSERT_TRUE(first.Finish().ok());
  }
  EXPECT_EQ(point.size, m);
  ASSERT_EQ(point.writers.size(), 2u);
  EXPECT_TRUE(point.writers[0].revoked_at.has_value());
  absl::StatusOr<AuditorResume> decoded = DecodeAuditorResume(EncodeAuditorResume(point));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeAuditorResume(*decoded), EncodeAuditorResume(point));

  LogAuditor rest(log.log_key().verifier());
  ASSERT_TRUE(rest.Resume(*decoded).ok());
  for (uint64_t i = m; i < log.size(); ++i) rest.Add(i, log.leaves()[i]);
  ASSERT_TRUE(rest.CheckCheckpoint(log.Checkpoint()).ok());
  AuditReport report = rest.Finish();
  EXPECT_TRUE(report.ok()) << report.findings.size();
  EXPECT_EQ(report.records, 1u);

  // The revocation the resume point holds is enforced: a record by the
  // revoked writer after it is a trust finding.
  entry.set_writer(log.writer().name());
  entry.set_request_id("revoked");
  log.Append(log.writer(), entry);
  LogAuditor strict(log.log_key().verifier());
  ASSERT_TRUE(strict.Resume(point).ok());
  for (uint64_t i = m; i < log.size(); ++i) strict.Add(i, log.leaves()[i]);
  report = strict.Finish();
  EXPECT_TRUE(HasFinding(report, log.size() - 1, FindingKind::kTrust));
}

TEST(LogAuditorResumeTest, AWrongTipOrTreeIsFoundAndGarbledTextRefused) {
  BuiltLog log;
  log.AddGeneric(50);
  LogAuditor first(log.log_key().verifier());
  for (uint64_t i = 0; i < 30; ++i) first.Add(i, log.leaves()[i]);
  AuditorResume point = first.ResumePoint();
  (void)first.Finish();

  AuditorResume tip = point;
  tip.last_leaf_hash[0] ^= 1;
  LogAuditor chained(log.log_key().verifier());
  ASSERT_TRUE(chained.Resume(tip).ok());
  for (uint64_t i = 30; i < log.size(); ++i) chained.Add(i, log.leaves()[i]);
  (void)chained.CheckCheckpoint(log.Checkpoint());
  AuditReport report = chained.Finish();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.findings[0].index, 30u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kChain);

  AuditorResume tree = point;
  tree.range[0][5] ^= 1;
  LogAuditor rooted(log.log_key().verifier());
  ASSERT_TRUE(rooted.Resume(tree).ok());
  for (uint64_t i = 30; i < log.size(); ++i) rooted.Add(i, log.leaves()[i]);
  (void)rooted.CheckCheckpoint(log.Checkpoint());
  report = rooted.Finish();
  EXPECT_TRUE(HasFinding(report, log.size(), FindingKind::kRoot));

  AuditorResume shape = point;
  shape.range.pop_back();
  LogAuditor refused(log.log_key().verifier());
  EXPECT_FALSE(refused.Resume(shape).ok());

  std::string text = EncodeAuditorResume(point);
  EXPECT_FALSE(DecodeAuditorResume(text.substr(0, text.size() - 3)).ok());
  EXPECT_FALSE(DecodeAuditorResume("memoria-auditor-resume-v1\nsize x\n").ok());
  EXPECT_FALSE(DecodeAuditorResume("hello\n").ok());
}

}  // namespace
}  // namespace memoria
