// Policy events (ledger/policy/event_validation.h, erasure.h,
// commitment.h): the input is a serialized memoria.v1.SignedEntry whose
// entry holds a policy event and whose personal_data holds openings.
// Properties: a valid event carries a commitment for every field its kind
// requires; openings accepted by ValidateOpenings open the event's
// commitments one to one; every opening opens the commitment made of it.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "ledger/hash.h"
#include "ledger/policy/commitment.h"
#include "ledger/policy/erasure.h"
#include "ledger/policy/event_validation.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger.pb.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  InitCrypto();
  v1::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(data, static_cast<int>(size))) return 0;
  v1::Entry entry;
  if (!entry.ParseFromString(signed_entry.entry())) return 0;
  const v1::PolicyEvent& event = entry.policy();
  const auto& openings = signed_entry.personal_data();

  (void)policy::IsValidEmail(event.actor().email());
  const absl::Status valid = policy::ValidatePolicyEvent(event);
  if (valid.ok()) {
    FUZZ_CHECK(event.kind_case() != v1::PolicyEvent::KIND_NOT_SET, "a valid event has no kind");
    FUZZ_CHECK(policy::IsValidEmail(event.actor().email()), "a valid event has an invalid actor");
    std::set<std::string> committed;
    for (const v1::PersonalDataCommitment& commitment : event.personal_data()) {
      FUZZ_CHECK(committed.insert(commitment.field()).second, "a valid event commits a field twice");
    }
    for (std::string_view field : policy::RequiredCommitments(event.kind_case())) {
      FUZZ_CHECK(committed.count(std::string(field)) == 1,
                 "a valid event lacks a required commitment: " + std::string(field));
    }
    if (event.has_personal_data_erased()) {
      (void)policy::CheckErasureApproval(event, fuzz::AdminKey().verifier());
    }
    if (policy::ValidateOpenings(&event, openings).ok()) {
      FUZZ_CHECK(openings.size() == event.personal_data_size(),
                 "accepted openings do not match the commitments one to one");
      for (const v1::PersonalDataCommitment& commitment : event.personal_data()) {
        bool opened = false;
        for (const v1::PersonalDataOpening& opening : openings) {
          opened = opened || policy::CheckOpening(opening, commitment).ok();
        }
        FUZZ_CHECK(opened, "an accepted opening set leaves a commitment unopened");
      }
    }
  }
  FUZZ_CHECK(openings.empty() || !policy::ValidateOpenings(nullptr, openings).ok(),
             "openings accepted beside a non-policy entry");

  for (const v1::PersonalDataOpening& opening : openings) {
    const v1::PersonalDataCommitment commitment = policy::CommitmentOf(opening);
    const absl::Status opens = policy::CheckOpening(opening, commitment);
    FUZZ_CHECK(opens.ok() == (opening.salt().size() == policy::kSaltBytes),
               "an opening does not open its own commitment: " + opens.ToString());
  }
  return 0;
}
