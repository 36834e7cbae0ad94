// The trust chain of a log, written once: the sequencer enforces it before an
// entry is stored (ledger/sequencer/: entry_validation.cc, sequencer.cc,
// writer_registry.cc), and the auditor re-checks it from the records
// (ledger/verify/log_auditor.cc).
//
//   - Record 0 is the genesis entry, signed by the log key itself; it names
//     the administrator key (LogGenesis.admin_vkey).
//   - WriterRegistered / WriterRevoked entries are signed by the
//     administrator key, and only they may be.
//   - Every other entry is signed by a writer key the administrator
//     registered earlier and did not revoke earlier.
//   - A key is registered once: registering a key already registered, or
//     revoked (a revoked key is never registered again), is refused; so is
//     revoking a key not registered or already revoked.
//   - Administrator rotation: an AdministratorAppointed entry, signed by the
//     current administrator key, names its successor; from the next record on
//     the successor is the administrator and the appointing key is retired
//     for good: anything it signs later is refused (it is neither the
//     administrator nor a writer), and it is never appointed again. The
//     successor must be a new key: not the current administrator, not a
//     retired one, not a writer key, not the log key. Writers registered by
//     a retired administrator stay registered (the appointment does not
//     touch them; the successor revokes those it must).
//
// A key is named in an entry by (key ID, Entry.writer); see SignedBy.
//
// The rules answer with a TrustVerdict; each caller words its own error (the
// sequencer's statuses and the auditor's findings keep their texts).
//
// Thread-safety: the free functions are pure; a TrustChain is used from one
// thread (or under its owner's lock).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/keys.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria {

// Who must sign an entry, by its event.
enum class SigningKey {
  kLogKey,         // the genesis entry
  kAdministrator,  // writer_registered, writer_revoked, administrator_appointed
  kWriter,         // every other event (and an entry with none)
};
SigningKey RequiredSigner(v1::Entry::EventCase event);

// True when (key_id, writer), as an entry names its signer, is `key`.
bool SignedBy(const Verifier& key, uint32_t key_id, std::string_view writer);

// A writer key's standing at some point of the log: registered at a record,
// and revoked at a later one if it was.
struct WriterStanding {
  uint64_t registered_at = 0;
  std::optional<uint64_t> revoked_at;
};
// The standing a memoria.v1.WriterInfo (the writer registry's state) records.
WriterStanding StandingOf(const v1::WriterInfo& info);

enum class TrustVerdict {
  kAllowed,
  kNotRegistered,      // signing or revoking with a key never registered
  kRevoked,            // signing with a revoked key
  kAlreadyRegistered,  // registering a key registered and not revoked
  kRevokedForever,     // registering a key that was revoked
  kAlreadyRevoked,     // revoking a key already revoked
  kSameAdministrator,  // appointing the current administrator key
  kRetiredForever,     // appointing a retired administrator key
  kWriterKey,          // appointing a key registered as a writer
  kLogKey,             // appointing the log key
};

// May a writer key of this standing (nullopt: unknown) sign a writer entry?
// kAllowed, kNotRegistered or kRevoked.
TrustVerdict MayWriterSign(const std::optional<WriterStanding>& standing);
// May the administrator register a key of this standing? kAllowed,
// kAlreadyRegistered or kRevokedForever.
TrustVerdict MayRegister(const std::optional<WriterStanding>& standing);
// May the administrator revoke a key of this standing? kAllowed,
// kNotRegistered or kAlreadyRevoked.
TrustVerdict MayRevoke(const std::optional<WriterStanding>& standing);

class TrustChain;
// May the current administrator of `chain` appoint `successor`? kAllowed,
// kSameAdministrator, kRetiredForever, kWriterKey or kLogKey (`log_key`).
TrustVerdict MayAppoint(const TrustChain& chain, const Verifier& successor, const Verifier& log_key);

// The chain as replayed from records in index order (the auditor's): the
// administrator named by the genesis, and every writer key registered and
// revoked so far. It records what its caller accepted; the rules above judge.
class TrustChain {
 public:
  struct Writer {
    Verifier verifier;
    WriterStanding standing;
  };

  // The current administrator: the genesis's, or the last one appointed.
  const std::optional<Verifier>& administrator() const { return administrator_; }
  // Its vkey as the genesis or the appointment wrote it ("" before a genesis).
  const std::string& administrator_vkey() const { return administrator_vkey_; }

  // An administrator key retired by appointing its successor.
  struct RetiredAdministrator {
    Verifier verifier;
    std::string vkey;
    uint64_t retired_at = 0;  // the index of the appointment
  };
  // The retired administrators, oldest first.
  const std::vector<RetiredAdministrator>& retired_administrators() const { return retired_; }
  // The retired administrator key (key_id, name), or nullptr.
  const RetiredAdministrator* FindRetiredAdministrator(uint32_t key_id, std::string_view name) const;
  // Records an appointment at `index` (MayAppoint allowed it): the current
  // administrator is retired and `successor` takes over. False, changing
  // nothing, before a genesis.
  bool Appoint(Verifier successor, std::string vkey, uint64_t index);
  // Sets the administrator named by a genesis; the first one stays (false
  // when one was set already).
  bool SetAdministrator(Verifier administrator, std::string vkey);

  // The writer key (key_id, name), whatever its standing, or nullptr.
  const Writer* Find(uint32_t key_id, std::string_view name) const;
  // Its standing for a record at index `at`: registered before `at` (else
  // nullopt), revoked only if revoked before `at`.
  std::optional<WriterStanding> StandingAt(uint32_t key_id, std::string_view name,
                                           uint64_t at) const;

  // Records a registration at `index` (MayRegister allowed it).
  void Register(Verifier key, uint64_t index);
  // Records the revocation at `index` of a registered key (MayRevoke allowed it).
  void Revoke(uint32_t key_id, std::string_view name, uint64_t index);

  // Every key registered, in registration order.
  const std::vector<std::unique_ptr<Writer>>& writers() const { return writers_; }

 private:
  Writer* FindMutable(uint32_t key_id, std::string_view name) const;

  std::optional<Verifier> administrator_;
  std::string administrator_vkey_;
  std::vector<RetiredAdministrator> retired_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

}  // namespace memoria
