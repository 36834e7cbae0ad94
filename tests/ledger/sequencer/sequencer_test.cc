// The sequencer over a real Log, without gRPC: entries validated and
// submitted as the server does, retries answered from the Log (durable, and
// still in flight), a request id reused for other bytes refused, the observer
// given each entry as validation parsed it.
#include "ledger/sequencer/sequencer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/entry_signer.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/sequencer/entry_validation.h"
#include "ledger/sequencer/writer_registry.h"
#include "ledger/views.h"
#include "tests/support/gate.h"
#include "tests/support/temp_dir.h"

namespace memoria {
namespace {

using ::memoria::testing::Gate;
using ::memoria::testing::TempDir;

constexpr int64_t kEventTime = 1'700'000'000'000'000;

// Records the entries the observer is given.
class Recorder final : public BatchObserver {
 public:
  absl::Status OnRecord(uint64_t index, int64_t, const v1::Entry& entry,
                        std::vector<StatePut>&) override {
    absl::MutexLock lock(&mu_);
    seen_.push_back({index, entry.request_id()});
    return absl::OkStatus();
  }
  std::vector<std::pair<uint64_t, std::string>> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<uint64_t, std::string>> seen_ ABSL_GUARDED_BY(mu_);
};

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    log_ = *Log::Open({.path = dir_.File("db"), .before_write_for_testing = [this] { gate_.Pass(); }},
                      *Signer::Generate("test.example/log"));
    registry_ = *WriterRegistry::Load(*log_);
    sequencer_ = std::make_unique<Sequencer>(*log_, *registry_, BatchLimits{}, &recorder_);
    v1::Entry registration;
    registration.set_writer(admin_.name());
    registration.set_request_id("register");
    registration.set_event_time_micros(kEventTime);
    registration.mutable_writer_registered()->set_vkey(writer_.verifier().ToString());
    absl::StatusOr<BatchOutcome> registered = Sequence(client::SignEntry(admin_, registration));
    ASSERT_TRUE(registered.ok()) << registered.status();
  }

  void TearDown() override {
    gate_.Open();
    sequencer_->Stop();
  }

  v1::SignedEntry Generic(const std::string& request_id, const std::string& type) const {
    v1::Entry entry;
    entry.set_writer(writer_.name());
    entry.set_request_id(request_id);
    entry.set_event_time_micros(kEventTime);
    entry.mutable_generic()->set_type(type);
    return client::SignEntry(writer_, entry);
  }

  // Validates and queues one entry, as the server does.
  absl::StatusOr<std::shared_ptr<Submission>> Submit(const v1::SignedEntry& signed_entry) {
    absl::StatusOr<ValidatedEntry> validated =
        ValidateEntry(signed_entry, admin_.verifier(), *registry_, ValidationLimits{});
    if (!validated.ok()) return validated.status();
    std::vector<ValidatedEntry> entries;
    entries.push_back(*std::move(validated));
    return sequencer_->Submit(std::move(entries));
  }

  static absl::StatusOr<BatchOutcome> Await(const std::shared_ptr<Submission>& submission) {
    EXPECT_TRUE(submission->WaitFor(absl::Seconds(30)));
    return submission->result();
  }

  absl::StatusOr<BatchOutcome> Sequence(const v1::SignedEntry& signed_entry) {
    absl::StatusOr<std::shared_ptr<Submission>> submission = Submit(signed_entry);
    if (!submission.ok()) return submission.status();
    return Await(*submission);
  }

  TempDir dir_;
  Gate gate_;  // holds the Log's writer thread (before_write_for_testing)
  Recorder recorder_;
  const Signer admin_ = *Signer::Generate("admin");
  const Signer writer_ = *Signer::Generate("svc-posts");
  std::unique_ptr<Log> log_;
  std::unique_ptr<WriterRegistry> registry_;
  std::unique_ptr<Sequencer> sequencer_;
};

