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

// The first record an actor acted in (p/ae/) is not remembered from a batch
// that was never written: the actor's next record writes it.
TEST(PolicyViewsObserverTest, AbandonedBatchForgetsNewActors) {
  std::map<std::string, std::string> state;
  MapStateReader reader(state);
  PolicyViews views(reader);
  std::vector<StatePut> puts;
  v1::Entry by_pedro = Created("Uno");
  by_pedro.mutable_policy()->mutable_actor()->set_email("Pedro@Gmail.com");
  ASSERT_TRUE(views.OnRecord(0, 10, by_pedro, puts).ok());
  puts.clear();
  views.OnAbandoned();
  ASSERT_TRUE(views.OnRecord(0, 10, by_pedro, puts).ok());
  Apply(puts, state);
  views.OnDurable(0);
  ASSERT_EQ(state.count("p/ae/pedro@gmail.com"), 1u);
  EXPECT_EQ(state["p/ae/pedro@gmail.com"], std::string(7, '\0') + '\0');
  // Later records by the same actor (any case) keep the first index.
  by_pedro.mutable_policy()->mutable_actor()->set_email("pedro@gmail.com");
  ASSERT_TRUE(views.OnRecord(1, 20, by_pedro, puts).ok());
  for (const StatePut& put : puts) EXPECT_NE(put.key, "p/ae/pedro@gmail.com");
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
