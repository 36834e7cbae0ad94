// Administrator key rotation as the auditor replays it (ledger/verify/
// trust_chain.h): the administrator appoints a successor in a record signed
// by the current key; the successor administers from the next record on; the
// old key is retired for good. Tampering: the old key used after the
// rotation, an appointment signed by another key or with a forged signature,
// a retired key appointed again, a writer key or the log key appointed.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/encoding.h"
#include "ledger/verify/log_auditor.h"
#include "ledger/verify/trust_chain.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::memoria::testing::MustGenerate;
using ::testing::HasSubstr;

AuditReport Audit(BuiltLog& log) {
  LogAuditor auditor(log.log_key().verifier());
  for (size_t i = 0; i < log.leaves().size(); ++i) auditor.Add(i, log.leaves()[i]);
  EXPECT_TRUE(auditor.CheckCheckpoint(log.Checkpoint()).ok());
  return auditor.Finish();
}

std::string Describe(const AuditReport& report) {
  std::string text;
  for (const AuditFinding& finding : report.findings) text += FindingText(finding) + "\n";
  return text;
}

// Genesis (0), writer registered (1), 2 generic (2, 3), the appointment of
// `successor` by the genesis administrator (4).
BuiltLog RotatedLog(const Signer& successor) {
  BuiltLog log;
  log.AddGeneric(2);
  log.Appoint(log.admin(), successor.verifier());
  return log;
}

TEST(AdminRotationTest, SuccessorAdministersAndTheLogVerifies) {
  const Signer successor = MustGenerate("audit-admin-2026");
  BuiltLog log = RotatedLog(successor);
  const Signer newcomer = MustGenerate("svc-newcomer");
  log.RegisterBy(successor, newcomer);  // 5
  log.AddGenericBy(newcomer);           // 6
  log.AddGeneric(1);                    // 7: a writer the old administrator registered stays
  const AuditReport report = Audit(log);
  EXPECT_TRUE(report.ok()) << Describe(report);
  EXPECT_EQ(report.records, 8u);
  EXPECT_EQ(report.admin_vkey, successor.verifier().ToString());
  EXPECT_EQ(report.writers.size(), 2u);
}

TEST(AdminRotationTest, RetiredAdministratorRegisteringIsATrustFinding) {
  const Signer successor = MustGenerate("audit-admin-2026");
  BuiltLog log = RotatedLog(successor);
  const Signer rogue = MustGenerate("svc-rogue");
  log.RegisterBy(log.admin(), rogue);  // 5: the old key, after the rotation
  log.AddGenericBy(rogue);             // 6: so the rogue writer was never registered
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 2u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 5u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kTrust);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("the administrator key retired at record 4"));
  EXPECT_THAT(report.findings[0].reason, HasSubstr(successor.verifier().ToString()));
  EXPECT_EQ(report.findings[1].index, 6u);
  EXPECT_THAT(report.findings[1].reason, HasSubstr("not registered"));
}

TEST(AdminRotationTest, RetiredAdministratorAppointingAgainIsATrustFinding) {
  const Signer successor = MustGenerate("audit-admin-2026");
  BuiltLog log = RotatedLog(successor);
  const Signer usurper = MustGenerate("audit-admin-usurper");
  log.Appoint(log.admin(), usurper.verifier());  // 5: the retired key tries to hand over again
  log.RegisterBy(usurper, MustGenerate("svc-x"));  // 6: the usurper never became administrator
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 2u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 5u);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("administrator appointment signed by"));
  EXPECT_THAT(report.findings[0].reason, HasSubstr("retired at record 4"));
  EXPECT_EQ(report.findings[1].index, 6u);
  EXPECT_EQ(report.admin_vkey, successor.verifier().ToString());
}

TEST(AdminRotationTest, RetiredAdministratorSigningAnEntryIsATrustFinding) {
  const Signer successor = MustGenerate("audit-admin-2026");
  BuiltLog log = RotatedLog(successor);
  log.AddGenericBy(log.admin());  // 5
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 1u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 5u);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("the administrator key retired at record 4"));
}

