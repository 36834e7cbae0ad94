#include "ledger/sequencer/entry_validation.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "ledger/policy/erasure.h"
#include "ledger/policy/event_validation.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/trust_chain.h"

namespace memoria {
namespace {

bool ValidEventType(std::string_view type) {
  if (type.empty() || type.size() > kMaxEventTypeBytes) return false;
  for (char c : type) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

// Checks the event and fills kind/subject/description.
absl::Status CheckEvent(const v1::Entry& entry, const Verifier& admin, ValidatedEntry& out) {
  switch (entry.event_case()) {
    case v1::Entry::kGeneric:
      if (!ValidEventType(entry.generic().type())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "generic event type \"", absl::CHexEscape(entry.generic().type().substr(0, 80)),
            "\" is not 1 to 64 characters of [a-z0-9_.-]"));
      }
      out.kind = EntryKind::kGeneric;
      return absl::OkStatus();
    case v1::Entry::kWriterRegistered:
    case v1::Entry::kWriterRevoked: {
      const bool registered = entry.event_case() == v1::Entry::kWriterRegistered;
      const std::string& vkey =
          registered ? entry.writer_registered().vkey() : entry.writer_revoked().vkey();
      absl::StatusOr<Verifier> subject = Verifier::Parse(vkey);
      if (!subject.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            registered ? "writer_registered" : "writer_revoked",
            " vkey is not a valid verifier key: ", subject.status().message()));
      }
      out.kind = registered ? EntryKind::kRegisterWriter : EntryKind::kRevokeWriter;
      out.subject = *std::move(subject);
      if (registered) out.description = entry.writer_registered().description();
      return absl::OkStatus();
    }
    case v1::Entry::kPolicy:
      if (entry.policy().kind_case() == v1::PolicyEvent::KIND_NOT_SET) {
        return absl::InvalidArgumentError("policy event has no kind");
      }
      RETURN_IF_ERROR(policy::ValidatePolicyEvent(entry.policy()));
      if (entry.policy().has_personal_data_erased()) {
        RETURN_IF_ERROR(policy::CheckErasureApproval(entry.policy(), admin));
        out.erases = entry.policy().refers_to();
      }
      out.kind = EntryKind::kGeneric;
      return absl::OkStatus();
    case v1::Entry::kGenesis:
      return absl::PermissionDeniedError(
          "a genesis entry is written only by the log itself, as record 0");
    case v1::Entry::kAdministratorAppointed:
      // The auditor follows an appointment (ledger/verify/trust_chain.h); the
      // server does not take one yet: its administrator is fixed at start.
      return absl::FailedPreconditionError(
          "administrator_appointed: this server does not rotate its administrator key yet");
    case v1::Entry::EVENT_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("entry has no event");
}

std::string FormatUtc(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

// OK if the entry's event time lies in the window of `limits`.
absl::Status CheckEventTime(int64_t event_time_micros, const ValidationLimits& limits) {
  const Clock& clock = limits.clock != nullptr ? *limits.clock : SystemClock();
  const absl::Time event_time = absl::FromUnixMicros(event_time_micros);
  // absl::Time saturates, so a huge --max-event-time-ahead cannot overflow.
  const absl::Time latest = absl::FromUnixMicros(clock.NowMicros()) + limits.max_event_time_ahead;
  if (event_time >= limits.min_event_time && event_time <= latest) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "event_time_micros ", event_time_micros, " (", FormatUtc(event_time),
      ") is outside the accepted window [", FormatUtc(limits.min_event_time), ", ",
      FormatUtc(latest), "] (from --min-event-time to now + --max-event-time-ahead ",
      absl::FormatDuration(limits.max_event_time_ahead),
      "); send microseconds since the Unix epoch, UTC"));
}

}  // namespace

std::string DedupKey(uint32_t key_id, std::string_view writer, std::string_view request_id) {
  std::string key = absl::StrFormat("%08x", key_id);
  key.append(writer).append("\n").append(request_id);
  return key;
}

absl::StatusOr<ValidatedEntry> ValidateEntry(const v1::SignedEntry& signed_entry,
                                             const Verifier& admin,
                                             const WriterRegistry& registry,
                                             const ValidationLimits& limits) {
  const std::string& bytes = signed_entry.entry();
  if (bytes.empty()) return absl::InvalidArgumentError("entry is empty");
  if (bytes.size() > limits.max_entry_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("entry is ", bytes.size(),
                                                   " bytes, more than the limit of ",
                                                   limits.max_entry_bytes));
  }
  v1::Entry entry;
  if (!entry.ParseFromString(bytes)) {
    return absl::InvalidArgumentError("entry is not a valid memoria.v1.Entry");
  }
  if (entry.writer().empty()) return absl::InvalidArgumentError("entry has no writer");
  if (entry.request_id().empty() || entry.request_id().size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("request_id is ", entry.request_id().size(),
                                                   " bytes; it must be 1 to ",
                                                   kMaxRequestIdBytes));
  }
  RETURN_IF_ERROR(CheckEventTime(entry.event_time_micros(), limits));
  ValidatedEntry out;
  RETURN_IF_ERROR(CheckEvent(entry, admin, out));
  RETURN_IF_ERROR(policy::ValidateOpenings(entry.has_policy() ? &entry.policy() : nullptr,
                                           signed_entry.personal_data()));
  if (signed_entry.signature().size() != kSignatureSize) {
    return absl::InvalidArgumentError(absl::StrCat("signature is ",
                                                   signed_entry.signature().size(),
                                                   " bytes, not ", kSignatureSize));
  }

  const uint32_t key_id = signed_entry.key_id();
  // Who may sign it: the trust chain's rule (ledger/verify/trust_chain.h).
  const bool by_admin = SignedBy(admin, key_id, entry.writer());
  std::optional<Verifier> key;
  if (RequiredSigner(entry.event_case()) == SigningKey::kAdministrator) {
    if (!by_admin) {
      return absl::PermissionDeniedError(absl::StrFormat(
          "writer %s key %08x may not register or revoke writers: only the administrator key "
          "%s may",
          entry.writer(), key_id, admin.ToString()));
    }
    key = admin;
  } else {
    ASSIGN_OR_RETURN(key, registry.FindActive(key_id, entry.writer()));
  }
  if (!key->Verify(EntrySignedMessage(bytes), signed_entry.signature())) {
    return absl::UnauthenticatedError(absl::StrFormat(
        "signature does not verify under writer %s key %08x", entry.writer(), key_id));
  }

  out.writer = entry.writer();
  out.request_id = entry.request_id();
  out.pending.writer_key_id = key_id;
  out.pending.entry = bytes;
  out.pending.writer_signature = signed_entry.signature();
  out.pending.dedup_key = DedupKey(key_id, out.writer, out.request_id);
  out.openings.assign(signed_entry.personal_data().begin(), signed_entry.personal_data().end());
  if (!out.openings.empty()) out.entry_hash = Sha256(bytes);
  // The writer's half of the record is hashed here, in parallel, not in the sequencer.
  out.pending.prefix.emplace(key_id, out.pending.entry, out.pending.writer_signature);
  out.parsed = std::move(entry);
  return out;
}

}  // namespace memoria
