// A scenario from the Alcaldía de Pasto's policy: compliant events and every
// violation the rules know, through the views as the sequencer maintains
// them. The findings, the inventory as of several points, and the rebuild
// from the log are checked exactly.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/hash.h"
#include "ledger/policy/commitment.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/rebuild.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

using testing::Event;
using testing::Person;
using testing::PolicyLedger;
using testing::Timed;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kDay = 86400 * kSecond;
// Monday 2024-03-04, 10:00 in Pasto (15:00 UTC).
constexpr int64_t kT0 = int64_t{1709564400} * kSecond;
constexpr char kOcs[] = "Oficina de Comunicación Social";
constexpr char kSalud[] = "Secretaría de Salud";

int64_t At(int day, int seconds) { return kT0 + day * kDay + seconds * kSecond; }

const v1::Official kOcsHead = Person("comunicaciones@pasto.gov.co", kOcs, true);
const v1::Official kSaludHead = Person("jefe.salud@pasto.gov.co", kSalud, true);
const v1::Official kAna = Person("ana@pasto.gov.co", kSalud);

v1::PolicyEvent Created(v1::Platform platform, const std::string& handle, v1::AccountKind kind,
                        const std::string& dependency, std::optional<uint64_t> refers_to) {
  v1::PolicyEvent e = Event(kOcsHead, platform, handle);
  e.mutable_account_created()->set_kind(kind);
  e.mutable_account_created()->set_dependency(dependency);
  if (refers_to) e.set_refers_to(*refers_to);
  return e;
}
v1::PolicyEvent Authorized(v1::Platform platform, const std::string& handle,
                           const std::string& dependency) {
  v1::PolicyEvent e = Event(kOcsHead, platform, handle);
  e.mutable_alternate_account_authorized()->set_dependency(dependency);
  return e;
}
v1::PolicyEvent Granted(v1::Platform platform, const std::string& handle,
                        const v1::Official& person, bool responsible) {
  v1::PolicyEvent e = Event(kOcsHead, platform, handle);
  *e.mutable_admin_role_granted()->mutable_person() = person;
  e.mutable_admin_role_granted()->set_employment_link("planta");
  e.mutable_admin_role_granted()->set_responsible(responsible);
  return e;
}
v1::PolicyEvent StreamAuthorized(const v1::Official& by, v1::Platform platform,
                                 const std::string& handle, int64_t start, int64_t end) {
  v1::PolicyEvent e = Event(by, platform, handle);
  e.mutable_live_stream_authorized()->set_window_start_micros(start);
  e.mutable_live_stream_authorized()->set_window_end_micros(end);
  return e;
}
v1::PolicyEvent StreamStarted(v1::Platform platform, const std::string& handle,
                              std::optional<uint64_t> refers_to) {
  v1::PolicyEvent e = Event(kOcsHead, platform, handle);
  e.mutable_live_stream_started()->set_platform_stream_id("s1");
  if (refers_to) e.set_refers_to(*refers_to);
  return e;
}
void Commit(v1::PolicyEvent& e, const std::string& field, const std::string& value) {
  v1::PersonalDataOpening opening =
      NewOpening(field, value, [](size_t n) { return std::string(n, 'k'); });
  *e.add_personal_data() = CommitmentOf(opening);
}

class ScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    using v1::FACEBOOK, v1::TWITTER, v1::INSTAGRAM, v1::MAIN, v1::ALTERNATE;
    const std::string main = "AlcaldiaPasto", salud = "SaludPasto", cultura = "CulturaPasto",
                      deportes = "DeportesPasto";
    auto& l = ledger_;
    EXPECT_EQ(l.Append(Created(FACEBOOK, main, MAIN, kOcs, std::nullopt), At(0, 0)), 0u);
    EXPECT_EQ(l.Append(Granted(FACEBOOK, main, kOcsHead, true), At(0, 1)), 1u);
    // One batch: the creation refers to the authorization in the same batch.
    EXPECT_EQ(l.AppendBatch({{Authorized(FACEBOOK, salud, kSalud), At(0, 2)},
                             {Created(FACEBOOK, salud, ALTERNATE, kSalud, 2), At(0, 2)}}),
              2u);
    EXPECT_EQ(l.AppendBatch({{Granted(FACEBOOK, salud, kAna, true), At(0, 10)},
                             {Granted(FACEBOOK, salud, kOcsHead, false), At(0, 10)}}),
              4u);
    EXPECT_EQ(l.Append(Granted(FACEBOOK, salud, Person("pedro@gmail.com", kSalud), false), At(1, 0)),
              6u);
    v1::PolicyEvent ended = Event(kOcsHead, v1::PLATFORM_UNSPECIFIED, "");
    ended.clear_account();
    ended.mutable_employment_ended()->set_person_email("Pedro@gmail.com");
    EXPECT_EQ(l.Append(ended, At(2, 0)), 7u);
    EXPECT_EQ(l.Append(Created(TWITTER, cultura, ALTERNATE, "Secretaría de Cultura", std::nullopt),
                       At(2, 1)),
              8u);
    EXPECT_EQ(l.Append(Authorized(INSTAGRAM, deportes, "Secretaría de Deportes"), At(2, 2)), 9u);
    EXPECT_EQ(l.Append(Created(INSTAGRAM, deportes, ALTERNATE, "Secretaría de Deportes", 9), At(2, 3)),
              10u);
    EXPECT_EQ(l.Append(Granted(TWITTER, cultura, kAna, true), At(2, 4)), 11u);
    v1::PolicyEvent closed = Event(kOcsHead, INSTAGRAM, deportes);
    closed.mutable_account_closed()->set_closure(v1::DEFINITIVE);
    EXPECT_EQ(l.Append(closed, At(2, 5)), 12u);

    EXPECT_EQ(l.Append(StreamAuthorized(kOcsHead, FACEBOOK, main, At(3, 0), At(3, 7200)), At(3, 0)),
              13u);
    EXPECT_EQ(l.Append(StreamStarted(FACEBOOK, main, 13), At(3, 60)), 14u);
    EXPECT_EQ(l.Append(StreamStarted(FACEBOOK, main, std::nullopt), At(3, 120)), 15u);
    // The Oficina is not the head of the Secretaría de Salud.
    EXPECT_EQ(l.Append(StreamAuthorized(kOcsHead, FACEBOOK, salud, At(3, 0), At(3, 7200)), At(3, 130)),
              16u);
    EXPECT_EQ(l.Append(StreamStarted(FACEBOOK, salud, 16), At(3, 140)), 17u);
    EXPECT_EQ(l.Append(StreamAuthorized(kSaludHead, FACEBOOK, salud, At(3, 0), At(3, 7200)),
                       At(3, 150)),
              18u);
    EXPECT_EQ(l.Append(StreamStarted(FACEBOOK, salud, 18), At(3, 160)), 19u);

    v1::PolicyEvent post = Event(kAna, FACEBOOK, salud);
    post.mutable_post_published()->set_platform_post_id("p1");
    post.mutable_post_published()->set_content_sha256(std::string(AsBytes(Sha256("hola"))));
    EXPECT_EQ(l.Append(post, At(3, 200)), 20u);
    v1::PolicyEvent hidden = Event(kAna, FACEBOOK, salud);
    hidden.mutable_post_removed()->set_platform_post_id("p1");
    hidden.mutable_post_removed()->set_action(v1::HIDDEN);
    EXPECT_EQ(l.Append(hidden, At(3, 210)), 21u);
    v1::PolicyEvent deleted = hidden;
    deleted.mutable_post_removed()->set_action(v1::DELETED);
    EXPECT_EQ(l.Append(deleted, At(3, 220)), 22u);
    v1::PolicyEvent spam = Event(kOcsHead, FACEBOOK, main);
    spam.mutable_comment_moderated()->set_platform_comment_id("c1");
    spam.mutable_comment_moderated()->set_action(v1::DELETED);
    spam.mutable_comment_moderated()->set_reason(v1::SPAM);
    EXPECT_EQ(l.Append(spam, At(3, 230)), 23u);
    v1::PolicyEvent other = spam;
    other.mutable_comment_moderated()->set_reason(v1::OTHER_REASON);
    other.mutable_comment_moderated()->set_other_reason("critica al alcalde");
    EXPECT_EQ(l.Append(other, At(3, 240)), 24u);
    v1::PolicyEvent blocked = Event(kOcsHead, FACEBOOK, main);
    blocked.mutable_user_blocked()->set_reason("insultos");
    Commit(blocked, "citizen_handle", "@vecino");
    EXPECT_EQ(l.Append(blocked, At(3, 250)), 25u);
    v1::PolicyEvent reply = Event(kOcsHead, FACEBOOK, main);
    reply.mutable_reply_published()->set_platform_comment_id("c2");
    reply.mutable_reply_published()->set_reply_text("Gracias por escribirnos");
    Commit(reply, "citizen_handle", "@vecina");
    Commit(reply, "comment_text", "¿Cuándo abren el puente?");
    EXPECT_EQ(l.Append(reply, At(3, 260)), 26u);

    auto pqrd = [&] {
      v1::PolicyEvent e = Event(kOcsHead, FACEBOOK, main);
      e.mutable_pqrd_received()->set_platform_message_id("m");
      Commit(e, "citizen_name", "Ana Pérez");
      Commit(e, "citizen_handle", "@anap");
      Commit(e, "pqrd_text", "Solicito información");
      return e;
    };
    auto referred = [&](uint64_t to) {
      v1::PolicyEvent e = Event(kOcsHead, FACEBOOK, main);
      e.mutable_pqrd_referred()->set_filing_number("2024-0001");
      e.set_refers_to(to);
      return e;
    };
    EXPECT_EQ(l.Append(pqrd(), At(4, 0)), 27u);      // Friday
    EXPECT_EQ(l.Append(referred(27), At(5, 0)), 28u);  // Saturday: in time
    EXPECT_EQ(l.Append(pqrd(), At(5, 10)), 29u);     // never referred
    EXPECT_EQ(l.Append(pqrd(), At(6, 0)), 30u);      // Sunday; due by Tuesday
    EXPECT_EQ(l.Append(referred(30), At(12, 0)), 31u);  // the next Saturday: late
    v1::PolicyEvent rotated = Event(kOcsHead, FACEBOOK, main);
    rotated.mutable_credentials_rotated();
    EXPECT_EQ(l.Append(rotated, At(12, 10)), 32u);
    v1::PolicyEvent shared = Event(kAna, FACEBOOK, salud);
    shared.mutable_announcement_shared()->set_original_url("https://facebook.com/AlcaldiaPasto/1");
    EXPECT_EQ(l.Append(shared, At(12, 20)), 33u);
    v1::PolicyEvent revoked = Event(kOcsHead, TWITTER, cultura);
    revoked.mutable_admin_role_revoked()->set_person_email("ana@pasto.gov.co");
    EXPECT_EQ(l.Append(revoked, At(12, 30)), 34u);

    // Item 15: the responsible administrator of the main account notified
    // eight business days after the grant (1): late.
    v1::PolicyEvent notified = Event(kOcsHead, FACEBOOK, main);
    notified.mutable_responsible_administrator_notified()->set_person_email(
        "comunicaciones@pasto.gov.co");
    notified.mutable_responsible_administrator_notified()->set_name("Jefe de Comunicaciones");
    EXPECT_EQ(l.Append(notified, At(12, 40)), 35u);
    // Item 15: a role for someone with no employment link.
    v1::PolicyEvent unlinked = Granted(FACEBOOK, salud, Person("luisa@pasto.gov.co", kSalud), false);
    unlinked.mutable_admin_role_granted()->clear_employment_link();
    EXPECT_EQ(l.Append(unlinked, At(12, 50)), 36u);
    // Section 2: pedro acts from his personal email (not only granted a role with it).
    v1::PolicyEvent personal = Event(Person("pedro@gmail.com", kSalud), FACEBOOK, salud);
    personal.mutable_comment_moderated()->set_platform_comment_id("c3");
    personal.mutable_comment_moderated()->set_action(v1::HIDDEN);
    personal.mutable_comment_moderated()->set_reason(v1::SPAM);
    EXPECT_EQ(l.Append(personal, At(12, 55)), 37u);
    // Item 16: a controversy on SaludPasto, an alternate account created
    // without its responsible director.
    v1::PolicyEvent controversy = Event(kSaludHead, FACEBOOK, salud);
    controversy.mutable_controversy_recorded()->set_platform_post_id("p1");
    controversy.mutable_controversy_recorded()->set_description("quejas por la publicación");
    controversy.mutable_controversy_recorded()->set_responsible_director("jefe.salud@pasto.gov.co");
    EXPECT_EQ(l.Append(controversy, At(12, 58)), 38u);
    // Ana leaves; SaludPasto's password is changed two days later (in time
    // for ana, eleven days late for pedro, who left on day 2).
    v1::PolicyEvent ana_left = ended;
    ana_left.mutable_employment_ended()->set_person_email("ana@pasto.gov.co");
    EXPECT_EQ(l.Append(ana_left, At(12, 60)), 39u);
    v1::PolicyEvent salud_rotated = Event(kOcsHead, FACEBOOK, salud);
    salud_rotated.mutable_credentials_rotated();
    EXPECT_EQ(l.Append(salud_rotated, At(14, 0)), 40u);
    // Item 14: TikTok approved by the Oficina, WhatsApp by nobody.
    v1::PolicyEvent approved = Event(kOcsHead, v1::PLATFORM_UNSPECIFIED, "");
    approved.clear_account();
    approved.mutable_platform_approved()->set_platform(v1::TIKTOK);
    approved.mutable_platform_approved()->set_systems_approver("sistemas@pasto.gov.co");
    EXPECT_EQ(l.Append(approved, At(14, 10)), 41u);
    EXPECT_EQ(l.Append(Created(v1::TIKTOK, "PastoTT", MAIN, kOcs, std::nullopt), At(14, 20)), 42u);
    EXPECT_EQ(l.Append(Created(v1::WHATSAPP, "PastoWA", MAIN, kOcs, std::nullopt), At(14, 30)),
              43u);
    // Item 7: an announcement of the Mayor, shared by SaludPasto in time and
    // never by CulturaPasto (DeportesPasto is closed).
    v1::PolicyEvent mayor = Event(kOcsHead, FACEBOOK, main);
    mayor.mutable_post_published()->set_platform_post_id("p-alcalde");
    mayor.mutable_post_published()->set_content_sha256(std::string(AsBytes(Sha256("anuncio"))));
    mayor.mutable_post_published()->set_mayor_announcement(true);
    EXPECT_EQ(l.Append(mayor, At(15, 0)), 44u);
    v1::PolicyEvent shared_mayor = Event(kAna, FACEBOOK, salud);
    shared_mayor.mutable_announcement_shared()->set_original_url("https://facebook.com/AlcaldiaPasto/2");
    shared_mayor.set_refers_to(44);
    EXPECT_EQ(l.Append(shared_mayor, At(15, 10)), 45u);
  }

  std::vector<std::tuple<std::string, std::vector<uint64_t>>> Findings(int64_t at,
                                                                       int64_t since = 0) {
    absl::StatusOr<FindingsResult> result = EvaluateFindings(
        ledger_.state(), ledger_.log().Size(), LogRecordTimes(ledger_.log()), at, since, {});
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<std::tuple<std::string, std::vector<uint64_t>>> out;
    for (const v1::Finding& f : result->findings) {
      EXPECT_FALSE(f.item().empty());
      EXPECT_FALSE(f.severity().empty());
      EXPECT_FALSE(f.message().empty());
      out.emplace_back(f.rule(), std::vector<uint64_t>(f.indexes().begin(), f.indexes().end()));
    }
    return out;
  }

  std::vector<v1::AccountState> Inventory(uint64_t at_index) {
    absl::StatusOr<std::vector<v1::AccountState>> accounts = InventoryAt(ledger_.state(), at_index);
    EXPECT_TRUE(accounts.ok()) << accounts.status();
    return *accounts;
  }

  PolicyLedger ledger_;
};

