// The rules of policy items 2, 13, 14, 15 and 16 that the scenario
// (scenario_test.cc) trips, from their compliant side: what must NOT be a
// finding (an in-time notification, the right director, an approval by the
// Oficina) next to the violation that differs in one thing.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/rules/time_util.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

using absl::CivilDay;
using testing::Event;
using testing::Person;
using testing::PolicyLedger;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kHour = int64_t{3600} * 1000000;
constexpr char kOcs[] = "Oficina de Comunicación Social";
const v1::Official kOcsHead = Person("comunicaciones@pasto.gov.co", kOcs, true);
const v1::Official kSaludHead = Person("jefe.salud@pasto.gov.co", "Secretaría de Salud", true);

int64_t Local(CivilDay day, int hour) { return StartOfColombianDay(day) + hour * kHour; }

v1::PolicyEvent Created(v1::Platform platform, const std::string& handle, v1::AccountKind kind,
                        const std::string& director = "") {
  v1::PolicyEvent e = Event(kOcsHead, platform, handle);
  e.mutable_account_created()->set_kind(kind);
  e.mutable_account_created()->set_dependency(kind == v1::MAIN ? kOcs : "Secretaría de Salud");
  e.mutable_account_created()->set_responsible_director(director);
  return e;
}
v1::PolicyEvent Granted(const std::string& handle, const std::string& email, bool responsible) {
  v1::PolicyEvent e = Event(kOcsHead, v1::FACEBOOK, handle);
  *e.mutable_admin_role_granted()->mutable_person() = Person(email, kOcs);
  e.mutable_admin_role_granted()->set_employment_link("planta");
  e.mutable_admin_role_granted()->set_responsible(responsible);
  return e;
}
v1::PolicyEvent Notified(const std::string& handle, const std::string& email) {
  v1::PolicyEvent e = Event(kOcsHead, v1::FACEBOOK, handle);
  e.mutable_responsible_administrator_notified()->set_person_email(email);
  e.mutable_responsible_administrator_notified()->set_name("Nombre");
  return e;
}

// The findings of `rule` as their index lists.
std::vector<std::vector<uint64_t>> Of(PolicyLedger& ledger, const std::string& rule, int64_t at,
                                      const FindingsOptions& options = {}) {
  absl::StatusOr<FindingsResult> result = EvaluateFindings(
      ledger.state(), ledger.log().Size(), LogRecordTimes(ledger.log()), at, 0, options);
  EXPECT_TRUE(result.ok()) << result.status();
  std::vector<std::vector<uint64_t>> out;
  for (const v1::Finding& f : result->findings) {
    if (f.rule() == rule) out.emplace_back(f.indexes().begin(), f.indexes().end());
  }
  return out;
}

// Five business days, counted over Semana Santa 2026: granted Monday 30
// March, due by the end of Wednesday 8 April (31 March, 1, 6, 7 and 8 April).
TEST(MissingRulesTest, ResponsibleAdministratorNotifiedWithinBusinessDays) {
  PolicyLedger l;
  l.Append(Created(v1::FACEBOOK, "A", v1::MAIN), Local(CivilDay(2026, 3, 30), 8));
  l.Append(Created(v1::FACEBOOK, "B", v1::MAIN), Local(CivilDay(2026, 3, 30), 8));
  l.Append(Granted("A", "ana@pasto.gov.co", true), Local(CivilDay(2026, 3, 30), 9));
  const uint64_t b = l.Append(Granted("B", "beto@pasto.gov.co", true), Local(CivilDay(2026, 3, 30), 9));
  l.Append(Granted("B", "carla@pasto.gov.co", false), Local(CivilDay(2026, 3, 30), 9));
  // A notification naming someone who is not an administrator changes nothing.
  l.Append(Notified("B", "nadie@pasto.gov.co"), Local(CivilDay(2026, 4, 1), 9));
  l.Append(Notified("A", "ANA@pasto.gov.co"), Local(CivilDay(2026, 4, 8), 17));
  const std::string rule = "responsible_administrator_not_notified";
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 4, 8), 23)), IsEmpty());
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 4, 9), 1)), ElementsAre(std::vector<uint64_t>{b}));
  const uint64_t late = l.Append(Notified("B", "beto@pasto.gov.co"), Local(CivilDay(2026, 4, 9), 9));
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 5, 1), 0)),
              ElementsAre(std::vector<uint64_t>{b, late}));
  // More business days configured: beto's notification is in time.
  FindingsOptions options;
  options.responsible_notification_business_days = 6;
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 5, 1), 0), options), IsEmpty());
}

