// Structural validation of policy events and of personal-data openings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/hash.h"
#include "ledger/policy/commitment.h"
#include "ledger/policy/event_validation.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

using ::testing::HasSubstr;

std::string Salt() { return std::string(16, '\x07'); }

v1::PolicyEvent Valid() {
  v1::PolicyEvent e = testing::Event(testing::Person("a@pasto.gov.co", "Oficina"), v1::FACEBOOK,
                                     "AlcaldiaPasto");
  e.mutable_post_published()->set_platform_post_id("1");
  e.mutable_post_published()->set_content_sha256(std::string(32, 'h'));
  return e;
}

void ExpectInvalid(const v1::PolicyEvent& e, const std::string& field) {
  const absl::Status s = ValidatePolicyEvent(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(field));
}

TEST(PolicyEventValidationTest, WellFormedEventIsAccepted) {
  EXPECT_TRUE(ValidatePolicyEvent(Valid()).ok());
}

// The events of items 14, 15 and 16: each required field is named when
// missing; a platform approval needs no account.
TEST(PolicyEventValidationTest, NotificationControversyAndPlatformApproval) {
  v1::PolicyEvent e = Valid();
  e.mutable_responsible_administrator_notified()->set_person_email("ana@pasto.gov.co");
  e.mutable_responsible_administrator_notified()->set_name("Ana Pérez");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
  e.mutable_responsible_administrator_notified()->set_person_email("ana");
  ExpectInvalid(e, "responsible_administrator_notified.person_email");
  e.mutable_responsible_administrator_notified()->set_person_email("ana@pasto.gov.co");
  e.mutable_responsible_administrator_notified()->clear_name();
  ExpectInvalid(e, "responsible_administrator_notified.name");

  e = Valid();
  e.mutable_controversy_recorded()->set_platform_post_id("p1");
  e.mutable_controversy_recorded()->set_description("quejas");
  e.mutable_controversy_recorded()->set_responsible_director("jefe@pasto.gov.co");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
  e.mutable_controversy_recorded()->clear_description();
  ExpectInvalid(e, "controversy_recorded.description");
  e.mutable_controversy_recorded()->set_description("quejas");
  e.mutable_controversy_recorded()->clear_responsible_director();
  ExpectInvalid(e, "controversy_recorded.responsible_director");

  e = Valid();
  e.clear_account();
  e.mutable_platform_approved()->set_platform(v1::TIKTOK);
  e.mutable_platform_approved()->set_systems_approver("sistemas@pasto.gov.co");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
  e.mutable_platform_approved()->set_platform(v1::PLATFORM_UNSPECIFIED);
  ExpectInvalid(e, "platform_approved.platform");
  e.mutable_platform_approved()->set_platform(v1::TIKTOK);
  e.mutable_platform_approved()->clear_systems_approver();
  ExpectInvalid(e, "platform_approved.systems_approver");
}

TEST(PolicyEventValidationTest, MalformedEventsNameTheField) {
  v1::PolicyEvent e = Valid();
  e.mutable_actor()->set_email("");
  ExpectInvalid(e, "actor.email");
  e.mutable_actor()->set_email("not an email");
  ExpectInvalid(e, "actor.email");
  e = Valid();
  e.mutable_account()->set_platform(v1::PLATFORM_UNSPECIFIED);
  ExpectInvalid(e, "account.platform");
  e = Valid();
  e.mutable_account()->clear_handle();
  ExpectInvalid(e, "account.handle");
  e = Valid();
  e.clear_post_published();
  ExpectInvalid(e, "kind");
  e = Valid();
  e.mutable_post_published()->set_content_sha256("short");
  ExpectInvalid(e, "post_published.content_sha256");

  e = Valid();
  e.mutable_live_stream_authorized()->set_window_start_micros(10);
  e.mutable_live_stream_authorized()->set_window_end_micros(10);
  ExpectInvalid(e, "window_end_micros");

  e = Valid();
  e.mutable_comment_moderated()->set_platform_comment_id("c");
  e.mutable_comment_moderated()->set_action(v1::HIDDEN);
  e.mutable_comment_moderated()->set_reason(v1::OTHER_REASON);
  ExpectInvalid(e, "comment_moderated.other_reason");
  e.mutable_comment_moderated()->set_reason(v1::SPAM);
  e.mutable_comment_moderated()->set_other_reason("x");
  ExpectInvalid(e, "comment_moderated.other_reason");

  e = Valid();
  e.mutable_pqrd_referred()->set_filing_number("2024-1");
  ExpectInvalid(e, "refers_to");
  e.set_refers_to(3);
  e.mutable_pqrd_referred()->clear_filing_number();
  ExpectInvalid(e, "pqrd_referred.filing_number");

  e = Valid();
  e.mutable_admin_role_granted()->mutable_person()->set_email("jefe");
  ExpectInvalid(e, "admin_role_granted.person.email");
}

