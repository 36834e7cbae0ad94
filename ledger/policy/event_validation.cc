#include "ledger/policy/event_validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/policy/commitment.h"

namespace memoria::policy {
namespace {

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("policy.", std::string(field), " ", std::string(problem)));
}

absl::Status RequireText(std::string_view field, const std::string& value) {
  if (value.empty()) return Invalid(field, "is required");
  return absl::OkStatus();
}

absl::Status RequireEmail(std::string_view field, const std::string& value) {
  if (value.empty()) return Invalid(field, "is required");
  if (!IsValidEmail(value)) return Invalid(field, absl::StrCat("\"", value, "\" is not a valid email"));
  return absl::OkStatus();
}

absl::Status RequireSha256(std::string_view field, const std::string& value) {
  if (value.size() != 32) {
    return Invalid(field, absl::StrCat("is ", value.size(), " bytes, not 32 (a SHA-256)"));
  }
  return absl::OkStatus();
}

bool NeedsAccount(v1::PolicyEvent::KindCase kind) {
  return kind != v1::PolicyEvent::kEmploymentEnded && kind != v1::PolicyEvent::kPersonalDataErased &&
         kind != v1::PolicyEvent::kPlatformApproved;
}

absl::Status CheckKind(const v1::PolicyEvent& event) {
  using K = v1::PolicyEvent;
  switch (event.kind_case()) {
    case K::kAlternateAccountAuthorized:
      return RequireText("alternate_account_authorized.dependency",
                         event.alternate_account_authorized().dependency());
    case K::kAccountCreated: {
      const v1::AccountCreated& created = event.account_created();
      if (created.kind() == v1::ACCOUNT_KIND_UNSPECIFIED) {
        return Invalid("account_created.kind", "is required (MAIN or ALTERNATE)");
      }
      return RequireText("account_created.dependency", created.dependency());
    }
    case K::kAccountClosed:
      if (event.account_closed().closure() == v1::CLOSURE_KIND_UNSPECIFIED) {
        return Invalid("account_closed.closure", "is required (TEMPORARY or DEFINITIVE)");
      }
      return absl::OkStatus();
    case K::kAccountReopened:
    case K::kCredentialsRotated:
      return absl::OkStatus();
    case K::kAdminRoleGranted:
      return RequireEmail("admin_role_granted.person.email",
                          event.admin_role_granted().person().email());
    case K::kAdminRoleRevoked:
      return RequireEmail("admin_role_revoked.person_email",
                          event.admin_role_revoked().person_email());
    case K::kEmploymentEnded:
      return RequireEmail("employment_ended.person_email", event.employment_ended().person_email());
    case K::kPostPublished:
      if (auto s = RequireText("post_published.platform_post_id",
                               event.post_published().platform_post_id());
          !s.ok()) {
        return s;
      }
      return RequireSha256("post_published.content_sha256", event.post_published().content_sha256());
    case K::kPostEdited:
      if (auto s = RequireText("post_edited.platform_post_id", event.post_edited().platform_post_id());
          !s.ok()) {
        return s;
      }
      return RequireSha256("post_edited.content_sha256", event.post_edited().content_sha256());
    case K::kPostRemoved:
      if (event.post_removed().action() == v1::MODERATION_ACTION_UNSPECIFIED) {
        return Invalid("post_removed.action", "is required (HIDDEN or DELETED)");
      }
      return RequireText("post_removed.platform_post_id", event.post_removed().platform_post_id());
    case K::kReplyPublished:
      return RequireText("reply_published.platform_comment_id",
                         event.reply_published().platform_comment_id());
    case K::kCommentModerated: {
      const v1::CommentModerated& moderated = event.comment_moderated();
      if (moderated.platform_comment_id().empty()) {
        return Invalid("comment_moderated.platform_comment_id", "is required");
      }
      if (moderated.action() == v1::MODERATION_ACTION_UNSPECIFIED) {
        return Invalid("comment_moderated.action", "is required (HIDDEN or DELETED)");
      }
      if (moderated.reason() == v1::MODERATION_REASON_UNSPECIFIED) {
        return Invalid("comment_moderated.reason", "is required");
      }
      const bool other = moderated.reason() == v1::OTHER_REASON;
      if (other && moderated.other_reason().empty()) {
        return Invalid("comment_moderated.other_reason", "is required when reason is OTHER_REASON");
      }
      if (!other && !moderated.other_reason().empty()) {
        return Invalid("comment_moderated.other_reason", "is allowed only with reason OTHER_REASON");
      }
      return absl::OkStatus();
    }
    case K::kUserBlocked:
      return absl::OkStatus();
    case K::kLiveStreamAuthorized: {
      const v1::LiveStreamAuthorized& window = event.live_stream_authorized();
      if (window.window_start_micros() <= 0) {
        return Invalid("live_stream_authorized.window_start_micros", "is required");
      }
      if (window.window_end_micros() <= window.window_start_micros()) {
        return Invalid("live_stream_authorized.window_end_micros",
                       "must be after window_start_micros");
      }
      return absl::OkStatus();
    }
    case K::kLiveStreamStarted:
      return RequireText("live_stream_started.platform_stream_id",
                         event.live_stream_started().platform_stream_id());
    case K::kLiveStreamEnded:
      return RequireText("live_stream_ended.platform_stream_id",
                         event.live_stream_ended().platform_stream_id());
    case K::kPqrdReceived:
      return RequireText("pqrd_received.platform_message_id",
                         event.pqrd_received().platform_message_id());
    case K::kPqrdReferred:
      if (!event.has_refers_to()) return Invalid("refers_to", "is required (the PqrdReceived record)");
      return RequireText("pqrd_referred.filing_number", event.pqrd_referred().filing_number());
    case K::kAnnouncementShared:
      return RequireText("announcement_shared.original_url",
                         event.announcement_shared().original_url());
    case K::kPersonalDataErased:
      if (!event.has_refers_to()) return Invalid("refers_to", "is required (the erased record)");
      return RequireText("personal_data_erased.request_reference",
                         event.personal_data_erased().request_reference());
    case K::kResponsibleAdministratorNotified:
      if (auto s = RequireEmail("responsible_administrator_notified.person_email",
                                event.responsible_administrator_notified().person_email());
          !s.ok()) {
        return s;
      }
      return RequireText("responsible_administrator_notified.name",
                         event.responsible_administrator_notified().name());
    case K::kControversyRecorded:
      if (auto s = RequireText("controversy_recorded.description",
                               event.controversy_recorded().description());
          !s.ok()) {
        return s;
      }
      return RequireEmail("controversy_recorded.responsible_director",
                          event.controversy_recorded().responsible_director());
    case K::kPlatformApproved:
      if (event.platform_approved().platform() == v1::PLATFORM_UNSPECIFIED) {
        return Invalid("platform_approved.platform", "is required");
      }
      return RequireEmail("platform_approved.systems_approver",
                          event.platform_approved().systems_approver());
    case K::KIND_NOT_SET:
      break;
  }
  return Invalid("kind", "is required");
}

}  // namespace