using F = std::tuple<std::string, std::vector<uint64_t>>;

TEST_F(ScenarioTest, FindingsAfterHundredDaysAreExactlyTheViolations) {
  EXPECT_THAT(Findings(At(100, 0)),
              ElementsAreArray(std::vector<F>{
                  {"responsible_administrator_not_notified", {1, 35}},
                  {"alternate_without_responsible_director", {3}},
                  {"controversy_not_assumed_by_director", {3, 38}},
                  {"responsible_administrator_not_notified", {4}},
                  {"role_kept_after_employment_ended", {4, 39}},
                  {"non_institutional_email", {6}},
                  {"role_kept_after_employment_ended", {6, 7}},
                  {"password_not_changed_after_employment_ended", {7, 40}},
                  {"alternate_inactive", {8}},
                  {"alternate_without_authorization", {8}},
                  {"alternate_without_responsible_director", {8}},
                  {"credentials_not_rotated", {8}},
                  {"no_responsible_administrator", {8}},
                  {"alternate_on_disallowed_platform", {10}},
                  {"alternate_without_responsible_director", {10}},
                  {"live_stream_without_authorization", {15}},
                  {"live_stream_without_authorization", {16, 17}},
                  {"post_hidden", {21}},
                  {"post_deleted", {22}},
                  {"comment_removed_for_other_reason", {24}},
                  {"user_blocked", {25}},
                  {"pqrd_not_referred_in_time", {29}},
                  {"pqrd_not_referred_in_time", {30, 31}},
                  {"role_without_employment_link", {36}},
                  {"non_institutional_email", {37}},
                  {"no_responsible_administrator", {42}},
                  {"account_on_unapproved_platform", {43}},
                  {"no_responsible_administrator", {43}},
                  {"mayor_announcement_not_shared", {44}},
              }));
}

