// Writing entries as a writer does: build a memoria.v1.Entry, serialize it
// once, and sign "memoria/entry/v1\n" || entry bytes with the writer's key.
//
//   ASSIGN_OR_RETURN(Signer key, ReadSignerKeyFile("writer.key"));
//   EntrySigner signer(std::move(key));
//   ASSIGN_OR_RETURN(v1::SignedEntry entry,
//                    signer.Generic("post.published", {{"url", "https://..."}}));
//   ASSIGN_OR_RETURN(v1::Receipt receipt, client->Append(entry));
//
// The signed entry carries its request id: sending the same SignedEntry again
// (a retry) appends nothing new and returns the original receipt.
//
// Immutable after construction; thread-safe if the injected sources are.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/clock.h"
#include "ledger/keys.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria::client {

// A random 128-bit request id: 32 lowercase hex digits from the system CSPRNG.
std::string RandomRequestId();

// Serializes `entry` and signs it with `key` (no field is filled in).
v1::SignedEntry SignEntry(const Signer& key, const v1::Entry& entry);

class EntrySigner {
 public:
  using RequestIdSource = std::function<std::string()>;

  // `clock` (borrowed, must outlive this; nullptr: SystemClock()) stamps
  // entries without an event time; `request_ids` names entries without one.
  explicit EntrySigner(Signer key, RequestIdSource request_ids = RandomRequestId,
                       const Clock* clock = nullptr);

  const Signer& key() const { return key_; }

  // Fills in what is missing — writer (the key's name), request_id,
  // event_time_micros — then serializes and signs. INVALID_ARGUMENT if
  // entry.writer names another key or the entry has no event.
  absl::StatusOr<v1::SignedEntry> Sign(v1::Entry entry) const;

  // A GenericEvent of `type` with `attributes`.
  absl::StatusOr<v1::SignedEntry> Generic(const std::string& type,
                                          const std::map<std::string, std::string>& attributes,
                                          const std::string& request_id = "") const;
  // Administration, signed by the administrator key: authorize / withdraw the
  // writer key `vkey` (validated here).
  absl::StatusOr<v1::SignedEntry> RegisterWriter(const std::string& vkey,
                                                 const std::string& description,
                                                 const std::string& request_id = "") const;
  absl::StatusOr<v1::SignedEntry> RevokeWriter(const std::string& vkey, const std::string& reason,
                                               const std::string& request_id = "") const;

 private:
  const Signer key_;
  const RequestIdSource request_ids_;
  const Clock* const clock_;
};

}  // namespace memoria::client