TEST(AdminRotationTest, AppointmentSignedByAnotherKeyIsATrustFindingAndChangesNothing) {
  BuiltLog log;
  const Signer forger = MustGenerate("audit-admin");  // the administrator's name, another key
  const Signer successor = MustGenerate("audit-admin-forged");
  log.Appoint(forger, successor.verifier());       // 2
  log.RegisterBy(successor, MustGenerate("svc-y"));  // 3
  log.Register(MustGenerate("svc-z"));               // 4: the genesis administrator still administers
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 2u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 2u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kTrust);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("not by the administrator key"));
  EXPECT_EQ(report.findings[1].index, 3u);
  EXPECT_EQ(report.admin_vkey, log.admin().verifier().ToString());
}

TEST(AdminRotationTest, AppointmentWithAForgedSignatureIsASignatureFinding) {
  BuiltLog log;
  const Signer successor = MustGenerate("audit-admin-2026");
  const Signer forger = MustGenerate("audit-admin");
  const v1::Entry entry = BuiltLog::AppointmentEntry(log.admin().name(), successor.verifier());
  // The administrator's key ID, another key's signature.
  log.AppendWithSignature(log.admin().key_id(), entry,
                          forger.Sign(EntrySignedMessage(entry.SerializeAsString())));  // 2
  log.RegisterBy(successor, MustGenerate("svc-y"));                                      // 3
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 2u) << Describe(report);
  EXPECT_EQ(report.findings[0].index, 2u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kSignature);
  EXPECT_EQ(report.findings[1].index, 3u);
  EXPECT_EQ(report.admin_vkey, log.admin().verifier().ToString());
}

TEST(AdminRotationTest, SuccessorMustBeANewKey) {
  BuiltLog log;
  log.Appoint(log.admin(), log.admin().verifier());   // 2: itself
  log.Appoint(log.admin(), log.writer().verifier());  // 3: a writer key
  log.Appoint(log.admin(), log.log_key().verifier()); // 4: the log key
  const Signer second = MustGenerate("audit-admin-2");
  log.Appoint(log.admin(), second.verifier());        // 5: allowed
  log.Appoint(second, log.admin().verifier());        // 6: back to the retired key
  const AuditReport report = Audit(log);
  ASSERT_EQ(report.findings.size(), 4u) << Describe(report);
  EXPECT_THAT(report.findings[0].reason, HasSubstr("appoints the current administrator"));
  EXPECT_THAT(report.findings[1].reason, HasSubstr("appoints the writer key"));
  EXPECT_THAT(report.findings[2].reason, HasSubstr("appoints the log key"));
  EXPECT_EQ(report.findings[3].index, 6u);
  EXPECT_THAT(report.findings[3].reason, HasSubstr("appoints the retired administrator"));
  EXPECT_EQ(report.admin_vkey, second.verifier().ToString());
}

TEST(AdminRotationTest, TrustChainRules) {
  const Signer log_key = MustGenerate("t/log");
  const Signer first = MustGenerate("admin-1");
  const Signer second = MustGenerate("admin-2");
  TrustChain chain;
  EXPECT_FALSE(chain.Appoint(second.verifier(), second.verifier().ToString(), 3));  // no genesis
  ASSERT_TRUE(chain.SetAdministrator(first.verifier(), first.verifier().ToString()));
  EXPECT_EQ(MayAppoint(chain, second.verifier(), log_key.verifier()), TrustVerdict::kAllowed);
  EXPECT_EQ(MayAppoint(chain, first.verifier(), log_key.verifier()), TrustVerdict::kSameAdministrator);
  ASSERT_TRUE(chain.Appoint(second.verifier(), second.verifier().ToString(), 7));
  EXPECT_EQ(chain.administrator_vkey(), second.verifier().ToString());
  ASSERT_EQ(chain.retired_administrators().size(), 1u);
  EXPECT_EQ(chain.retired_administrators()[0].retired_at, 7u);
  EXPECT_EQ(MayAppoint(chain, first.verifier(), log_key.verifier()), TrustVerdict::kRetiredForever);
  EXPECT_NE(chain.FindRetiredAdministrator(first.key_id(), first.name()), nullptr);
  EXPECT_EQ(RequiredSigner(v1::Entry::kAdministratorAppointed), SigningKey::kAdministrator);
}

}  // namespace
}  // namespace memoria