// kRecordRuleNames (what queries accept as finding filters) names exactly the
// rules whose findings are stored when records are sequenced; the scenario
// trips every one of them.
TEST_F(ScenarioTest, RecordRuleNamesAreTheStoredFindingsRules) {
  std::set<std::string> stored;
  ASSERT_TRUE(ledger_.state()
                  .Scan(kRecordFindingPrefix,
                        [&](std::string_view key, std::string_view) {
                          stored.insert(std::string(key.substr(kRecordFindingPrefix.size() + 9)));
                          return true;
                        })
                  .ok());
  const std::set<std::string> named(std::begin(kRecordRuleNames), std::end(kRecordRuleNames));
  EXPECT_EQ(stored, named);
}

TEST_F(ScenarioTest, FindingsNameThePolicyItem) {
  absl::StatusOr<FindingsResult> result = EvaluateFindings(
      ledger_.state(), ledger_.log().Size(), LogRecordTimes(ledger_.log()), At(100, 0), 0, {});
  ASSERT_TRUE(result.ok());
  std::map<std::string, std::string> items;
  for (const v1::Finding& f : result->findings) items[f.rule()] = f.item();
  EXPECT_EQ(items["user_blocked"], "3.9");
  EXPECT_EQ(items["live_stream_without_authorization"], "3.19");
  EXPECT_EQ(items["post_deleted"], "3.17");
  EXPECT_EQ(items["role_kept_after_employment_ended"], "3.15");
  EXPECT_EQ(items["alternate_on_disallowed_platform"], "3.11");
  EXPECT_EQ(items["pqrd_not_referred_in_time"], "3.8");
  EXPECT_EQ(items["role_without_employment_link"], "3.15");
  EXPECT_EQ(items["responsible_administrator_not_notified"], "3.15");
  EXPECT_EQ(items["post_hidden"], "3.17");
  EXPECT_EQ(items["alternate_without_responsible_director"], "3.16");
  EXPECT_EQ(items["controversy_not_assumed_by_director"], "3.16");
  EXPECT_EQ(items["account_on_unapproved_platform"], "3.14");
  EXPECT_EQ(items["mayor_announcement_not_shared"], "3.7");
  EXPECT_EQ(items["password_not_changed_after_employment_ended"], "2 (seguridad y control), 3.13");
}

