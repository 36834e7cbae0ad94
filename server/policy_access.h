// What the three services (Ledger, Policy, Transparency) share of the
// social-media policy (ledger/policy/), written once: its options, who may
// read personal data (the reader credential), and where a record's personal
// data is found in the erasable store (keyed by the SHA-256 of the entry
// bytes).
//
// Thread-safe: the functions keep no state; the borrowed objects must be
// thread-safe themselves (Log, PersonalStore are).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/log.h"
#include "ledger/personal_store.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_reader.h"
#include "memoria/v1/policy.pb.h"
#include "server/reader_credential.h"

namespace memoria::server {

// The social-media policy's parts of the services.
struct PolicyServiceOptions {
  // The erasable store of personal-data values and salts; nullptr: entries
  // carrying openings are rejected (FAILED_PRECONDITION).
  PersonalStore* personal_store = nullptr;
  // The views' state (the log's state column); nullptr: GetInventory and
  // GetFindings answer FAILED_PRECONDITION.
  const policy::StateReader* views = nullptr;
  // Who may read personal data; absent: nobody (FAILED_PRECONDITION).
  std::optional<ReaderCredential> reader;
  // Default thresholds of the findings.
  policy::FindingsOptions findings;
  // "Now" for findings without a time; nullptr: SystemClock().
  const Clock* clock = nullptr;
};

// OK if the call may read personal data (GetPersonalData, a disclosing
// Export): FAILED_PRECONDITION "this server has no reader credential
// configured (--reader-token-file)" without a credential or a store;
// ReaderCredential::Check's UNAUTHENTICATED for a wrong or missing token.
absl::Status CheckReaderAccess(const PolicyServiceOptions& policy,
                               const grpc::ServerContext& context);

// The SHA-256 of the entry bytes of record `index` (the erasable store's key
// of its personal data). The Log's errors (NOT_FOUND, OUT_OF_RANGE), DATA_LOSS
// if the stored record does not decode.
absl::StatusOr<Hash> EntryHashAt(const Log& log, uint64_t index);

// The personal-data openings the erasable store holds for a record (its
// stored bytes `leaf`): none if its entry has no commitments or they were
// erased. DATA_LOSS if the record or its entry does not parse; the store's
// errors.
absl::StatusOr<std::vector<v1::PersonalDataOpening>> StoredOpenings(const PersonalStore& store,
                                                                    std::string_view leaf);

}  // namespace memoria::server
