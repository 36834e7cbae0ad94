// Entry validation: everything about one incoming SignedEntry that can be
// decided without the sequencer — shape, limits, the signing key, and the
// Ed25519 signature. It runs before the sequencer, in parallel on all cores
// (a single entry on the gRPC thread that received it, a batch on the
// service's verifying threads); the sequencer only re-checks what can change between validation and
// sequencing (dedup, revocation, registry transitions).
//
//   ASSIGN_OR_RETURN(ValidatedEntry entry,
//                    ValidateEntry(signed_entry, admin_verifier, registry, limits));
//
// Keys: an entry names its key by (SignedEntry.key_id, Entry.writer). The
// administrator key may sign only writer_registered / writer_revoked entries;
// every other entry must be signed by a registered, unrevoked writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/record.h"
#include "ledger/sequencer/writer_registry.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria {

inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr size_t kMaxEventTypeBytes = 64;

// 1900-01-01T00:00:00Z, in microseconds since the Unix epoch.
inline constexpr int64_t kDefaultMinEventTimeMicros = int64_t{-2'208'988'800} * 1'000'000;

struct ValidationLimits {
  // kMaxEntryBytes (65,404): every record fits a tlog-tiles entry bundle.
  size_t max_entry_bytes = kMaxEntryBytes;
  // The window of Entry.event_time_micros: [min_event_time, now +
  // max_event_time_ahead] (memoria-server --min-event-time,
  // --max-event-time-ahead). It keeps the query index's time buckets within
  // about 1,500 32-day runs and catches nanoseconds sent as microseconds.
  absl::Time min_event_time = absl::FromUnixMicros(kDefaultMinEventTimeMicros);
  absl::Duration max_event_time_ahead = absl::Hours(24);
  // "Now" for that window; nullptr: SystemClock().
  const Clock* clock = nullptr;
};

// What an entry does to the ledger's own administration: kGeneric is any
// writer event (generic or policy), the others are administrator events.
enum class EntryKind { kGeneric, kRegisterWriter, kRevokeWriter };

struct ValidatedEntry {
  // Ready for Log::Append, with the dedup key (see DedupKey) and the record
  // prefix set.
  PendingEntry pending;
  // The entry bytes (pending.entry) parsed: the one parse on the append path
  // (the sequencer hands it to the BatchObserver).
  v1::Entry parsed;
  // Entry.writer and Entry.request_id.
  std::string writer;
  std::string request_id;
  EntryKind kind = EntryKind::kGeneric;
  // For kRegisterWriter / kRevokeWriter: the writer key concerned (its vkey
  // parses) and the description of a registration.
  std::optional<Verifier> subject;
  std::string description;
  // Policy events: the personal-data openings sent beside the entry (checked
  // against its commitments), to keep in the erasable store, and the SHA-256
  // of the entry bytes they are filed under.
  std::vector<v1::PersonalDataOpening> openings;
  Hash entry_hash{};
  // For a personal_data_erased event (approved by the administrator): the
  // index of the record whose personal data is erased.
  std::optional<uint64_t> erases;
};

// The idempotency key of (key id, writer, request id):
// hex8(key id) + writer + '\n' + request id.
std::string DedupKey(uint32_t key_id, std::string_view writer, std::string_view request_id);

// Checks one signed entry. Errors, each with a message naming the problem:
//   INVALID_ARGUMENT  empty or oversized entry bytes, not a memoria.v1.Entry,
//                     empty writer, request id not 1..128 bytes, an event
//                     time outside the window of `limits` (naming the time
//                     and the window), no event, a
//                     generic type outside [a-z0-9_.-]{1,64}, a malformed
//                     policy event (policy::ValidatePolicyEvent, naming the
//                     field), personal-data openings that do not match the
//                     entry's commitments (or sent with a non-policy entry),
//                     a malformed vkey
//                     in a writer event, a signature not 64 bytes;
//   PERMISSION_DENIED personal_data_erased without a valid administrator
//                     approval (policy/erasure.h),
//                     unknown or revoked writer key, a writer event not
//                     signed by the administrator, a genesis event (only the
//                     log writes record 0);
//   UNAUTHENTICATED   the signature does not verify under the named key.
absl::StatusOr<ValidatedEntry> ValidateEntry(const v1::SignedEntry& signed_entry,
                                             const Verifier& admin,
                                             const WriterRegistry& registry,
                                             const ValidationLimits& limits);

}  // namespace memoria