TEST_F(ScenarioTest, FindingsSinceDropOlderRecordFindingsButKeepConditions) {
  EXPECT_THAT(Findings(At(100, 0), At(3, 0)),
              ElementsAreArray(std::vector<F>{
                  {"responsible_administrator_not_notified", {1, 35}},
                  {"controversy_not_assumed_by_director", {3, 38}},  // recorded at 38
                  {"responsible_administrator_not_notified", {4}},
                  {"role_kept_after_employment_ended", {4, 39}},
                  {"role_kept_after_employment_ended", {6, 7}},
                  {"password_not_changed_after_employment_ended", {7, 40}},  // due on day 5
                  {"alternate_inactive", {8}},
                  {"credentials_not_rotated", {8}},
                  {"no_responsible_administrator", {8}},
                  {"live_stream_without_authorization", {15}},
                  {"live_stream_without_authorization", {16, 17}},
                  {"post_hidden", {21}},
                  {"post_deleted", {22}},
                  {"comment_removed_for_other_reason", {24}},
                  {"user_blocked", {25}},
                  {"pqrd_not_referred_in_time", {29}},
                  {"pqrd_not_referred_in_time", {30, 31}},
                  {"role_without_employment_link", {36}},
                  {"non_institutional_email", {37}},
                  {"no_responsible_administrator", {42}},
                  {"account_on_unapproved_platform", {43}},
                  {"no_responsible_administrator", {43}},
                  {"mayor_announcement_not_shared", {44}},
              }));
  // Since day 6: pedro's password deadline (day 5) fell before it.
  for (const F& f : Findings(At(100, 0), At(6, 0))) {
    EXPECT_NE(std::get<0>(f), "password_not_changed_after_employment_ended");
  }
}

