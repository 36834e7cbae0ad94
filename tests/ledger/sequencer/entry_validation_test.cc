// ValidateEntry without a server: who may sign what, the signature, the
// shape of the entry, and what it hands the sequencer (the parsed entry, the
// dedup key, the record prefix).
#include "ledger/sequencer/entry_validation.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/entry_signer.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/sequencer/writer_registry.h"
#include "tests/support/temp_dir.h"

namespace memoria {
namespace {

using ::memoria::testing::TempDir;

constexpr int64_t kEventTime = 1'700'000'000'000'000;

class EntryValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    log_ = *Log::Open({.path = dir_.File("db")}, *Signer::Generate("test.example/log"));
    registry_ = *WriterRegistry::Load(*log_);
    v1::WriterInfo info;
    info.set_vkey(writer_.verifier().ToString());
    info.set_registered_at(0);
    registry_->Apply(info);
  }

  v1::Entry Generic(const Signer& key, const std::string& request_id) const {
    v1::Entry entry;
    entry.set_writer(key.name());
    entry.set_request_id(request_id);
    entry.set_event_time_micros(kEventTime);
    entry.mutable_generic()->set_type("post.published");
    return entry;
  }

  absl::StatusOr<ValidatedEntry> Validate(const v1::SignedEntry& signed_entry) const {
    return ValidateEntry(signed_entry, admin_.verifier(), *registry_, ValidationLimits{});
  }

  TempDir dir_;
  const Signer admin_ = *Signer::Generate("admin");
  const Signer writer_ = *Signer::Generate("svc-posts");
  std::unique_ptr<Log> log_;
  std::unique_ptr<WriterRegistry> registry_;
};

TEST_F(EntryValidationTest, AnEntryOfARegisteredWriterIsReadyForTheSequencer) {
  const v1::Entry entry = Generic(writer_, "r1");
  const v1::SignedEntry signed_entry = client::SignEntry(writer_, entry);
  absl::StatusOr<ValidatedEntry> validated = Validate(signed_entry);
  ASSERT_TRUE(validated.ok()) << validated.status();
  EXPECT_EQ(validated->kind, EntryKind::kGeneric);
  EXPECT_EQ(validated->parsed.SerializeAsString(), entry.SerializeAsString());
  EXPECT_EQ(validated->pending.entry, signed_entry.entry());
  EXPECT_EQ(validated->pending.dedup_key, DedupKey(writer_.key_id(), "svc-posts", "r1"));
  EXPECT_TRUE(validated->pending.prefix.has_value());
}

TEST_F(EntryValidationTest, AnUnknownWriterIsPermissionDenied) {
  const Signer stranger = *Signer::Generate("stranger");
  absl::StatusOr<ValidatedEntry> validated =
      Validate(client::SignEntry(stranger, Generic(stranger, "r1")));
  EXPECT_EQ(validated.status().code(), absl::StatusCode::kPermissionDenied) << validated.status();
}

TEST_F(EntryValidationTest, ASignatureByAnotherKeyIsUnauthenticated) {
  const Signer impostor = *Signer::Generate("svc-posts");  // the same name, another key
  v1::SignedEntry signed_entry = client::SignEntry(impostor, Generic(writer_, "r1"));
  signed_entry.set_key_id(writer_.key_id());
  absl::StatusOr<ValidatedEntry> validated = Validate(signed_entry);
  EXPECT_EQ(validated.status().code(), absl::StatusCode::kUnauthenticated) << validated.status();
}

TEST_F(EntryValidationTest, OnlyTheAdministratorRegistersWriters) {
  v1::Entry entry = Generic(writer_, "r1");
  entry.mutable_writer_registered()->set_vkey(Signer::Generate("new")->verifier().ToString());
  absl::StatusOr<ValidatedEntry> by_writer = Validate(client::SignEntry(writer_, entry));
  EXPECT_EQ(by_writer.status().code(), absl::StatusCode::kPermissionDenied) << by_writer.status();

  entry.set_writer(admin_.name());
  absl::StatusOr<ValidatedEntry> by_admin = Validate(client::SignEntry(admin_, entry));
  ASSERT_TRUE(by_admin.ok()) << by_admin.status();
  EXPECT_EQ(by_admin->kind, EntryKind::kRegisterWriter);
  EXPECT_EQ(by_admin->subject->name(), "new");
}

// The auditor follows administrator rotation (ledger/verify/trust_chain.h);
// this server does not accept an appointment yet, even from the administrator.
TEST_F(EntryValidationTest, AnAdministratorAppointmentIsNotAcceptedYet) {
  v1::Entry entry = Generic(admin_, "appoint");
  entry.mutable_administrator_appointed()->set_successor_vkey(
      Signer::Generate("admin-2")->verifier().ToString());
  absl::StatusOr<ValidatedEntry> validated = Validate(client::SignEntry(admin_, entry));
  EXPECT_EQ(validated.status().code(), absl::StatusCode::kFailedPrecondition) << validated.status();
}

TEST_F(EntryValidationTest, AnEntryThatIsNotAnEntryIsInvalid) {
  v1::SignedEntry signed_entry = client::SignEntry(writer_, Generic(writer_, "r1"));
  signed_entry.set_entry("\xff\xff\xff");
  absl::StatusOr<ValidatedEntry> validated = Validate(signed_entry);
  EXPECT_EQ(validated.status().code(), absl::StatusCode::kInvalidArgument) << validated.status();
}

}  // namespace
}  // namespace memoria
