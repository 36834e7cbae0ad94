// memoria_policy_bench [N] [BATCH]: the cost of maintaining the policy views
// (PolicyViews::OnRecord and the extra state puts in each Log::Append) against
// the same appends without views, and the answer time of the inventory and
// findings at N records. Not a ctest test: run by hand.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/hash.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/inventory.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/rebuild.h"
#include "ledger/policy/state_reader.h"
#include "tests/policy/policy_harness.h"

namespace memoria::policy {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

v1::PolicyEvent RandomEvent(std::mt19937_64& rng, uint64_t index) {
  static const char* kHandles[] = {"AlcaldiaPasto", "SaludPasto",  "CulturaPasto", "DeportesPasto",
                                   "TransitoPasto", "EducaPasto",  "GobiernoPasto", "HaciendaPasto"};
  const int account = static_cast<int>(rng() % 48);
  v1::PolicyEvent e;
  e.mutable_actor()->set_email("cm@pasto.gov.co");
  e.mutable_actor()->set_dependency("Oficina de Comunicación Social");
  e.mutable_account()->set_platform(account % 2 == 0 ? v1::FACEBOOK : v1::TWITTER);
  e.mutable_account()->set_handle(absl::StrCat(kHandles[account % 8], account));
  const unsigned roll = static_cast<unsigned>(rng() % 1000);
  std::string digest(32, 'd');
  if (index < 48 * 2 || roll < 5) {
    e.mutable_account_created()->set_kind(account < 8 ? v1::MAIN : v1::ALTERNATE);
    e.mutable_account_created()->set_dependency("Secretaría");
  } else if (roll < 15) {
    auto* g = e.mutable_admin_role_granted();
    g->mutable_person()->set_email(absl::StrCat("admin", account, "-", rng() % 4, "@pasto.gov.co"));
    g->set_responsible(rng() % 2 == 0);
  } else if (roll < 20) {
    e.mutable_admin_role_revoked()->set_person_email(
        absl::StrCat("admin", account, "-", rng() % 4, "@pasto.gov.co"));
  } else if (roll < 22) {
    e.mutable_credentials_rotated();
  } else if (roll < 42) {
    e.mutable_pqrd_received()->set_platform_message_id("m");
    for (const char* f : {"citizen_name", "citizen_handle", "pqrd_text"}) {
      auto* c = e.add_personal_data();
      c->set_field(f);
      c->set_digest(digest);
    }
  } else if (roll < 60 && index > 0) {
    e.mutable_pqrd_referred()->set_filing_number("r");
    e.set_refers_to(index - 1 - rng() % std::min<uint64_t>(index, 1000));
  } else if (roll < 61) {
    e.mutable_user_blocked();
    auto* c = e.add_personal_data();
    c->set_field("citizen_handle");
    c->set_digest(digest);
  } else if (roll < 200) {
    e.mutable_reply_published()->set_platform_comment_id("c");
    for (const char* f : {"citizen_handle", "comment_text"}) {
      auto* c = e.add_personal_data();
      c->set_field(f);
      c->set_digest(digest);
    }
  } else {
    e.mutable_post_published()->set_platform_post_id(absl::StrCat("p", index));
    e.mutable_post_published()->set_content_sha256(digest);
  }
  return e;
}

template <typename F>
double MedianMillis(int runs, F f) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    times.push_back(Seconds(start, Clock::now()) * 1000);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int Main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const uint64_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const int64_t t0 = int64_t{1704085200} * 1000000;  // 2024-01-01
  const int64_t step = int64_t{365} * 86400 * 1000000 / static_cast<int64_t>(n);