TEST_F(ScenarioTest, FindingsAsOfAnEarlierTime) {
  // Just after the Salud alternate account was created, before its admins.
  EXPECT_THAT(Findings(At(0, 5)),
              ElementsAre(F{"alternate_without_responsible_director", {3}},
                          F{"facebook_alternate_without_comunicacion_admin", {3}},
                          F{"no_responsible_administrator", {3}}));
  // Before anything: no record, no finding.
  EXPECT_THAT(Findings(At(0, 0) - 1), ElementsAre());
  // At day 5 the first PQRD was referred in time; the others are not due
  // yet; the responsible administrators' notifications are not due yet
  // (five business days); pedro left on day 2 and SaludPasto's password is
  // still the same.
  EXPECT_THAT(Findings(At(5, 20)),
              ElementsAreArray(std::vector<F>{
                  {"alternate_without_responsible_director", {3}},
                  {"non_institutional_email", {6}},
                  {"role_kept_after_employment_ended", {6, 7}},
                  {"password_not_changed_after_employment_ended", {7}},
                  {"alternate_without_authorization", {8}},
                  {"alternate_without_responsible_director", {8}},
                  {"alternate_on_disallowed_platform", {10}},
                  {"alternate_without_responsible_director", {10}},
                  {"live_stream_without_authorization", {15}},
                  {"live_stream_without_authorization", {16, 17}},
                  {"post_hidden", {21}},
                  {"post_deleted", {22}},
                  {"comment_removed_for_other_reason", {24}},
                  {"user_blocked", {25}},
              }));
  // Just before pedro's deadline (three days after day 2) no password finding.
  for (const F& f : Findings(At(5, 0) - 1)) {
    EXPECT_NE(std::get<0>(f), "password_not_changed_after_employment_ended");
  }
}

TEST_F(ScenarioTest, ThresholdsAreConfigurable) {
  FindingsOptions options;
  options.allowed_email_domains = {"pasto.gov.co", "gmail.com"};
  options.credentials_rotation_days = 200;
  options.alternate_inactive_days = 200;
  options.pqrd_referral_business_days = 10;
  absl::StatusOr<FindingsResult> result = EvaluateFindings(
      ledger_.state(), ledger_.log().Size(), LogRecordTimes(ledger_.log()), At(100, 0), 0, options);
  ASSERT_TRUE(result.ok());
  std::set<std::string> rules;
  for (const v1::Finding& f : result->findings) rules.insert(f.rule());
  EXPECT_FALSE(rules.contains("non_institutional_email"));
  EXPECT_FALSE(rules.contains("credentials_not_rotated"));
  EXPECT_FALSE(rules.contains("alternate_inactive"));
  // 29 is still not referred at all; 30 was referred within 10 business days.
  size_t pqrd = 0;
  for (const v1::Finding& f : result->findings) pqrd += f.rule() == "pqrd_not_referred_in_time";
  EXPECT_EQ(pqrd, 1u);
}

