// ledger/verify/trust_chain.h: the rules the sequencer enforces and the
// auditor re-checks, and the chain as the auditor replays it.
#include "ledger/verify/trust_chain.h"

#include <optional>

#include "gtest/gtest.h"
#include "ledger/verify/log_auditor.h"
#include "tests/ledger/verify/built_log.h"

namespace memoria {
namespace {

using ::memoria::testing::BuiltLog;
using ::memoria::testing::MustGenerate;

TEST(TrustChainTest, WhoSignsWhichEntry) {
  EXPECT_EQ(RequiredSigner(v1::Entry::kGenesis), SigningKey::kLogKey);
  EXPECT_EQ(RequiredSigner(v1::Entry::kWriterRegistered), SigningKey::kAdministrator);
  EXPECT_EQ(RequiredSigner(v1::Entry::kWriterRevoked), SigningKey::kAdministrator);
  EXPECT_EQ(RequiredSigner(v1::Entry::kGeneric), SigningKey::kWriter);
  EXPECT_EQ(RequiredSigner(v1::Entry::kPolicy), SigningKey::kWriter);

  const Signer admin = MustGenerate("admin");
  EXPECT_TRUE(SignedBy(admin.verifier(), admin.key_id(), "admin"));
  EXPECT_FALSE(SignedBy(admin.verifier(), admin.key_id(), "svc-posts"));  // another name
  EXPECT_FALSE(SignedBy(admin.verifier(), admin.key_id() ^ 1, "admin"));  // another key id
}

TEST(TrustChainTest, OnlyARegisteredUnrevokedKeySigns) {
  EXPECT_EQ(MayWriterSign(std::nullopt), TrustVerdict::kNotRegistered);
  EXPECT_EQ(MayWriterSign(WriterStanding{.registered_at = 3}), TrustVerdict::kAllowed);
  EXPECT_EQ(MayWriterSign(WriterStanding{.registered_at = 3, .revoked_at = 9}), TrustVerdict::kRevoked);
}

TEST(TrustChainTest, AKeyIsRegisteredOnceAndRevokedOnce) {
  EXPECT_EQ(MayRegister(std::nullopt), TrustVerdict::kAllowed);
  EXPECT_EQ(MayRegister(WriterStanding{.registered_at = 3}), TrustVerdict::kAlreadyRegistered);
  // A revoked key is never registered again.
  EXPECT_EQ(MayRegister(WriterStanding{.registered_at = 3, .revoked_at = 9}),
            TrustVerdict::kRevokedForever);

  EXPECT_EQ(MayRevoke(std::nullopt), TrustVerdict::kNotRegistered);
  EXPECT_EQ(MayRevoke(WriterStanding{.registered_at = 3}), TrustVerdict::kAllowed);
  EXPECT_EQ(MayRevoke(WriterStanding{.registered_at = 3, .revoked_at = 9}),
            TrustVerdict::kAlreadyRevoked);
}

TEST(TrustChainTest, StandingOfTheRegistryState) {
  v1::WriterInfo info;
  info.set_registered_at(4);
  EXPECT_FALSE(StandingOf(info).revoked_at.has_value());
  info.set_revoked(true);
  info.set_revoked_at(12);
  EXPECT_EQ(StandingOf(info).registered_at, 4u);
  EXPECT_EQ(StandingOf(info).revoked_at, 12u);
}

TEST(TrustChainTest, ReplayedStandingIsAsOfTheRecord) {
  const Signer writer = MustGenerate("svc-posts");
  TrustChain chain;
  EXPECT_TRUE(chain.SetAdministrator(MustGenerate("admin").verifier(), "admin-vkey"));
  EXPECT_FALSE(chain.SetAdministrator(MustGenerate("other").verifier(), "other-vkey"));
  EXPECT_EQ(chain.administrator_vkey(), "admin-vkey");

  chain.Register(writer.verifier(), 5);
  chain.Revoke(writer.key_id(), writer.name(), 9);
  // Not yet registered at its own registration, nor before.
  EXPECT_FALSE(chain.StandingAt(writer.key_id(), writer.name(), 5).has_value());
  // Registered, not revoked, between the two records (the revocation's own included).
  EXPECT_EQ(MayWriterSign(chain.StandingAt(writer.key_id(), writer.name(), 6)), TrustVerdict::kAllowed);
  EXPECT_EQ(MayWriterSign(chain.StandingAt(writer.key_id(), writer.name(), 9)), TrustVerdict::kAllowed);
  // Revoked after it.
  EXPECT_EQ(MayWriterSign(chain.StandingAt(writer.key_id(), writer.name(), 10)), TrustVerdict::kRevoked);
  EXPECT_EQ(chain.Find(writer.key_id(), writer.name())->standing.revoked_at, 9u);
  EXPECT_EQ(chain.Find(writer.key_id(), "another"), nullptr);
}

// The auditor re-checks the chain with these rules: a revoked key registered
// again, a key revoked twice, and a writer revoked then used.
TEST(TrustChainTest, AuditorReportsEveryBrokenRule) {
  BuiltLog log;
  log.AddGeneric(2);
  log.Revoke(log.writer());    // record 4
  log.Register(log.writer());  // record 5: a revoked key, registered again
  log.Revoke(log.writer());    // record 6: revoked again
  log.AddGeneric(1);           // record 7: by the revoked key
  LogAuditor auditor(log.log_key().verifier(), {.threads = 0});
  for (uint64_t i = 0; i < log.size(); ++i) auditor.Add(i, log.leaves()[i]);
  AuditReport report = auditor.Finish();
  std::vector<std::pair<uint64_t, FindingKind>> found;
  for (const AuditFinding& finding : report.findings) found.emplace_back(finding.index, finding.kind);
  EXPECT_EQ(found, (std::vector<std::pair<uint64_t, FindingKind>>{
                       {5, FindingKind::kTrust}, {6, FindingKind::kTrust}, {7, FindingKind::kTrust}}));
  ASSERT_EQ(report.findings.size(), 3u);
  EXPECT_NE(report.findings[0].reason.find("again (registered at record 1)"), std::string::npos)
      << report.findings[0].reason;
  EXPECT_NE(report.findings[1].reason.find("again"), std::string::npos) << report.findings[1].reason;
  EXPECT_NE(report.findings[2].reason.find("revoked at record 4"), std::string::npos)
      << report.findings[2].reason;
}

}  // namespace
}  // namespace memoria
