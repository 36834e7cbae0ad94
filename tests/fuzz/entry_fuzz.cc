// Entry validation (ledger/sequencer/entry_validation.h) without a server:
// the input is a serialized memoria.v1.SignedEntry, validated against a
// fixed administrator key, a registry holding one writer (svc-fuzz), and a
// fixed clock. Properties: an entry refused only for its signature
// (UNAUTHENTICATED) is accepted once signed by the key it names; an accepted
// entry hands the sequencer a record prefix whose leaf decodes to a record
// of exactly its entry, signature and key ID.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/log.h"
#include "ledger/record.h"
#include "ledger/sequencer/entry_validation.h"
#include "ledger/sequencer/writer_registry.h"
#include "memoria/v1/ledger.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace memoria;

// 2026-01-01T00:00:00Z.
class FixedClock final : public Clock {
 public:
  int64_t NowMicros() const override { return int64_t{1'767'225'600} * 1'000'000; }
};

struct Fixture {
  FixedClock clock;
  ValidationLimits limits{.clock = &clock};
  Log* log = nullptr;  // an empty log: WriterRegistry::Load reads its state
  WriterRegistry* registry = nullptr;
};

const std::string& ScratchDir() {
  static const std::string dir =
      (std::filesystem::temp_directory_path() / ("memoria-entry-fuzz-" + std::to_string(::getpid())))
          .string();
  return dir;
}

void RemoveScratch() {
  std::error_code ignored;
  std::filesystem::remove_all(ScratchDir(), ignored);
}

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    RemoveScratch();
    std::atexit(RemoveScratch);
    absl::StatusOr<std::unique_ptr<Log>> log =
        Log::Open({.path = ScratchDir() + "/db", .block_cache_bytes = 1 << 20,
                   .node_memory_bytes = 1 << 20, .reserved_disk_bytes = 0},
                  fuzz::LogKey());
    FUZZ_CHECK(log.ok(), "cannot open the scratch log: " + log.status().ToString());
    f->log = log->release();
    absl::StatusOr<std::unique_ptr<WriterRegistry>> registry = WriterRegistry::Load(*f->log);
    FUZZ_CHECK(registry.ok(), "cannot load the registry");
    f->registry = registry->release();
    v1::WriterInfo info;
    info.set_vkey(fuzz::WriterKey().verifier().ToString());
    info.set_registered_at(1);
    f->registry->Apply(info);
    return f;
  }();
  return *fixture;
}

void CheckAccepted(const v1::SignedEntry& signed_entry, const ValidatedEntry& validated) {
  FUZZ_CHECK(validated.pending.entry == signed_entry.entry(), "validated entry bytes differ");
  FUZZ_CHECK(validated.pending.writer_key_id == signed_entry.key_id(), "validated key ID differs");
  FUZZ_CHECK(validated.pending.prefix.has_value(), "validated entry has no record prefix");
  const RecordPrefix::Leaf leaf = validated.pending.prefix->Complete(7, Hash{}, 1);
  absl::StatusOr<v1::Record> record = DecodeRecord(leaf.bytes);
  FUZZ_CHECK(record.ok(), "the leaf of a validated entry does not decode");
  FUZZ_CHECK(record->entry() == signed_entry.entry() &&
                 record->writer_signature() == signed_entry.signature() &&
                 record->writer_key_id() == signed_entry.key_id() && record->index() == 7,
             "the leaf of a validated entry holds another entry");
  FUZZ_CHECK(leaf.hash == LeafHash(leaf.bytes), "the leaf hash is not the leaf's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = GetFixture();
  v1::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(data, static_cast<int>(size))) return 0;
  const Verifier& admin = fuzz::AdminKey().verifier();

  absl::StatusOr<ValidatedEntry> validated = ValidateEntry(signed_entry, admin, *f.registry, f.limits);
  if (validated.ok()) {
    CheckAccepted(signed_entry, *validated);
    return 0;
  }
  if (!absl::IsUnauthenticated(validated.status())) return 0;

  // Refused for its signature alone: sign it with the key it names.
  const Signer& key = signed_entry.key_id() == fuzz::AdminKey().key_id() ? fuzz::AdminKey()
                                                                         : fuzz::WriterKey();
  FUZZ_CHECK(key.key_id() == signed_entry.key_id(),
             "UNAUTHENTICATED for a key that is neither the administrator's nor a writer's");
  signed_entry.set_signature(key.Sign(EntrySignedMessage(signed_entry.entry())));
  validated = ValidateEntry(signed_entry, admin, *f.registry, f.limits);
  FUZZ_CHECK(validated.ok(), "an entry refused for its signature alone is refused when signed: " +
                                 validated.status().ToString());
  CheckAccepted(signed_entry, *validated);
  return 0;
}
