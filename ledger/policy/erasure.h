// Habeas data: the administrator's approval of an erasure of a record's
// personal data, carried inside the PersonalDataErased event so that auditors
// can check it offline.
//
//   event.mutable_personal_data_erased()->set_admin_signature(
//       admin.Sign(ErasureApprovalMessage(index, reference)));
//   RETURN_IF_ERROR(CheckErasureApproval(event, admin.verifier()));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/keys.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::policy {

inline constexpr std::string_view kErasureApprovalPrefix = "memoria/erase/v1\n";

// "memoria/erase/v1\n" || decimal index || "\n" || request_reference.
std::string ErasureApprovalMessage(uint64_t index, std::string_view request_reference);

// OK if `event` is a personal_data_erased with refers_to whose admin_signature
// verifies under `admin`; INVALID_ARGUMENT if it is not such an event,
// PERMISSION_DENIED if the approval is missing or does not verify.
absl::Status CheckErasureApproval(const v1::PolicyEvent& event, const Verifier& admin);

}  // namespace memoria::policy
