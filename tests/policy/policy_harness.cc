#include "tests/policy/policy_harness.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "ledger/hash.h"
#include "ledger/record.h"

namespace memoria::policy::testing {

namespace {

std::unique_ptr<Log> OpenLog(const std::string& path, const Clock& clock) {
  InitCrypto();
  absl::StatusOr<Signer> key = Signer::Generate("policy.test/log");
  if (!key.ok()) abort();
  LogOptions options;
  options.path = path + "/db";
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<Log>> log = Log::Open(options, *std::move(key));
  if (!log.ok()) abort();
  return *std::move(log);
}

}  // namespace

PolicyLedger::PolicyLedger()
    : log_(OpenLog(dir_.path(), clock_)), reader_(*log_), views_(reader_) {}

uint64_t PolicyLedger::AppendBatch(const std::vector<Timed>& events, bool views) {
  std::vector<PendingEntry> pending;
  std::vector<StatePut> puts;
  const uint64_t first = log_->Size();
  clock_.now = events.front().time_micros;
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Entry entry;
    entry.set_writer("policy-writer");
    entry.set_request_id(absl::StrCat("r", next_request_++));
    entry.set_event_time_micros(events[i].event_time_micros != 0 ? events[i].event_time_micros
                                                                 : events.front().time_micros);
    *entry.mutable_policy() = events[i].event;
    if (views) {
      absl::Status status = views_.OnRecord(first + i, events.front().time_micros, entry, puts);
      EXPECT_TRUE(status.ok()) << status;
    }
    PendingEntry& p = pending.emplace_back();
    p.writer_key_id = 1;
    p.entry = entry.SerializeAsString();
    p.writer_signature = std::string(64, 's');
    p.dedup_key = entry.request_id();
  }
  absl::StatusOr<AppendResult> result = log_->Append(pending, puts);
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->records.front().index, first);
  views_.OnDurable(first + events.size() - 1);
  return first;
}

v1::Official Person(const std::string& email, const std::string& dependency, bool head) {
  v1::Official person;
  person.set_email(email);
  person.set_name(email.substr(0, email.find('@')));
  person.set_dependency(dependency);
  person.set_head_of_dependency(head);
  return person;
}

v1::PolicyEvent Event(const v1::Official& actor, v1::Platform platform, const std::string& handle) {
  v1::PolicyEvent event;
  *event.mutable_actor() = actor;
  event.mutable_account()->set_platform(platform);
  event.mutable_account()->set_handle(handle);
  return event;
}

}  // namespace memoria::policy::testing
