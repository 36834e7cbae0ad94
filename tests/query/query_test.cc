// The query engine against a full scan: a generated log of 100,000 records in
// real RocksDB (policy events of many accounts, actors and types, generic
// events, writer administration, findings, event times spread over decades),
// and hundreds of seeded random filters whose every page must equal what a
// scan of all records finds.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "ledger/clock.h"
#include "ledger/encoding.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/state_keys.h"
#include "ledger/policy/state_reader.h"
#include "ledger/query/event_type.h"
#include "ledger/query/query.h"
#include "ledger/query/query_index.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "memoria/v1/record.pb.h"
#include "tests/support/temp_dir.h"

namespace memoria::query {
namespace {

constexpr int64_t kDay = int64_t{86'400} * 1'000'000;
constexpr int64_t kStart = int64_t{1'700'000'000} * 1'000'000;  // Nov 2023

class SteppedClock final : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = kStart;
};

// What the reference scan knows of each record.
struct Facts {
  v1::Entry entry;
  int64_t integrated = 0;
  std::vector<std::string> findings;
  // Derived once, for a fast scan.
  std::string type;
  std::string handle;  // lower case, no '@'
  std::string actor;   // lower case
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Handle(const std::string& h) { return Lower(!h.empty() && h[0] == '@' ? h.substr(1) : h); }

const char* kHandles[] = {"AlcaldiaPasto", "SaludPasto", "CulturaPasto", "TransitoPasto",
                          "EducacionPasto", "@DeportesPasto", "pasto_joven"};
const v1::Platform kPlatforms[] = {v1::FACEBOOK, v1::TWITTER, v1::INSTAGRAM, v1::YOUTUBE,
                                   v1::TIKTOK};
const char* kActors[] = {"ana@pasto.gov.co", "Luis@Pasto.gov.co", "maria@pasto.gov.co",
                         "pedro@gmail.com", "sofia@pasto.gov.co"};
const char* kWriters[] = {"comunicaciones", "salud-svc", "cultura-svc"};
const char* kGenericTypes[] = {"ticket.opened", "ticket.closed", "login"};

// A log built the way the server builds it: each batch goes through the
// policy views and the query index, and their puts land in the same Append.
class QueryLog {
 public:
  QueryLog() : reader_(nullptr) {
    InitCrypto();
    absl::StatusOr<Signer> key = Signer::Generate("query.test/log");
    EXPECT_TRUE(key.ok());
    LogOptions options;
    options.path = dir_.path() + "/db";
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Log>> log = Log::Open(options, *std::move(key));
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    reader_ = std::make_unique<policy::LogStateReader>(*log_);
    views_ = std::make_unique<policy::PolicyViews>(*reader_);
    observers_ = std::make_unique<ObserverList>(std::vector<BatchObserver*>{views_.get(), &index_});
  }

  // With `indexed` false, as a version without the query index wrote them.
  void AppendBatch(std::vector<v1::Entry> entries, bool indexed = true) {
    BatchObserver& observers = indexed ? static_cast<BatchObserver&>(*observers_) : *views_;
    std::vector<PendingEntry> pending;
    std::vector<StatePut> puts;
    const uint64_t first = log_->Size();
    for (size_t i = 0; i < entries.size(); ++i) {
      entries[i].set_request_id(absl::StrCat("r", first + i));
      ASSERT_TRUE(observers.OnRecord(first + i, clock_.now, entries[i], puts).ok());
      PendingEntry& p = pending.emplace_back();
      p.writer_key_id = 1;
      p.entry = entries[i].SerializeAsString();
      p.writer_signature = std::string(64, 's');
      p.dedup_key = entries[i].request_id();
    }
    ASSERT_TRUE(observers.OnBatchEnd(puts).ok());
    absl::StatusOr<AppendResult> result = log_->Append(pending, puts);
    ASSERT_TRUE(result.ok()) << result.status();
    observers.OnDurable(log_->Size() - 1);
  }

  Log& log() { return *log_; }
  SteppedClock& clock() { return clock_; }

  // Every record as the reference scan sees it, read back from the store.
  std::vector<Facts> ScanAll() const {
    std::vector<Facts> all(log_->Size());
    EXPECT_TRUE(log_->ScanRecords(0, log_->Size(), [&](uint64_t index, std::string_view bytes) {
                      v1::Record record;
                      EXPECT_TRUE(record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                      EXPECT_TRUE(all[index].entry.ParseFromString(record.entry()));
                      all[index].integrated = record.integration_time_micros();
                      const v1::Entry& entry = all[index].entry;
                      all[index].type = std::string(EventTypeName(entry));
                      all[index].handle = Handle(entry.policy().account().handle());
                      all[index].actor = Lower(entry.policy().actor().email());
                      return true;
                    }).ok());
    // Record-rule findings, from the views' own keys (p/f/<index>/<rule>).
    EXPECT_TRUE(log_->ScanState(policy::kRecordFindingPrefix,
                                [&](std::string_view key, std::string_view) {
                                  const uint64_t index = policy::RecordFindingIndex(key);
                                  all[index].findings.emplace_back(
                                      key.substr(policy::kRecordFindingPrefix.size() + 9));
                                  return true;
                                })
                    .ok());
    return all;
  }

 private:
  testing::TempDir dir_;
  SteppedClock clock_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<policy::LogStateReader> reader_;
  std::unique_ptr<policy::PolicyViews> views_;
  QueryIndex index_;
  std::unique_ptr<ObserverList> observers_;
};

v1::Entry RandomEntry(std::mt19937_64& rng, int64_t now) {
  v1::Entry entry;
  entry.set_writer(kWriters[rng() % 3]);
  // Event times: mostly just before integration, some days or years back,
  // a few before 1970.
  const uint64_t spread = rng() % 100;
  int64_t event_time = now - static_cast<int64_t>(rng() % 3'600'000'000);
  if (spread >= 80) event_time = now - static_cast<int64_t>(rng() % (400 * kDay));
  if (spread >= 97) event_time = -static_cast<int64_t>(rng() % (3000 * kDay));
  entry.set_event_time_micros(event_time);
  const uint64_t kind = rng() % 100;
  if (kind < 12) {
    entry.mutable_generic()->set_type(kGenericTypes[rng() % 3]);
    (*entry.mutable_generic()->mutable_attributes())["n"] = std::to_string(rng() % 1000);
    return entry;
  }
  v1::PolicyEvent& event = *entry.mutable_policy();
  event.mutable_actor()->set_email(kActors[rng() % 5]);
  event.mutable_actor()->set_dependency("Oficina de Comunicación Social");
  event.mutable_account()->set_platform(kPlatforms[rng() % 5]);
  event.mutable_account()->set_handle(kHandles[rng() % 7]);
  if (kind < 50) {
    event.mutable_post_published()->set_platform_post_id(absl::StrCat("p", rng()));
  } else if (kind < 70) {
    event.mutable_reply_published()->set_platform_comment_id(absl::StrCat("c", rng()));
  } else if (kind < 78) {
    event.mutable_post_removed()->set_platform_post_id(absl::StrCat("p", rng()));
    event.mutable_post_removed()->set_action(rng() % 2 ? v1::DELETED : v1::HIDDEN);
  } else if (kind < 82) {
    event.mutable_user_blocked()->set_reason("insultos");
  } else if (kind < 90) {
    event.mutable_comment_moderated()->set_platform_comment_id(absl::StrCat("c", rng()));
    event.mutable_comment_moderated()->set_action(v1::HIDDEN);
    event.mutable_comment_moderated()->set_reason(rng() % 3 ? v1::SPAM : v1::OTHER_REASON);
    event.mutable_comment_moderated()->set_other_reason("otro");
  } else {
    event.mutable_credentials_rotated();
  }
  return entry;
}

// A full-scan reference of one condition set.
bool Matches(const Facts& facts, const v1::QueryFilter& filter) {
  const v1::Entry& entry = facts.entry;
  const auto in = [](const v1::TimeRange& range, int64_t t) {
    return (!range.has_from_micros() || t >= range.from_micros()) &&
           (!range.has_to_micros() || t < range.to_micros());
  };
  if (!in(filter.event_time(), entry.event_time_micros())) return false;
  if (!in(filter.integrated(), facts.integrated)) return false;
  const auto any = [](const auto& values, auto pred) {
    return values.empty() || std::any_of(values.begin(), values.end(), pred);
  };
  return any(filter.event_types(),
             [&](const std::string& t) { return t == facts.type; }) &&
         any(filter.generic_types(),
             [&](const std::string& t) { return entry.has_generic() && t == entry.generic().type(); }) &&
         any(filter.accounts(),
             [&](const v1::AccountRef& a) {
               return entry.has_policy() && entry.policy().has_account() &&
                      a.platform() == entry.policy().account().platform() &&
                      Handle(a.handle()) == facts.handle;
             }) &&
         any(filter.platforms(),
             [&](int p) {
               return entry.has_policy() && entry.policy().has_account() &&
                      p == entry.policy().account().platform();
             }) &&
         any(filter.actors(),
             [&](const std::string& a) {
               return entry.has_policy() && Lower(a) == facts.actor;
             }) &&
         any(filter.writers(), [&](const std::string& w) { return w == entry.writer(); }) &&
         any(filter.findings(), [&](const std::string& f) {
           return std::find(facts.findings.begin(), facts.findings.end(), f) != facts.findings.end();
         });
}

std::vector<uint64_t> Reference(const std::vector<Facts>& all, uint64_t tree_size,
                                const v1::QueryFilter& filter, v1::QueryOrder order) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < tree_size; ++i) {
    if (Matches(all[i], filter)) out.push_back(i);
  }
  if (order == v1::NEWEST_FIRST) std::reverse(out.begin(), out.end());
  return out;
}

// Walks every page of a query through page tokens, as the service does.
std::vector<uint64_t> AllPages(const Log& log, const v1::QueryFilter& filter,
                               v1::QueryOrder order, size_t page_size, int* pages = nullptr) {
  std::vector<uint64_t> out;
  std::string token;
  uint64_t tree_size = log.Size();
  int count = 0;
  while (true) {
    std::optional<uint64_t> start;
    if (!token.empty()) {
      absl::StatusOr<PageToken> decoded = DecodePageToken(token, filter, order);
      EXPECT_TRUE(decoded.ok()) << decoded.status();
      if (!decoded.ok()) return out;
      tree_size = decoded->tree_size;
      start = decoded->next;
    }
    absl::StatusOr<RecordQuery> query = RecordQuery::Prepare(log, filter, tree_size, order);
    EXPECT_TRUE(query.ok()) << query.status();
    if (!query.ok()) return out;
    absl::StatusOr<QueryPage> page = query->Find(start, page_size);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return out;
    ++count;
    EXPECT_LE(page->indexes.size(), page_size);
    out.insert(out.end(), page->indexes.begin(), page->indexes.end());
    if (!page->next) break;
    EXPECT_EQ(page->indexes.size(), page_size) << "a page short of its size before the end";
    token = EncodePageToken(filter, order, {tree_size, *page->next});
  }
  if (pages != nullptr) *pages = count;
  return out;
}

v1::QueryFilter RandomFilter(std::mt19937_64& rng, const std::vector<Facts>& all) {
  v1::QueryFilter filter;
  const int conditions = 1 + static_cast<int>(rng() % 4);
  for (int c = 0; c < conditions; ++c) {
    const Facts& sample = all[rng() % all.size()];
    switch (rng() % 9) {
      case 0: {
        filter.clear_event_time();
        const int64_t a = sample.entry.event_time_micros() - static_cast<int64_t>(rng() % (90 * kDay));
        const int64_t b = a + 1 + static_cast<int64_t>(rng() % (rng() % 2 ? 2 * kDay : 700 * kDay));
        if (rng() % 5 != 0) filter.mutable_event_time()->set_from_micros(a);
        if (rng() % 5 != 0 || !filter.event_time().has_from_micros()) {
          filter.mutable_event_time()->set_to_micros(b);
        }
        break;
      }
      case 1: {
        filter.clear_integrated();
        const int64_t a = sample.integrated - static_cast<int64_t>(rng() % (30 * kDay));
        filter.mutable_integrated()->set_from_micros(a);
        if (rng() % 2) filter.mutable_integrated()->set_to_micros(a + 1 + static_cast<int64_t>(rng() % (60 * kDay)));
        break;
      }
      case 2:
        filter.add_event_types(std::string(EventTypeName(sample.entry)));
        if (rng() % 3 == 0) filter.add_event_types("user_blocked");
        break;
      case 3:
        filter.add_generic_types(kGenericTypes[rng() % 3]);
        break;
      case 4: {
        v1::AccountRef& account = *filter.add_accounts();
        account.set_platform(kPlatforms[rng() % 5]);
        std::string handle = kHandles[rng() % 7];
        if (rng() % 2) {
          for (char& ch : handle) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        }
        account.set_handle(handle);
        break;
      }
      case 5:
        filter.add_platforms(kPlatforms[rng() % 5]);
        break;
      case 6:
        filter.add_actors(kActors[rng() % 5]);
        if (rng() % 4 == 0) filter.add_actors("nobody@pasto.gov.co");
        break;
      case 7:
        filter.add_writers(kWriters[rng() % 3]);
        break;
      case 8:
        filter.add_findings(std::string(policy::kRecordRuleNames[rng() % 6]));
        break;
    }
  }
  return filter;
}

class QueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ledger_ = new QueryLog();
    std::mt19937_64 rng(20261129);
    // Admin records first, as a real log has them.
    v1::Entry genesis;
    genesis.set_writer("query.test/log");
    genesis.mutable_genesis()->set_admin_vkey("admin+00000000+AAAA");
    ledger_->AppendBatch({genesis});
    while (ledger_->log().Size() < kRecords) {
      ledger_->clock().now += static_cast<int64_t>(rng() % 3'600'000'000);  // up to an hour
      std::vector<v1::Entry> batch;
      const size_t n = std::min<uint64_t>(1 + rng() % 200, kRecords - ledger_->log().Size());
      for (size_t i = 0; i < n; ++i) {
        if (rng() % 5000 == 0) {
          v1::Entry admin;
          admin.set_writer("admin");
          admin.mutable_writer_registered()->set_vkey(absl::StrCat("w", rng()));
          batch.push_back(admin);
        } else {
          batch.push_back(RandomEntry(rng, ledger_->clock().now));
        }
      }
      ledger_->AppendBatch(std::move(batch));
    }
    all_ = new std::vector<Facts>(ledger_->ScanAll());
  }
  static void TearDownTestSuite() {
    delete all_;
    delete ledger_;
  }

  static constexpr uint64_t kRecords = 100'000;
  static QueryLog* ledger_;
  static std::vector<Facts>* all_;
};
QueryLog* QueryTest::ledger_ = nullptr;
std::vector<Facts>* QueryTest::all_ = nullptr;

TEST_F(QueryTest, EverySingleConditionMatchesTheFullScan) {
  std::vector<v1::QueryFilter> filters;
  for (const std::string& type : EventTypeNames()) filters.emplace_back().add_event_types(type);
  for (const char* type : kGenericTypes) filters.emplace_back().add_generic_types(type);
  for (v1::Platform platform : kPlatforms) filters.emplace_back().add_platforms(platform);
  for (const char* actor : kActors) filters.emplace_back().add_actors(actor);
  for (const char* writer : kWriters) filters.emplace_back().add_writers(writer);
  for (std::string_view rule : policy::kRecordRuleNames) filters.emplace_back().add_findings(std::string(rule));
  for (const char* handle : kHandles) {
    v1::AccountRef& account = *filters.emplace_back().add_accounts();
    account.set_platform(v1::FACEBOOK);
    account.set_handle(handle);
  }
  filters.emplace_back().mutable_event_time()->set_to_micros(0);  // before 1970
  filters.emplace_back().mutable_event_time()->set_from_micros(kStart + 200 * kDay);
  filters.emplace_back().mutable_integrated()->set_to_micros(kStart + 10 * kDay);
  filters.emplace_back();  // everything
  for (const v1::QueryFilter& filter : filters) {
    ASSERT_TRUE(ValidateFilter(filter).ok()) << filter.ShortDebugString();
    for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
      const std::vector<uint64_t> expected = Reference(*all_, kRecords, filter, order);
      EXPECT_EQ(AllPages(ledger_->log(), filter, order, 1000), expected)
          << filter.ShortDebugString() << " order " << order;
    }
  }
  // The generated log exercises every kind of condition.
  EXPECT_GT(Reference(*all_, kRecords, filters[EventTypeNames().size()], v1::OLDEST_FIRST).size(), 1000u);
}

TEST_F(QueryTest, RandomCombinationsMatchTheFullScan) {
  std::mt19937_64 rng(7);
  int nonempty = 0;
  for (int round = 0; round < 300; ++round) {
    const v1::QueryFilter filter = RandomFilter(rng, *all_);
    ASSERT_TRUE(ValidateFilter(filter).ok()) << filter.ShortDebugString();
    const v1::QueryOrder order = rng() % 2 ? v1::NEWEST_FIRST : v1::OLDEST_FIRST;
    const size_t page_size = 1 + rng() % 700;
    const std::vector<uint64_t> expected = Reference(*all_, kRecords, filter, order);
    nonempty += expected.empty() ? 0 : 1;
    ASSERT_EQ(AllPages(ledger_->log(), filter, order, page_size), expected)
        << "round " << round << ": " << filter.ShortDebugString() << " order " << order
        << " page " << page_size;
  }
  EXPECT_GT(nonempty, 150) << "too many random filters match nothing to mean much";
}

TEST_F(QueryTest, PageBoundariesGiveEachRecordOnce) {
  v1::QueryFilter filter;
  filter.add_actors("ana@pasto.gov.co");
  filter.add_event_types("post_published");
  const std::vector<uint64_t> expected = Reference(*all_, kRecords, filter, v1::OLDEST_FIRST);
  ASSERT_GT(expected.size(), 1000u);
  // Page sizes that divide the result, leave a remainder, or hold one record.
  for (size_t page_size : {size_t{1}, size_t{7}, size_t{1000}}) {
    int pages = 0;
    EXPECT_EQ(AllPages(ledger_->log(), filter, v1::OLDEST_FIRST, page_size, &pages), expected)
        << "page size " << page_size;
    EXPECT_EQ(pages, static_cast<int>((expected.size() + page_size - 1) / page_size));
  }
}

TEST_F(QueryTest, BadFiltersAreInvalidArguments) {
  const auto invalid = [](const v1::QueryFilter& filter, std::string_view words) {
    const absl::Status status = ValidateFilter(filter);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << filter.ShortDebugString();
    EXPECT_NE(std::string(status.message()).find(words), std::string::npos) << status.message();
  };
  v1::QueryFilter filter;
  filter.add_event_types("post_publishd");
  invalid(filter, "unknown event type \"post_publishd\"");
  filter.Clear();
  filter.mutable_event_time()->set_from_micros(10);
  filter.mutable_event_time()->set_to_micros(5);
  invalid(filter, "event time range is empty or inverted");
  filter.Clear();
  filter.mutable_integrated()->set_from_micros(10);
  filter.mutable_integrated()->set_to_micros(10);
  invalid(filter, "integration time range is empty or inverted");
  filter.Clear();
  filter.add_findings("credentials_not_rotated");
  invalid(filter, "unknown finding rule \"credentials_not_rotated\"");
  filter.Clear();
  filter.add_platforms(v1::PLATFORM_UNSPECIFIED);
  invalid(filter, "unknown platform 0");
  filter.Clear();
  filter.add_accounts()->set_handle("AlcaldiaPasto");
  invalid(filter, "needs its platform");
  filter.Clear();
  filter.add_actors("");
  invalid(filter, "empty value in actors");
  filter.Clear();
  for (int i = 0; i <= kMaxFilterValues; ++i) filter.add_writers(absl::StrCat("w", i));
  invalid(filter, "too many writers");
  filter.Clear();
  filter.mutable_indexes()->set_from(10);
  filter.mutable_indexes()->set_to(5);
  invalid(filter, "index range: from 10 is after to 5");
}

// An index range keeps the matches of the rest of the filter within it, in
// either order; alone, it is every record of the range (`memoria export`).
TEST_F(QueryTest, AnIndexRangeNarrowsAnyFilter) {
  struct Range {
    std::optional<uint64_t> from;
    std::optional<uint64_t> to;
  };
  for (const bool alone : {false, true}) {
    v1::QueryFilter rest;
    if (!alone) rest.add_event_types("post_published");
    for (const Range& range : {Range{0, 100}, Range{5'000, 5'100}, Range{kRecords - 10, std::nullopt},
                               Range{std::nullopt, 7}, Range{700, 700}, Range{kRecords + 5, std::nullopt}}) {
      v1::QueryFilter filter = rest;
      if (range.from) filter.mutable_indexes()->set_from(*range.from);
      if (range.to) filter.mutable_indexes()->set_to(*range.to);
      ASSERT_TRUE(ValidateFilter(filter).ok()) << filter.ShortDebugString();
      for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
        std::vector<uint64_t> expected;
        for (uint64_t index : Reference(*all_, kRecords, rest, order)) {
          if (index >= range.from.value_or(0) && index < range.to.value_or(UINT64_MAX)) {
            expected.push_back(index);
          }
        }
        EXPECT_EQ(AllPages(ledger_->log(), filter, order, 37), expected)
            << filter.ShortDebugString() << " order " << order;
      }
    }
  }
}

TEST_F(QueryTest, PageTokensAreBoundToTheirQuery) {
  v1::QueryFilter filter;
  filter.add_writers("salud-svc");
  const std::string token = EncodePageToken(filter, v1::OLDEST_FIRST, {kRecords, 10});
  absl::StatusOr<PageToken> decoded = DecodePageToken(token, filter, v1::OLDEST_FIRST);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->tree_size, kRecords);
  EXPECT_EQ(decoded->next, 10u);
  EXPECT_EQ(DecodePageToken(token, filter, v1::NEWEST_FIRST).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::QueryFilter other = filter;
  other.add_writers("cultura-svc");
  EXPECT_EQ(DecodePageToken(token, other, v1::OLDEST_FIRST).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (std::string bad : {std::string("garbage!"), std::string(""), token.substr(0, token.size() - 4),
                          Base64Encode(std::string(25, '\x01'))}) {
    EXPECT_EQ(DecodePageToken(bad, filter, v1::OLDEST_FIRST).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// Found by tests/fuzz/page_token_fuzz.cc (its corpus keeps the input): the
// order is one byte of the token's digest, so an order outside the enum whose
// low byte is 0 (here 256) matched a token of OLDEST_FIRST.
TEST(PageTokenTest, IsRefusedForAnOrderOutsideTheEnum) {
  v1::QueryFilter filter;
  filter.add_writers("salud-svc");
  const std::string token = EncodePageToken(filter, v1::OLDEST_FIRST, {100, 10});
  for (int order : {2, 256, 257, -1, 1761112064}) {
    absl::StatusOr<PageToken> decoded =
        DecodePageToken(token, filter, static_cast<v1::QueryOrder>(order));
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << order;
    EXPECT_NE(decoded.status().message().find("unknown query order"), std::string::npos)
        << decoded.status();
  }
  EXPECT_TRUE(ValidateOrder(v1::OLDEST_FIRST).ok());
  EXPECT_TRUE(ValidateOrder(v1::NEWEST_FIRST).ok());
}

// Pages stay put while appends continue: a walk that started at tree size N
// returns exactly the matches among the first N records, each once, however
// many records arrive between its pages.
TEST(QueryPagination, StableWhileAppendsContinue) {
  QueryLog ledger;
  std::mt19937_64 rng(99);
  for (int b = 0; b < 50; ++b) {
    std::vector<v1::Entry> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(RandomEntry(rng, ledger.clock().now));
    ledger.AppendBatch(std::move(batch));
    ledger.clock().now += 60'000'000;
  }
  v1::QueryFilter filter;
  filter.add_event_types("post_published");
  for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
    const uint64_t pinned = ledger.log().Size();
    const std::vector<uint64_t> expected = Reference(ledger.ScanAll(), pinned, filter, order);
    std::vector<uint64_t> walked;
    std::optional<uint64_t> start;
    while (true) {
      absl::StatusOr<RecordQuery> query = RecordQuery::Prepare(ledger.log(), filter, pinned, order);
      ASSERT_TRUE(query.ok());
      absl::StatusOr<QueryPage> page = query->Find(start, 37);
      ASSERT_TRUE(page.ok());
      walked.insert(walked.end(), page->indexes.begin(), page->indexes.end());
      // More records, many of them matching, between every two pages.
      std::vector<v1::Entry> batch;
      for (int i = 0; i < 50; ++i) batch.push_back(RandomEntry(rng, ledger.clock().now));
      ledger.AppendBatch(std::move(batch));
      if (!page->next) break;
      start = page->next;
    }
    EXPECT_EQ(walked, expected);
  }
}

// A log written without the query index (an older version's) is indexed by
// CatchUpQueryIndex at start-up, and then answers as if indexed all along.
TEST(QueryCatchUp, IndexesRecordsWrittenBeforeTheIndex) {
  QueryLog ledger;
  std::mt19937_64 rng(5);
  const auto append = [&](bool indexed) {
    std::vector<v1::Entry> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(RandomEntry(rng, ledger.clock().now));
    ledger.AppendBatch(std::move(batch), indexed);
    ledger.clock().now += 60'000'000;
  };
  for (int b = 0; b < 20; ++b) append(/*indexed=*/false);
  v1::QueryFilter filter;
  filter.add_event_types("post_published");
  EXPECT_TRUE(AllPages(ledger.log(), filter, v1::OLDEST_FIRST, 1000).empty());

  absl::StatusOr<uint64_t> indexed = CatchUpQueryIndex(ledger.log());
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, 2000u);
  EXPECT_EQ(CatchUpQueryIndex(ledger.log()).value_or(99), 0u);
  for (int b = 0; b < 10; ++b) append(/*indexed=*/true);
  EXPECT_EQ(CatchUpQueryIndex(ledger.log()).value_or(99), 0u);
  for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
    EXPECT_EQ(AllPages(ledger.log(), filter, order, 1000),
              Reference(ledger.ScanAll(), ledger.log().Size(), filter, order));
  }
}

// Records whose event times lie far outside any sensible window, stored before
// the server validated them (here straight through the Log, as an older server
// wrote them): every event-time range still finds exactly the records it holds,
// and what a range costs does not grow with its span.
TEST(QueryOddEventTimes, RangesFindThemAtACostIndependentOfTheSpan) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t nanos = kStart * 1000;  // nanoseconds sent as microseconds
  QueryLog ledger;
  std::mt19937_64 rng(11);
  std::vector<int64_t> times = {kMin, kMin + 1, kMax, kMax - 1, nanos, -nanos, 0, -1};
  for (int i = 0; i < 40; ++i) times.push_back(kStart + i * (kDay / 3));
  for (size_t half = 0; half < 2; ++half) {  // two batches: lists of several blocks
    std::vector<v1::Entry> batch;
    for (size_t i = half; i < times.size(); i += 2) {
      v1::Entry entry = RandomEntry(rng, kStart);
      entry.set_event_time_micros(times[i]);
      batch.push_back(std::move(entry));
    }
    ledger.AppendBatch(std::move(batch));
  }
  const std::vector<Facts> all = ledger.ScanAll();
  struct Range {
    std::optional<int64_t> from, to;
  };
  const std::vector<Range> ranges = {
      {kMin, std::nullopt},  {std::nullopt, kMax},       {kMin, kMax},
      {kMin, kMin + 1},      {std::nullopt, kMin + 1},   {kMax - 1, kMax},
      {kMax, std::nullopt},  {kMax - 1, std::nullopt},   {kMin + 1, kMax - 1},
      {kStart, std::nullopt}, {std::nullopt, kStart + 5 * kDay},
      {kStart + kDay / 2, kStart + 3 * kDay},            {-nanos, nanos + 1},
      {nanos, std::nullopt}, {std::nullopt, -nanos + 1}, {-1, 1},
      {kMin, kStart + 100 * kDay}, {kStart - 100 * kDay, kMax},
  };
  for (const Range& range : ranges) {
    v1::QueryFilter filter;
    if (range.from) filter.mutable_event_time()->set_from_micros(*range.from);
    if (range.to) filter.mutable_event_time()->set_to_micros(*range.to);
    ASSERT_TRUE(ValidateFilter(filter).ok()) << filter.ShortDebugString();
    for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
      const std::vector<uint64_t> expected = Reference(all, all.size(), filter, order);
      EXPECT_EQ(AllPages(ledger.log(), filter, order, 1000), expected)
          << filter.ShortDebugString() << " order " << order;
      EXPECT_EQ(AllPages(ledger.log(), filter, order, 3), expected)
          << filter.ShortDebugString() << " order " << order << ", pages of 3";
    }
  }
  // The whole range (2^64 microseconds, 2.1x10^8 days) holds every record,
  // the odd ones included, and costs a few reads per bucket holding records,
  // not one per day spanned.
  v1::QueryFilter everything;
  everything.mutable_event_time()->set_from_micros(kMin);
  for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
    absl::StatusOr<RecordQuery> query = RecordQuery::Prepare(ledger.log(), everything, all.size(), order);
    ASSERT_TRUE(query.ok()) << query.status();
    absl::StatusOr<QueryPage> page = query->Find(std::nullopt, 1000);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->indexes.size(), times.size());
    EXPECT_FALSE(page->next.has_value());
    EXPECT_LT(query->stats().index_reads, 100u);
    // At most one jump per bucket list (12 at most: every record in its own
    // day and 32-day run) per record.
    EXPECT_LE(query->stats().list_steps, 12 * times.size());
  }
}