TEST_F(SequencerTest, ARetryOfADurableEntryIsAnsweredWithTheOriginal) {
  absl::StatusOr<BatchOutcome> first = Sequence(Generic("r1", "post.published"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->entries.size(), 1u);
  EXPECT_FALSE(first->entries[0].duplicate);
  const uint64_t size = log_->Size();

  absl::StatusOr<BatchOutcome> retry = Sequence(Generic("r1", "post.published"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->entries[0].duplicate);
  EXPECT_EQ(retry->entries[0].index, first->entries[0].index);
  EXPECT_EQ(retry->entries[0].leaf, first->entries[0].leaf);
  EXPECT_EQ(log_->Size(), size);
}

TEST_F(SequencerTest, ARetryOfAnEntryInFlightIsAnsweredOnceItIsDurable) {
  gate_.Close();
  absl::StatusOr<std::shared_ptr<Submission>> original = Submit(Generic("r1", "post.published"));
  ASSERT_TRUE(original.ok()) << original.status();
  gate_.AwaitReached(2);  // the registration's write, then this one's: in flight in the Log
  absl::StatusOr<std::shared_ptr<Submission>> retry = Submit(Generic("r1", "post.published"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  // The retry is planned (a batch of its own, appending nothing) while the
  // original is held; neither is answered before the original is durable.
  EXPECT_FALSE((*retry)->WaitFor(absl::Milliseconds(100)));
  gate_.Open();

  absl::StatusOr<BatchOutcome> first = Await(*original);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<BatchOutcome> again = Await(*retry);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->entries[0].duplicate);
  EXPECT_EQ(again->entries[0].index, first->entries[0].index);
  EXPECT_EQ(again->entries[0].leaf, first->entries[0].leaf);
  EXPECT_EQ(log_->Size(), first->entries[0].index + 1);
}

TEST_F(SequencerTest, ARequestIdReusedForOtherBytesInFlightIsRefused) {
  gate_.Close();
  absl::StatusOr<std::shared_ptr<Submission>> original = Submit(Generic("r1", "post.published"));
  ASSERT_TRUE(original.ok()) << original.status();
  gate_.AwaitReached(2);
  absl::StatusOr<std::shared_ptr<Submission>> reused = Submit(Generic("r1", "post.deleted"));
  ASSERT_TRUE(reused.ok()) << reused.status();
  gate_.Open();

  absl::StatusOr<BatchOutcome> first = Await(*original);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<BatchOutcome> refused = Await(*reused);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists) << refused.status();
  EXPECT_NE(refused.status().message().find("at index " + std::to_string(first->entries[0].index)),
            std::string::npos)
      << refused.status();
}

TEST_F(SequencerTest, ARequestIdReusedForOtherBytesInTheLogIsRefused) {
  absl::StatusOr<BatchOutcome> first = Sequence(Generic("r1", "post.published"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<BatchOutcome> refused = Sequence(Generic("r1", "post.deleted"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists) << refused.status();
}

TEST_F(SequencerTest, TheObserverIsGivenEachNewEntryOnce) {
  ASSERT_TRUE(Sequence(Generic("r1", "post.published")).ok());
  ASSERT_TRUE(Sequence(Generic("r1", "post.published")).ok());  // a retry: not observed again
  ASSERT_TRUE(Sequence(Generic("r2", "post.published")).ok());
  const std::vector<std::pair<uint64_t, std::string>> seen = recorder_.seen();
  ASSERT_EQ(seen.size(), 3u);  // the registration, r1, r2
  EXPECT_EQ(seen[0], std::make_pair(uint64_t{0}, std::string("register")));
  EXPECT_EQ(seen[1], std::make_pair(uint64_t{1}, std::string("r1")));
  EXPECT_EQ(seen[2], std::make_pair(uint64_t{2}, std::string("r2")));
}

}  // namespace
}  // namespace memoria