TEST(MissingRulesTest, ControversyAssumedByTheAccountsDirector) {
  PolicyLedger l;
  const uint64_t with = l.Append(Created(v1::FACEBOOK, "Salud", v1::ALTERNATE, "Jefe.Salud@pasto.gov.co"),
                                 Local(CivilDay(2026, 2, 2), 9));
  auto controversy = [](const std::string& director) {
    v1::PolicyEvent e = Event(kSaludHead, v1::FACEBOOK, "salud");
    e.mutable_controversy_recorded()->set_platform_post_id("p9");
    e.mutable_controversy_recorded()->set_description("quejas");
    e.mutable_controversy_recorded()->set_responsible_director(director);
    return e;
  };
  l.Append(controversy("jefe.salud@pasto.gov.co"), Local(CivilDay(2026, 2, 3), 9));
  const uint64_t other = l.Append(controversy("pasante@pasto.gov.co"), Local(CivilDay(2026, 2, 4), 9));
  const int64_t at = Local(CivilDay(2026, 2, 5), 9);
  EXPECT_THAT(Of(l, "controversy_not_assumed_by_director", at),
              ElementsAre(std::vector<uint64_t>{with, other}));
  EXPECT_THAT(Of(l, "alternate_without_responsible_director", at), IsEmpty());
}

TEST(MissingRulesTest, OnlyTheOficinaApprovesAPlatform) {
  PolicyLedger l;
  auto approval = [](const v1::Official& by, v1::Platform platform) {
    v1::PolicyEvent e = Event(by, v1::PLATFORM_UNSPECIFIED, "");
    e.clear_account();
    e.mutable_platform_approved()->set_platform(platform);
    e.mutable_platform_approved()->set_systems_approver("sistemas@pasto.gov.co");
    return e;
  };
  l.Append(approval(kSaludHead, v1::TIKTOK), Local(CivilDay(2026, 2, 2), 9));   // not the Oficina
  const uint64_t tiktok = l.Append(Created(v1::TIKTOK, "T", v1::MAIN), Local(CivilDay(2026, 2, 2), 10));
  l.Append(approval(kOcsHead, v1::TIKTOK), Local(CivilDay(2026, 2, 3), 9));  // after the account
  l.Append(Created(v1::TIKTOK, "T2", v1::MAIN), Local(CivilDay(2026, 2, 3), 10));
  l.Append(Created(v1::YOUTUBE, "Y", v1::MAIN), Local(CivilDay(2026, 2, 3), 11));  // a policy platform
  EXPECT_THAT(Of(l, "account_on_unapproved_platform", Local(CivilDay(2026, 3, 1), 0)),
              ElementsAre(std::vector<uint64_t>{tiktok}));
}

TEST(MissingRulesTest, ActorsFromAllowedDomainsAreNotFindings) {
  PolicyLedger l;
  v1::PolicyEvent created = Created(v1::FACEBOOK, "A", v1::MAIN);
  l.Append(created, Local(CivilDay(2026, 2, 2), 9));
  *created.mutable_actor() = Person("prensa@salud.pasto.gov.co", kOcs);  // a subdomain
  l.Append(created, Local(CivilDay(2026, 2, 2), 10));
  *created.mutable_actor() = Person("Jefe@Hotmail.com", kOcs);
  const uint64_t hotmail = l.Append(created, Local(CivilDay(2026, 2, 2), 11));
  *created.mutable_actor() = Person("jefe@hotmail.com", kOcs);
  l.Append(created, Local(CivilDay(2026, 2, 2), 12));  // the same email: reported once
  const int64_t at = Local(CivilDay(2026, 3, 1), 0);
  EXPECT_THAT(Of(l, "non_institutional_email", at), ElementsAre(std::vector<uint64_t>{hotmail}));
  FindingsOptions options;
  options.allowed_email_domains = {"pasto.gov.co", "hotmail.com"};
  EXPECT_THAT(Of(l, "non_institutional_email", at, options), IsEmpty());
  // As of before the hotmail address first acted, nothing.
  EXPECT_THAT(Of(l, "non_institutional_email", Local(CivilDay(2026, 2, 2), 10)), IsEmpty());
}

