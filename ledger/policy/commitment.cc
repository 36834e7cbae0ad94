#include "ledger/policy/commitment.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace memoria::policy {

Hash Commit(std::string_view field, std::string_view salt, std::string_view value) {
  std::string message;
  message.reserve(kCommitmentTag.size() + field.size() + 1 + salt.size() + value.size());
  message.append(kCommitmentTag).append(field).append("\n").append(salt).append(value);
  return Sha256(message);
}

v1::PersonalDataOpening NewOpening(std::string_view field, std::string_view value,
                                   const std::function<std::string(size_t)>& random_bytes) {
  v1::PersonalDataOpening opening;
  opening.set_field(std::string(field));
  opening.set_salt(random_bytes(kSaltBytes));
  opening.set_value(std::string(value));
  return opening;
}

v1::PersonalDataCommitment CommitmentOf(const v1::PersonalDataOpening& opening) {
  v1::PersonalDataCommitment commitment;
  commitment.set_field(opening.field());
  commitment.set_digest(
      std::string(AsBytes(Commit(opening.field(), opening.salt(), opening.value()))));
  return commitment;
}

absl::Status CheckOpening(const v1::PersonalDataOpening& opening,
                          const v1::PersonalDataCommitment& commitment) {
  if (opening.field() != commitment.field()) {
    return absl::InvalidArgumentError(absl::StrCat("opening of field \"", opening.field(),
                                                   "\" does not open field \"",
                                                   commitment.field(), "\""));
  }
  if (opening.salt().size() != kSaltBytes) {
    return absl::InvalidArgumentError(absl::StrCat("salt of personal data field \"",
                                                   opening.field(), "\" is ",
                                                   opening.salt().size(), " bytes, not 16"));
  }
  const Hash digest = Commit(opening.field(), opening.salt(), opening.value());
  if (commitment.digest().size() != digest.size() ||
      sodium_memcmp(commitment.digest().data(), digest.data(), digest.size()) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value and salt of personal data field \"", opening.field(),
        "\" do not match its commitment"));
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
