#include "ledger/policy/erasure.h"

#include "absl/strings/str_cat.h"

namespace memoria::policy {

std::string ErasureApprovalMessage(uint64_t index, std::string_view request_reference) {
  return absl::StrCat(std::string(kErasureApprovalPrefix), index, "\n",
                      std::string(request_reference));
}

absl::Status CheckErasureApproval(const v1::PolicyEvent& event, const Verifier& admin) {
  if (!event.has_personal_data_erased() || !event.has_refers_to()) {
    return absl::InvalidArgumentError("not a personal_data_erased event with refers_to");
  }
  const v1::PersonalDataErased& erased = event.personal_data_erased();
  if (erased.admin_signature().empty()) {
    return absl::PermissionDeniedError(
        "personal_data_erased has no administrator approval (admin_signature)");
  }
  if (!admin.Verify(ErasureApprovalMessage(event.refers_to(), erased.request_reference()),
                    erased.admin_signature())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "personal_data_erased admin_signature does not verify under the administrator key ",
        admin.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