// Only the accounts the person administered when the employment ended, and
// not definitively closed ones.
TEST(MissingRulesTest, PasswordChangeAfterEmploymentEnded) {
  PolicyLedger l;
  for (const char* handle : {"A", "B", "C"}) {
    l.Append(Created(v1::FACEBOOK, handle, v1::MAIN), Local(CivilDay(2026, 2, 2), 8));
    l.Append(Granted(handle, "ana@pasto.gov.co", true), Local(CivilDay(2026, 2, 2), 9));
  }
  v1::PolicyEvent revoked = Event(kOcsHead, v1::FACEBOOK, "B");
  revoked.mutable_admin_role_revoked()->set_person_email("ana@pasto.gov.co");
  l.Append(revoked, Local(CivilDay(2026, 2, 3), 9));
  v1::PolicyEvent closed = Event(kOcsHead, v1::FACEBOOK, "C");
  closed.mutable_account_closed()->set_closure(v1::DEFINITIVE);
  l.Append(closed, Local(CivilDay(2026, 2, 3), 10));
  v1::PolicyEvent ended = Event(kOcsHead, v1::PLATFORM_UNSPECIFIED, "");
  ended.clear_account();
  ended.mutable_employment_ended()->set_person_email("ana@pasto.gov.co");
  const uint64_t end = l.Append(ended, Local(CivilDay(2026, 2, 4), 9));
  const std::string rule = "password_not_changed_after_employment_ended";
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 2, 7), 9)), IsEmpty());  // three days: not yet
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 2, 7), 10)), ElementsAre(std::vector<uint64_t>{end}));
  v1::PolicyEvent rotated = Event(kOcsHead, v1::FACEBOOK, "A");
  rotated.mutable_credentials_rotated();
  const uint64_t rotation = l.Append(rotated, Local(CivilDay(2026, 2, 9), 9));
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 3, 1), 0)),
              ElementsAre(std::vector<uint64_t>{end, rotation}));
  FindingsOptions options;
  options.password_change_after_employment_days = 5;
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 3, 1), 0), options), IsEmpty());
}

// Item 7: alternate accounts existing when the Mayor announced share within
// two days; a late share is a finding with both records, an ordinary post
// asks nothing, an account created later is not asked.
TEST(MissingRulesTest, MayorAnnouncementSharedByTheAlternates) {
  PolicyLedger l;
  l.Append(Created(v1::FACEBOOK, "Main", v1::MAIN), Local(CivilDay(2026, 2, 2), 8));
  l.Append(Created(v1::FACEBOOK, "Salud", v1::ALTERNATE, "jefe@pasto.gov.co"),
           Local(CivilDay(2026, 2, 2), 8));
  l.Append(Created(v1::TWITTER, "Cultura", v1::ALTERNATE, "jefe@pasto.gov.co"),
           Local(CivilDay(2026, 2, 2), 8));
  auto post = [](bool mayor) {
    v1::PolicyEvent e = Event(kOcsHead, v1::FACEBOOK, "Main");
    e.mutable_post_published()->set_platform_post_id("p");
    e.mutable_post_published()->set_content_sha256(std::string(32, 'h'));
    e.mutable_post_published()->set_mayor_announcement(mayor);
    return e;
  };
  auto share = [](v1::Platform platform, const std::string& handle, uint64_t of) {
    v1::PolicyEvent e = Event(kOcsHead, platform, handle);
    e.mutable_announcement_shared()->set_original_url("https://facebook.com/Main/1");
    e.set_refers_to(of);
    return e;
  };
  const uint64_t ordinary = l.Append(post(false), Local(CivilDay(2026, 2, 3), 9));
  const uint64_t mayor = l.Append(post(true), Local(CivilDay(2026, 2, 3), 10));
  l.Append(Created(v1::FACEBOOK, "Nueva", v1::ALTERNATE, "jefe@pasto.gov.co"),
           Local(CivilDay(2026, 2, 3), 11));
  l.Append(share(v1::FACEBOOK, "Salud", ordinary), Local(CivilDay(2026, 2, 3), 12));
  l.Append(share(v1::FACEBOOK, "Salud", mayor), Local(CivilDay(2026, 2, 5), 9));
  const std::string rule = "mayor_announcement_not_shared";
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 2, 5), 10)), IsEmpty());  // not due yet
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 2, 5), 11)),
              ElementsAre(std::vector<uint64_t>{mayor}));  // Cultura
  const uint64_t late = l.Append(share(v1::TWITTER, "cultura", mayor), Local(CivilDay(2026, 2, 6), 9));
  const std::vector<std::vector<uint64_t>> found = Of(l, rule, Local(CivilDay(2026, 3, 1), 0));
  EXPECT_THAT(found, ElementsAre(std::vector<uint64_t>{mayor, late}));
  FindingsOptions options;
  options.mayor_announcement_share_days = 3;
  EXPECT_THAT(Of(l, rule, Local(CivilDay(2026, 3, 1), 0), options), IsEmpty());
}

}  // namespace
}  // namespace memoria::policy
