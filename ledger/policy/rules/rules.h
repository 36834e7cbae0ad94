// The compliance rules, one per file in this folder. Each finding names the
// policy item (section 3 unless noted: "2 (seguridad y control)" is the
// principle of section 2, "4.2-4.3" are the citizens' duties), a severity,
// a message and the indexes of the records that show it.
//
// Record rules decide when a record is sequenced, from the record and the
// views' state just before it; their findings are stored (p/f/...) and are
// therefore fixed by the log. Query rules run when findings are asked for, as
// of a time, with configurable thresholds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "ledger/policy/colombian_calendar.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/state_reader.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/storage/policy_facts.pb.h"
#include "memoria/v1/views.pb.h"

namespace memoria::policy {

// Thresholds of the query rules.
struct FindingsOptions {
  // Institutional email domains (the part after '@', lower case; a subdomain
  // of one counts too).
  std::vector<std::string> allowed_email_domains = {"pasto.gov.co"};
  // A PQRD must be referred within this many business days after it was
  // received, counted from the day after (Colombian days, UTC-5; Monday to
  // Friday except Colombian holidays and `extra_non_working_days`).
  uint32_t pqrd_referral_business_days = 2;
  // Days that are not business days besides weekends and the national
  // holidays (a municipal decree, a day off declared by the Alcaldía).
  std::vector<absl::CivilDay> extra_non_working_days;
  // An active alternate account without a post, reply, shared announcement or
  // live stream for this many days.
  uint32_t alternate_inactive_days = 90;
  // An active account whose credentials were not rotated (or, never rotated,
  // since creation) for this many days.
  uint32_t credentials_rotation_days = 90;
  // Item 15: a responsible administrator's name is notified to the Oficina
  // de Comunicación Social within this many business days of the grant.
  uint32_t responsible_notification_business_days = 5;
  // Section 2 and item 13: the passwords of the accounts a person
  // administered are changed within this many days of their employment
  // ending.
  uint32_t password_change_after_employment_days = 3;
  // Item 7: every active alternate account shares an announcement of the
  // Mayor within this many days.
  uint32_t mayor_announcement_share_days = 2;
};

// What a record rule sees.
struct RecordContext {
  uint64_t index = 0;
  int64_t time_micros = 0;  // integration time
  const v1::Entry* entry = nullptr;
  const v1::PolicyEvent* event = nullptr;
  // The event's account as of just before this record; nullptr if unknown.
  const v1::AccountState* account = nullptr;
  // The fact stored for the record `refers_to`, when it is one of these.
  const v1::AlternateAuthorizationFact* alternate_authorization = nullptr;
  const v1::StreamAuthorizationFact* stream_authorization = nullptr;
  // For an AccountCreated: accounts on its platform were approved (item 14,
  // PlatformApproved by the Oficina de Comunicación Social) before it.
  bool platform_approved = false;
};

// What a query rule sees.
struct QueryContext {
  const StateReader* state = nullptr;
  uint64_t at_index = 0;  // findings as of this record (inclusive)
  int64_t at_micros = 0;
  int64_t since_micros = 0;
  uint64_t since_index = 0;  // the first record at or after since_micros
  // The first PQRD whose deadline may fall at or after since_micros.
  uint64_t pqrd_since_index = 0;
  const FindingsOptions* options = nullptr;
  // Business days per `options` (its holidays and extra non-working days).
  const BusinessCalendar* calendar = nullptr;
  // The inventory as of at_index.
  const std::vector<v1::AccountState>* accounts = nullptr;
  // Integration time of a record (index <= at_index).
  const RecordTimeFn* time_of = nullptr;
};

v1::Finding MakeFinding(std::string_view rule, std::string_view item, std::string_view severity,
                        std::string message, std::vector<uint64_t> indexes,
                        const v1::AccountRef* account);

// Record rules (return a finding or nothing).
std::optional<v1::Finding> AlternateWithoutAuthorization(const RecordContext& r);
std::optional<v1::Finding> AlternateOnDisallowedPlatform(const RecordContext& r);
std::optional<v1::Finding> LiveStreamWithoutAuthorization(const RecordContext& r);
std::optional<v1::Finding> UserBlocked(const RecordContext& r);
std::optional<v1::Finding> PostDeleted(const RecordContext& r);
std::optional<v1::Finding> CommentRemovedForOtherReason(const RecordContext& r);
std::optional<v1::Finding> RoleWithoutEmploymentLink(const RecordContext& r);
std::optional<v1::Finding> PostHidden(const RecordContext& r);
std::optional<v1::Finding> AlternateWithoutResponsibleDirector(const RecordContext& r);
std::optional<v1::Finding> ControversyNotAssumedByDirector(const RecordContext& r);
std::optional<v1::Finding> AccountOnUnapprovedPlatform(const RecordContext& r);
// Facebook, X, Instagram and YouTube: the platforms of the policy's main accounts.
bool IsPolicyPlatform(v1::Platform platform);

using RecordRule = std::optional<v1::Finding> (*)(const RecordContext&);
inline constexpr RecordRule kRecordRules[] = {AlternateWithoutAuthorization,
                                              AlternateOnDisallowedPlatform,
                                              LiveStreamWithoutAuthorization,
                                              UserBlocked,
                                              PostDeleted,
                                              CommentRemovedForOtherReason,
                                              RoleWithoutEmploymentLink,
                                              PostHidden,
                                              AlternateWithoutResponsibleDirector,
                                              ControversyNotAssumedByDirector,
                                              AccountOnUnapprovedPlatform};
// The rule names their findings carry, in the same order (queries filter by them).
inline constexpr std::string_view kRecordRuleNames[] = {
    "alternate_without_authorization",        "alternate_on_disallowed_platform",
    "live_stream_without_authorization",      "user_blocked",
    "post_deleted",                           "comment_removed_for_other_reason",
    "role_without_employment_link",           "post_hidden",
    "alternate_without_responsible_director", "controversy_not_assumed_by_director",
    "account_on_unapproved_platform"};

// Query rules (append their findings).
absl::Status NonInstitutionalEmail(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status RoleKeptAfterEmploymentEnded(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status NoResponsibleAdministrator(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status FacebookAlternateWithoutComunicacionAdmin(const QueryContext& q,
                                                       std::vector<v1::Finding>& out);
absl::Status PqrdNotReferredInTime(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status AlternateInactive(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status CredentialsNotRotated(const QueryContext& q, std::vector<v1::Finding>& out);
absl::Status ResponsibleAdministratorNotNotified(const QueryContext& q,
                                                 std::vector<v1::Finding>& out);
absl::Status PasswordNotChangedAfterEmploymentEnded(const QueryContext& q,
                                                    std::vector<v1::Finding>& out);
absl::Status MayorAnnouncementNotShared(const QueryContext& q, std::vector<v1::Finding>& out);

using QueryRule = absl::Status (*)(const QueryContext&, std::vector<v1::Finding>&);
inline constexpr QueryRule kQueryRules[] = {NonInstitutionalEmail,
                                            RoleKeptAfterEmploymentEnded,
                                            NoResponsibleAdministrator,
                                            FacebookAlternateWithoutComunicacionAdmin,
                                            PqrdNotReferredInTime,
                                            AlternateInactive,
                                            CredentialsNotRotated,
                                            ResponsibleAdministratorNotNotified,
                                            PasswordNotChangedAfterEmploymentEnded,
                                            MayorAnnouncementNotShared};

}  // namespace memoria::policy
