// WriterRegistry: the writer keys the administrator registered (and revoked)
// through WriterRegistered / WriterRevoked records, as of the last durable
// batch.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<WriterRegistry> writers, WriterRegistry::Load(*log));
//   absl::StatusOr<Verifier> key = writers->FindActive(key_id, "svc-posts");
//
// The registry is derived state persisted in the log's state column: one key
// per writer, "writer/" + hex8(key id) + name, whose value is a serialized
// memoria.v1.WriterInfo. The sequencer writes those puts in the same synced
// batch as the admin record that changes them (see StatePuts), so Load reads
// only the registry, never the whole log, and the registry always matches a
// prefix of the log.
//
// A revoked key stays revoked: registering it again is refused, the writer
// gets a new key.
//
// Thread-safe: lookups run in the validating threads while the sequencer
// applies changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria {

inline constexpr std::string_view kWriterStatePrefix = "writer/";

// The state key of a writer key: "writer/" + hex8(key_id) + name.
std::string WriterStateKey(uint32_t key_id, std::string_view name);

class WriterRegistry {
 public:
  // (key id, name): a key's identity, as entries name it.
  using KeyRef = std::pair<uint32_t, std::string>;

  // Reads every "writer/" state value of `log`. DATA_LOSS naming the key if a
  // value does not parse or does not match its key.
  static absl::StatusOr<std::unique_ptr<WriterRegistry>> Load(const Log& log);

  // The verifier of a registered, unrevoked writer. PERMISSION_DENIED naming
  // the writer if it is unknown or revoked.
  absl::StatusOr<Verifier> FindActive(uint32_t key_id, std::string_view name) const;
  // The writer's current state, if it was ever registered.
  std::optional<v1::WriterInfo> Find(uint32_t key_id, std::string_view name) const;
  // All writers ever registered, ordered by registration index.
  std::vector<v1::WriterInfo> List() const;

  // Records the new state of one writer (after its record is durable).
  // `info.vkey` must be a valid vkey.
  void Apply(const v1::WriterInfo& info);

 private:
  struct Writer {
    v1::WriterInfo info;
    Verifier verifier;
  };
  WriterRegistry() = default;

  mutable absl::Mutex mu_;
  std::map<KeyRef, Writer> writers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memoria