  double seconds[2] = {0, 0};
  testing::PolicyLedger with_views;
  for (int mode = 0; mode < 2; ++mode) {
    const bool views = mode == 1;
    testing::PolicyLedger plain_ledger;
    testing::PolicyLedger& ledger = views ? with_views : plain_ledger;
    std::mt19937_64 rng(7);
    const auto start = Clock::now();
    for (uint64_t first = 0; first < n; first += batch) {
      std::vector<testing::Timed> events;
      for (uint64_t i = first; i < std::min(n, first + batch); ++i) {
        events.push_back({RandomEvent(rng, i), t0 + static_cast<int64_t>(first) * step, 0});
      }
      ledger.AppendBatch(events, views);
    }
    seconds[mode] = Seconds(start, Clock::now());
    std::printf("%s: %llu records in %.2f s = %.0f records/s\n",
                views ? "with views   " : "without views", static_cast<unsigned long long>(n),
                seconds[mode], static_cast<double>(n) / seconds[mode]);
  }
  std::printf("view maintenance costs %.1f%% of append throughput (Log::Append, batches of %llu)\n",
              100.0 * (1.0 - seconds[0] / seconds[1]), static_cast<unsigned long long>(batch));

  {
    const auto start = Clock::now();
    auto rebuilt = RebuildViews(with_views.log());
    std::printf("rebuild from the log: %.2f s (%zu keys)\n", Seconds(start, Clock::now()),
                rebuilt->size());
    uint64_t puts = 0;
    for (const auto& [k, v] : *rebuilt) puts += k.size() + v.size();
    std::printf("views state: %.1f MB\n", static_cast<double>(puts) / 1e6);
  }
  {
    // OnRecord alone, over an in-memory state: the CPU cost per record.
    std::map<std::string, std::string> map;
    MapStateReader reader(map);
    PolicyViews views(reader);
    std::mt19937_64 rng(7);
    std::vector<v1::Entry> entries(n);
    for (uint64_t i = 0; i < n; ++i) *entries[i].mutable_policy() = RandomEvent(rng, i);
    std::vector<StatePut> puts;
    const auto start = Clock::now();
    for (uint64_t i = 0; i < n; ++i) {
      (void)views.OnRecord(i, t0 + static_cast<int64_t>(i) * step, entries[i], puts);
      if (i % batch == batch - 1) {
        for (StatePut& put : puts) map[std::move(put.key)] = std::move(put.value);
        puts.clear();
        views.OnDurable(i);
      }
    }
    const double s = Seconds(start, Clock::now());
    std::printf("OnRecord alone: %.2f us per record\n", s * 1e6 / static_cast<double>(n));
  }
  const StateReader& state = with_views.state();
  const Log& log = with_views.log();
  const uint64_t size = log.Size();
  size_t accounts = 0;
  const double inventory_latest = MedianMillis(20, [&] { accounts = InventoryAt(state, size - 1)->size(); });
  const double inventory_middle = MedianMillis(20, [&] { (void)InventoryAt(state, size / 2); });
  const double inventory_time = MedianMillis(20, [&] {
    auto at = IndexAtTime(size, LogRecordTimes(log), t0 + step * static_cast<int64_t>(size / 3));
    (void)InventoryAt(state, **at);
  });
  size_t findings = 0;
  const double findings_ms = MedianMillis(5, [&] {
    findings = EvaluateFindings(state, size, LogRecordTimes(log), t0 + step * static_cast<int64_t>(n),
                                0, {})
                   ->findings.size();
  });
  const double findings_since_ms = MedianMillis(5, [&] {
    (void)EvaluateFindings(state, size, LogRecordTimes(log), t0 + step * static_cast<int64_t>(n),
                           t0 + step * static_cast<int64_t>(n - n / 100), {});
  });
  std::printf("inventory (%zu accounts): latest %.2f ms, at index n/2 %.2f ms, at a time %.2f ms\n",
              accounts, inventory_latest, inventory_middle, inventory_time);
  std::printf("findings at the end (%zu findings): %.1f ms; --since the last 1%%: %.1f ms\n",
              findings, findings_ms, findings_since_ms);
  return 0;
}

}  // namespace
}  // namespace memoria::policy

int main(int argc, char** argv) { return memoria::policy::Main(argc, argv); }
