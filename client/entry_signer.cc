#include "client/entry_signer.h"

#include <array>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/record.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

// The canonical form of a writer's vkey; INVALID_ARGUMENT if it does not parse.
absl::StatusOr<std::string> WriterVkey(const std::string& vkey) {
  absl::StatusOr<Verifier> writer = Verifier::Parse(vkey);
  if (!writer.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("writer vkey: ", writer.status().message()));
  }
  return writer->ToString();
}

}  // namespace

std::string RandomRequestId() {
  // std::random_device reads the kernel CSPRNG (getrandom) on Linux.
  std::random_device device;
  std::array<uint32_t, 4> words{};
  for (uint32_t& word : words) word = device();
  std::string bytes;
  for (uint32_t word : words) bytes += EncodeBigEndian32(word);
  return HexEncode(bytes);
}

v1::SignedEntry SignEntry(const Signer& key, const v1::Entry& entry) {
  v1::SignedEntry signed_entry;
  // Serialized exactly once: these bytes are signed, sent and stored.
  signed_entry.set_entry(entry.SerializeAsString());
  signed_entry.set_key_id(key.key_id());
  signed_entry.set_signature(key.Sign(EntrySignedMessage(signed_entry.entry())));
  return signed_entry;
}

EntrySigner::EntrySigner(Signer key, RequestIdSource request_ids, const Clock* clock)
    : key_(std::move(key)),
      request_ids_(request_ids ? std::move(request_ids) : RequestIdSource(RandomRequestId)),
      clock_(clock != nullptr ? clock : &SystemClock()) {}

absl::StatusOr<v1::SignedEntry> EntrySigner::Sign(v1::Entry entry) const {
  if (entry.writer().empty()) {
    entry.set_writer(key_.name());
  } else if (entry.writer() != key_.name()) {
    return absl::InvalidArgumentError(absl::StrCat("the entry names writer \"", entry.writer(),
                                                   "\" but the key is \"", key_.name(), "\""));
  }
  if (entry.event_case() == v1::Entry::EVENT_NOT_SET) {
    return absl::InvalidArgumentError("the entry has no event");
  }
  if (entry.request_id().empty()) entry.set_request_id(request_ids_());
  if (entry.event_time_micros() == 0) entry.set_event_time_micros(clock_->NowMicros());
  return SignEntry(key_, entry);
}

absl::StatusOr<v1::SignedEntry> EntrySigner::Generic(
    const std::string& type, const std::map<std::string, std::string>& attributes,
    const std::string& request_id) const {
  v1::Entry entry;
  entry.set_request_id(request_id);
  v1::GenericEvent& event = *entry.mutable_generic();
  event.set_type(type);
  for (const auto& [name, value] : attributes) (*event.mutable_attributes())[name] = value;
  return Sign(std::move(entry));
}

absl::StatusOr<v1::SignedEntry> EntrySigner::RegisterWriter(const std::string& vkey,
                                                            const std::string& description,
                                                            const std::string& request_id) const {
  ASSIGN_OR_RETURN(std::string writer, WriterVkey(vkey));
  v1::Entry entry;
  entry.set_request_id(request_id);
  entry.mutable_writer_registered()->set_vkey(std::move(writer));
  entry.mutable_writer_registered()->set_description(description);
  return Sign(std::move(entry));
}

absl::StatusOr<v1::SignedEntry> EntrySigner::RevokeWriter(const std::string& vkey,
                                                          const std::string& reason,
                                                          const std::string& request_id) const {
  ASSIGN_OR_RETURN(std::string writer, WriterVkey(vkey));
  v1::Entry entry;
  entry.set_request_id(request_id);
  entry.mutable_writer_revoked()->set_vkey(std::move(writer));
  entry.mutable_writer_revoked()->set_reason(reason);
  return Sign(std::move(entry));
}

}  // namespace memoria::client