// A Find that reaches its work limit returns the page found so far with where
// to go on; walking on from there gives every match once, in order.
TEST(QueryWorkLimit, CutsPagesShortAndResumesWhereItStopped) {
  QueryLog ledger;
  std::mt19937_64 rng(3);
  for (int b = 0; b < 20; ++b) {
    std::vector<v1::Entry> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(RandomEntry(rng, ledger.clock().now));
    ledger.AppendBatch(std::move(batch));
    ledger.clock().now += 3'600'000'000;
  }
  v1::QueryFilter filter;
  filter.add_actors("ana@pasto.gov.co");
  filter.add_event_types("post_published");
  filter.mutable_event_time()->set_from_micros(kStart - 400 * kDay);
  for (v1::QueryOrder order : {v1::OLDEST_FIRST, v1::NEWEST_FIRST}) {
    const std::vector<uint64_t> expected = Reference(ledger.ScanAll(), ledger.log().Size(), filter, order);
    ASSERT_GT(expected.size(), 50u);
    std::vector<uint64_t> walked;
    std::optional<uint64_t> start;
    int short_pages = 0;
    while (true) {
      absl::StatusOr<RecordQuery> query = RecordQuery::Prepare(ledger.log(), filter, ledger.log().Size(), order);
      ASSERT_TRUE(query.ok()) << query.status();
      query->set_work_limit(20);
      absl::StatusOr<QueryPage> page = query->Find(start, 1000);
      ASSERT_TRUE(page.ok()) << page.status();
      walked.insert(walked.end(), page->indexes.begin(), page->indexes.end());
      if (!page->next) break;
      ++short_pages;
      ASSERT_NE(page->next, start) << "a cut page must move on";
      start = page->next;
    }
    EXPECT_EQ(walked, expected);
    EXPECT_GT(short_pages, 10);
  }
}

}  // namespace
}  // namespace memoria::query