TEST_F(ScenarioTest, InventoryAsOfIndexes) {
  std::vector<v1::AccountState> at3 = Inventory(3);
  ASSERT_EQ(at3.size(), 2u);
  EXPECT_EQ(at3[0].account().handle(), "AlcaldiaPasto");
  EXPECT_EQ(at3[0].kind(), v1::MAIN);
  ASSERT_EQ(at3[0].admins_size(), 1);
  EXPECT_EQ(at3[0].admins(0).email(), "comunicaciones@pasto.gov.co");
  EXPECT_EQ(at3[0].admins(0).since_index(), 1u);
  EXPECT_TRUE(at3[0].admins(0).responsible());
  EXPECT_EQ(at3[1].account().handle(), "SaludPasto");
  EXPECT_EQ(at3[1].kind(), v1::ALTERNATE);
  EXPECT_EQ(at3[1].dependency(), kSalud);
  EXPECT_EQ(at3[1].status(), v1::ACTIVE);
  EXPECT_EQ(at3[1].authorization_index(), 2u);
  EXPECT_EQ(at3[1].admins_size(), 0);

  std::vector<v1::AccountState> at6 = Inventory(6);
  ASSERT_EQ(at6.size(), 2u);
  ASSERT_EQ(at6[1].admins_size(), 3);  // sorted by email
  EXPECT_EQ(at6[1].admins(0).email(), "ana@pasto.gov.co");
  EXPECT_EQ(at6[1].admins(1).email(), "comunicaciones@pasto.gov.co");
  EXPECT_EQ(at6[1].admins(2).email(), "pedro@gmail.com");
  EXPECT_EQ(at6[1].admins(2).since_index(), 6u);

  std::vector<v1::AccountState> at11 = Inventory(11);
  ASSERT_EQ(at11.size(), 4u);  // facebook (01) before twitter (02) before instagram (03)
  EXPECT_EQ(at11[2].account().handle(), "CulturaPasto");
  EXPECT_EQ(at11[3].account().handle(), "DeportesPasto");
  EXPECT_EQ(at11[3].status(), v1::ACTIVE);
  EXPECT_EQ(Inventory(12)[3].status(), v1::CLOSED);

  std::vector<v1::AccountState> latest = Inventory(ledger_.log().Size() - 1);
  ASSERT_EQ(latest.size(), 6u);  // and TikTok (05), WhatsApp (06)
  EXPECT_EQ(latest[4].account().handle(), "PastoTT");
  // Item 15: the notification (35) is on the main account's administrator.
  ASSERT_EQ(latest[0].admins_size(), 1);
  EXPECT_EQ(latest[0].admins(0).notified_index(), 35u);
  EXPECT_FALSE(Inventory(34)[0].admins(0).has_notified_index());
  EXPECT_EQ(latest[2].admins_size(), 0);  // ana's role on CulturaPasto was revoked (34)
  EXPECT_EQ(Inventory(33)[2].admins_size(), 1);
  EXPECT_EQ(latest[0].last_rotation_index(), 32u);
  EXPECT_EQ(latest[1].last_activity_index(), 45u);
  EXPECT_EQ(Inventory(44)[1].last_activity_index(), 33u);
}

TEST_F(ScenarioTest, InventoryAsOfTimes) {
  const RecordTimeFn times = LogRecordTimes(ledger_.log());
  const uint64_t size = ledger_.log().Size();
  auto at = [&](int64_t t) {
    absl::StatusOr<std::optional<uint64_t>> index = IndexAtTime(size, times, t);
    EXPECT_TRUE(index.ok());
    return *index;
  };
  EXPECT_EQ(at(At(0, 0) - 1), std::nullopt);
  EXPECT_EQ(at(At(0, 0)), 0u);
  EXPECT_EQ(at(At(0, 5)), 3u);       // the batch of 2 and 3 at At(0, 2)
  EXPECT_EQ(at(At(1, 0)), 6u);
  EXPECT_EQ(at(At(2, 4) + 1), 11u);
  EXPECT_EQ(at(At(400, 0)), size - 1);
  EXPECT_EQ(Inventory(*at(At(1, 0))).size(), 2u);
  EXPECT_EQ(Inventory(*at(At(2, 5))).size(), 4u);
}

TEST_F(ScenarioTest, RebuildFromTheLogReproducesTheViewsByteForByte) {
  absl::StatusOr<ViewState> stored = ReadViews(ledger_.state());
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<ViewState> rebuilt = RebuildViews(ledger_.log());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_GT(stored->size(), 40u);
  EXPECT_TRUE(CompareViews(*stored, *rebuilt).empty());
  EXPECT_EQ(*stored, *rebuilt);
}

TEST_F(ScenarioTest, CompareViewsNamesDifferences) {
  absl::StatusOr<ViewState> stored = ReadViews(ledger_.state());
  ASSERT_TRUE(stored.ok());
  ViewState tampered = *stored;
  tampered.begin()->second += "x";
  tampered.erase(std::prev(tampered.end()));
  tampered["p/zz"] = "";
  const ViewsDiff diff = CompareViews(tampered, *stored);
  EXPECT_EQ(diff.different, 1u);
  EXPECT_EQ(diff.missing, 1u);
  EXPECT_EQ(diff.extra, 1u);
  EXPECT_FALSE(diff.empty());
}

}  // namespace
}  // namespace memoria::policy