bool IsValidEmail(std::string_view email) {
  if (email.empty() || email.size() > 254) return false;
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ',' || c == ';' || c == '<' || c == '>' || c == '"') {
      return false;
    }
  }
  const std::string_view domain = email.substr(at + 1);
  const size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
}

std::vector<std::string_view> RequiredCommitments(v1::PolicyEvent::KindCase kind) {
  switch (kind) {
    case v1::PolicyEvent::kReplyPublished:
      return {"citizen_handle", "comment_text"};
    case v1::PolicyEvent::kUserBlocked:
      return {"citizen_handle"};
    case v1::PolicyEvent::kPqrdReceived:
      return {"citizen_name", "citizen_handle", "pqrd_text"};
    default:
      return {};
  }
}

absl::Status ValidatePolicyEvent(const v1::PolicyEvent& event) {
  if (event.kind_case() == v1::PolicyEvent::KIND_NOT_SET) return Invalid("kind", "is required");
  if (absl::Status s = RequireEmail("actor.email", event.actor().email()); !s.ok()) return s;
  if (NeedsAccount(event.kind_case())) {
    if (event.account().platform() == v1::PLATFORM_UNSPECIFIED) {
      return Invalid("account.platform", "is required");
    }
    if (event.account().handle().empty()) return Invalid("account.handle", "is required");
  }
  if (absl::Status s = CheckKind(event); !s.ok()) return s;

  std::set<std::string> fields;
  for (const v1::PersonalDataCommitment& commitment : event.personal_data()) {
    if (commitment.field().empty()) return Invalid("personal_data.field", "is required");
    if (commitment.digest().size() != 32) {
      return Invalid(absl::StrCat("personal_data[", commitment.field(), "].digest"),
                     absl::StrCat("is ", commitment.digest().size(), " bytes, not 32"));
    }
    if (!fields.insert(commitment.field()).second) {
      return Invalid(absl::StrCat("personal_data[", commitment.field(), "]"), "appears twice");
    }
  }
  for (std::string_view required : RequiredCommitments(event.kind_case())) {
    if (!fields.contains(std::string(required))) {
      return Invalid(absl::StrCat("personal_data[", std::string(required), "]"),
                     "is required (as a commitment) for this kind of event");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOpenings(
    const v1::PolicyEvent* event,
    const google::protobuf::RepeatedPtrField<v1::PersonalDataOpening>& openings) {
  if (event == nullptr) {
    if (openings.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "personal data openings were sent with an entry that is not a policy event");
  }
  std::set<std::string> opened;
  for (const v1::PersonalDataOpening& opening : openings) {
    const v1::PersonalDataCommitment* commitment = nullptr;
    for (const v1::PersonalDataCommitment& c : event->personal_data()) {
      if (c.field() == opening.field()) commitment = &c;
    }
    if (commitment == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "personal data opening of field \"", opening.field(), "\" has no commitment in the entry"));
    }
    if (!opened.insert(opening.field()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("personal data field \"", opening.field(), "\" is opened twice"));
    }
    if (absl::Status s = CheckOpening(opening, *commitment); !s.ok()) return s;
  }
  for (const v1::PersonalDataCommitment& c : event->personal_data()) {
    if (!opened.contains(c.field())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "personal data field \"", c.field(), "\" is committed but its value and salt were not sent"));
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