TEST(PolicyEventValidationTest, EmploymentEndedNeedsNoAccount) {
  v1::PolicyEvent e = Valid();
  e.clear_account();
  e.mutable_employment_ended()->set_person_email("ana@pasto.gov.co");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
}

TEST(PolicyEventValidationTest, NonCompliantButWellFormedIsValid) {
  v1::PolicyEvent e = Valid();
  e.mutable_admin_role_granted()->mutable_person()->set_email("pedro@gmail.com");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
  e = Valid();
  e.mutable_account_created()->set_kind(v1::ALTERNATE);
  e.mutable_account_created()->set_dependency("Secretaría de Salud");
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());  // no authorization: a finding, not an error
}

TEST(PolicyEventValidationTest, PersonalDataMustBeCommitted) {
  v1::PolicyEvent e = Valid();
  e.mutable_user_blocked();
  ExpectInvalid(e, "personal_data[citizen_handle]");
  v1::PersonalDataOpening opening = NewOpening("citizen_handle", "@vecino", [](size_t n) {
    return std::string(n, 'k');
  });
  *e.add_personal_data() = CommitmentOf(opening);
  EXPECT_TRUE(ValidatePolicyEvent(e).ok());
  *e.add_personal_data() = CommitmentOf(opening);
  ExpectInvalid(e, "appears twice");
  e.mutable_personal_data()->RemoveLast();
  e.mutable_personal_data(0)->set_digest("short");
  ExpectInvalid(e, "digest");

  v1::PolicyEvent reply = Valid();
  reply.mutable_reply_published()->set_platform_comment_id("c");
  *reply.add_personal_data() = CommitmentOf(opening);
  ExpectInvalid(reply, "personal_data[comment_text]");
}

TEST(CommitmentTest, DigestIsSha256OverTagFieldSaltValue) {
  const Hash expected = Sha256(std::string("memoria/pd/v1\ncitizen_name\n") + Salt() + "Ana");
  EXPECT_EQ(Commit("citizen_name", Salt(), "Ana"), expected);
}

TEST(CommitmentTest, OpeningsMustMatchTheirCommitments) {
  v1::PersonalDataOpening opening;
  opening.set_field("citizen_handle");
  opening.set_salt(Salt());
  opening.set_value("@vecino");
  v1::PolicyEvent e = Valid();
  e.mutable_user_blocked();
  *e.add_personal_data() = CommitmentOf(opening);

  google::protobuf::RepeatedPtrField<v1::PersonalDataOpening> openings;
  *openings.Add() = opening;
  EXPECT_TRUE(ValidateOpenings(&e, openings).ok());

  openings.Mutable(0)->set_value("@otro");
  EXPECT_EQ(ValidateOpenings(&e, openings).code(), absl::StatusCode::kInvalidArgument);
  openings.Mutable(0)->set_value("@vecino");
  openings.Mutable(0)->set_salt("short");
  EXPECT_EQ(ValidateOpenings(&e, openings).code(), absl::StatusCode::kInvalidArgument);
  openings.Mutable(0)->set_salt(Salt());
  openings.Mutable(0)->set_field("citizen_name");
  EXPECT_THAT(std::string(ValidateOpenings(&e, openings).message()), HasSubstr("no commitment"));

  openings.Clear();
  EXPECT_THAT(std::string(ValidateOpenings(&e, openings).message()), HasSubstr("not sent"));
  *openings.Add() = opening;
  EXPECT_EQ(ValidateOpenings(nullptr, openings).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria::policy
