// Structural validation of policy events (proto memoria.v1.PolicyEvent) and
// of the personal-data openings sent beside them.
//
// Only structural problems are errors: a missing actor email, a content hash
// that is not 32 bytes, a live-stream window that ends before it starts. A
// well-formed event that breaks the policy (a role granted to a personal
// email, a blocked user, an alternate account without authorization) is valid
// here: it is stored, and shows up as a finding (findings.h).
//
//   RETURN_IF_ERROR(ValidatePolicyEvent(entry.policy()));
//   RETURN_IF_ERROR(ValidateOpenings(entry.policy(), signed_entry.personal_data()));
#pragma once

#include <string_view>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "absl/status/status.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::policy {

// True for a syntactically valid email: local@domain, domain with a dot, no
// spaces or control characters, at most 254 bytes.
bool IsValidEmail(std::string_view email);

// The personal-data fields an event of this kind must carry as commitments
// (reply_published: citizen_handle, comment_text; user_blocked:
// citizen_handle; pqrd_received: citizen_name, citizen_handle, pqrd_text).
std::vector<std::string_view> RequiredCommitments(v1::PolicyEvent::KindCase kind);

// INVALID_ARGUMENT naming the field (e.g. "policy.actor.email is not a valid
// email") when the event is malformed:
//   - no kind; actor email missing or not an email;
//   - account platform or handle missing (except employment_ended and
//     personal_data_erased, which concern no account);
//   - per kind: the fields that make the event meaningful (a content hash of
//     32 bytes, a window end after its start, other_reason iff OTHER_REASON,
//     a filing number and refers_to for pqrd_referred, ...);
//   - commitments: an empty field name, a digest not 32 bytes, a field twice,
//     a required field missing.
absl::Status ValidatePolicyEvent(const v1::PolicyEvent& event);

// INVALID_ARGUMENT unless the openings match the event's commitments one to
// one: every opening opens the commitment of its field (commitment.h), and
// every commitment has its opening. `event` may be null (a non-policy entry):
// then any opening is an error.
absl::Status ValidateOpenings(
    const v1::PolicyEvent* event,
    const google::protobuf::RepeatedPtrField<v1::PersonalDataOpening>& openings);

}  // namespace memoria::policy
