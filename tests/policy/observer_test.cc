// PolicyViews as a BatchObserver: batches whose write failed are forgotten
// (OnAbandoned), and puts not yet durable are seen by later records.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ledger/policy/inventory.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/state_reader.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

v1::Entry Created(const std::string& handle) {
  v1::Entry entry;
  *entry.mutable_policy() = testing::Event(testing::Person("a@pasto.gov.co", "Oficina"),
                                           v1::FACEBOOK, handle);
  entry.mutable_policy()->mutable_account_created()->set_kind(v1::MAIN);
  entry.mutable_policy()->mutable_account_created()->set_dependency("Oficina");
  return entry;
}

void Apply(std::vector<StatePut>& puts, std::map<std::string, std::string>& state) {
  for (StatePut& put : puts) state[put.key] = put.value;
  puts.clear();
}

TEST(PolicyViewsObserverTest, AbandonedBatchLeavesNoTrace) {
  std::map<std::string, std::string> state;
  MapStateReader reader(state);
  PolicyViews views(reader);
  std::vector<StatePut> puts;
  ASSERT_TRUE(views.OnRecord(0, 10, Created("Uno"), puts).ok());
  Apply(puts, state);
  views.OnDurable(0);

  // A batch that is never written.
  ASSERT_TRUE(views.OnRecord(1, 20, Created("Perdida"), puts).ok());
  EXPECT_GT(views.pending_keys(), 0u);
  puts.clear();
  views.OnAbandoned();
  EXPECT_EQ(views.pending_keys(), 0u);

  // Index 1 is reused by the next batch.
  ASSERT_TRUE(views.OnRecord(1, 20, Created("Dos"), puts).ok());
  Apply(puts, state);
  views.OnDurable(1);

  std::map<std::string, std::string> replay;
  MapStateReader replay_reader(replay);
  PolicyViews fresh(replay_reader);
  ASSERT_TRUE(fresh.OnRecord(0, 10, Created("Uno"), puts).ok());
  ASSERT_TRUE(fresh.OnRecord(1, 20, Created("Dos"), puts).ok());
  Apply(puts, replay);
  EXPECT_EQ(state, replay);
  absl::StatusOr<std::vector<v1::AccountState>> accounts = InventoryAt(reader, 1);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ((*accounts)[0].account().handle(), "Dos");
  EXPECT_EQ((*accounts)[1].account().handle(), "Uno");
}

TEST(PolicyViewsObserverTest, PipelinedBatchesSeeUndurablePuts) {
  std::map<std::string, std::string> state;
  MapStateReader reader(state);
  PolicyViews views(reader);
  std::vector<StatePut> first, second;
  ASSERT_TRUE(views.OnRecord(0, 10, Created("Uno"), first).ok());
  v1::Entry rotated;
  *rotated.mutable_policy() = testing::Event(testing::Person("a@pasto.gov.co", "Oficina"),
                                             v1::FACEBOOK, "uno");
  rotated.mutable_policy()->mutable_credentials_rotated();
  // Batch 2 is built before batch 1 is durable.
  ASSERT_TRUE(views.OnRecord(1, 20, rotated, second).ok());
  Apply(first, state);
  views.OnDurable(0);
  Apply(second, state);
  views.OnDurable(1);
  absl::StatusOr<std::vector<v1::AccountState>> accounts = InventoryAt(reader, 1);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ((*accounts)[0].created_index(), 0u);
  EXPECT_EQ((*accounts)[0].last_rotation_index(), 1u);
}

}  // namespace
}  // namespace memoria::policy
