// The Transparency service (Query, Export; server/transparency_service.cc)
// end to end: a real memoria-server on loopback, its log written through the
// Append RPC (e2e_log.h), read back through the
// generated stub. Filters return exactly the records the test appended that
// match; pages are stable while appends continue; bad input is
// INVALID_ARGUMENT with a useful message; exports carry a checkpoint that opens
// under the log key, a proof per record, the trust records, and personal data
// only when disclosed to the reader credential.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "ledger/policy/commitment.h"
#include "ledger/record.h"
#include "memoria/v1/query.pb.h"
#include "tests/query/e2e_log.h"

namespace memoria::query {
namespace {

using ::memoria::query::testing::E2eLog;
using ::memoria::query::testing::kActorA;
using ::memoria::query::testing::kActorB;
using ::memoria::query::testing::kBaseEventTime;
using ::memoria::query::testing::kEventStep;
using ::memoria::query::testing::kReaderToken;
using ::memoria::query::testing::kWriterA;
using ::memoria::query::testing::kWriterB;
using ::memoria::query::testing::Known;
using ::memoria::server::testing::StatusText;
using ::memoria::server::testing::TempDir;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Appended events (after the genesis and the two writer registrations).
constexpr int kEvents = 60;

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(60);
}

bool HasFinding(const Known& known, const std::string& rule) {
  return std::find(known.findings.begin(), known.findings.end(), rule) != known.findings.end();
}

bool IsAdministration(const Known& known) {
  return known.type == "genesis" || known.type == "writer_registered" ||
         known.type == "writer_revoked";
}

std::vector<uint64_t> Reversed(std::vector<uint64_t> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

v1::AccountRef Account(v1::Platform platform, const std::string& handle) {
  v1::AccountRef account;
  account.set_platform(platform);
  account.set_handle(handle);
  return account;
}

struct ExportResult {
  grpc::Status status;
  std::vector<v1::ExportItem> items;
  std::optional<v1::ExportHeader> header;
  std::vector<v1::ExportedRecord> trust;
  std::vector<v1::ExportedRecord> results;
  std::vector<uint64_t> trust_indexes() const {
    std::vector<uint64_t> out;
    for (const v1::ExportedRecord& r : trust) out.push_back(r.index());
    return out;
  }
  std::vector<uint64_t> result_indexes() const {
    std::vector<uint64_t> out;
    for (const v1::ExportedRecord& r : results) out.push_back(r.index());
    return out;
  }
};

class TransparencyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(log_.Start(dir_.path()));
    ASSERT_NO_FATAL_FAILURE(log_.AppendStandard(kEvents));
    ASSERT_EQ(log_.size(), 3u + kEvents);
  }

  grpc::Status Query(const v1::QueryRequest& request, v1::QueryResponse* response,
                     v1::Transparency::Stub* stub = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    return (stub != nullptr ? *stub : log_.transparency_stub()).Query(&context, request, response);
  }

  // Every page of `filter` in `order`, `page_size` at a time; checks that the
  // tree size stays that of the first page and that each page holds at most
  // page_size records whose leaves are the log's.
  std::vector<uint64_t> WalkPages(const v1::QueryFilter& filter, v1::QueryOrder order,
                                  uint32_t page_size, uint64_t* tree_size = nullptr,
                                  const std::function<void()>& between_pages = nullptr,
                                  std::vector<std::string>* leaves = nullptr) {
    v1::QueryRequest request;
    *request.mutable_filter() = filter;
    request.set_order(order);
    request.set_page_size(page_size);
    std::vector<uint64_t> indexes;
    std::optional<uint64_t> size;
    for (int pages = 0;; ++pages) {
      EXPECT_LT(pages, 10000) << "pages never end";
      if (pages >= 10000) break;
      v1::QueryResponse response;
      grpc::Status status = Query(request, &response);
      EXPECT_TRUE(status.ok()) << StatusText(status);
      if (!status.ok()) break;
      if (!size.has_value()) size = response.tree_size();
      EXPECT_EQ(response.tree_size(), *size) << "page " << pages;
      EXPECT_LE(static_cast<uint32_t>(response.records_size()), page_size);
      for (const v1::QueryRecord& record : response.records()) {
        indexes.push_back(record.index());
        if (leaves != nullptr) leaves->push_back(record.leaf());
        EXPECT_LT(record.index(), *size);
        if (record.index() < leaves_checked_below_) {
          EXPECT_EQ(record.leaf(), log_.at(record.index()).leaf) << "record " << record.index();
        }
      }
      if (response.next_page_token().empty()) break;
      EXPECT_EQ(response.records_size(), static_cast<int>(page_size))
          << "a page before the last one is short";
      request.set_page_token(response.next_page_token());
      if (between_pages) between_pages();
    }
    if (tree_size != nullptr) *tree_size = size.value_or(0);
    return indexes;
  }

  ExportResult Export(const v1::ExportRequest& request, const std::string& authorization = "") {
    ExportResult result;
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    auto reader = log_.transparency_stub().Export(&context, request);
    v1::ExportItem item;
    while (reader->Read(&item)) {
      if (item.has_header()) {
        EXPECT_TRUE(result.items.empty()) << "the header comes first, once";
        result.header = item.header();
      }
      for (const v1::ExportedRecord& record : item.records()) {
        EXPECT_TRUE(result.header.has_value()) << "a record before the header";
        if (record.trust()) {
          EXPECT_THAT(result.results, IsEmpty()) << "trust record " << record.index()
                                                 << " after the results began";
          result.trust.push_back(record);
        } else {
          result.results.push_back(record);
        }
      }
      EXPECT_LE(item.records_size(), 256);
      result.items.push_back(item);
    }
    result.status = reader->Finish();
    return result;
  }

  // Checks an export's header and every record's proof, and returns its
  // checkpoint.
  Checkpoint CheckProofs(const ExportResult& result, uint64_t want_size) {
    EXPECT_TRUE(result.header.has_value());
    if (!result.header.has_value()) return {};
    const v1::ExportHeader& header = *result.header;
    absl::StatusOr<Checkpoint> checkpoint =
        OpenCheckpoint(header.checkpoint(), log_.server().log_verifier());
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    if (!checkpoint.ok()) return {};
    EXPECT_EQ(checkpoint->size, want_size);
    EXPECT_EQ(header.tree_size(), want_size);
    EXPECT_EQ(header.log_vkey(), log_.log_key());
    EXPECT_EQ(header.admin_vkey(), log_.server().admin_verifier().ToString());
    for (const std::vector<v1::ExportedRecord>* list : {&result.trust, &result.results}) {
      uint64_t previous = 0;
      bool first = true;
      for (const v1::ExportedRecord& record : *list) {
        EXPECT_TRUE(first || record.index() > previous) << "indexes not increasing at " << record.index();
        first = false;
        previous = record.index();
        EXPECT_LT(record.index(), want_size);
        EXPECT_EQ(record.leaf(), log_.at(record.index()).leaf) << "record " << record.index();
        std::vector<Hash> proof;
        for (const std::string& bytes : record.inclusion_proof()) {
          absl::StatusOr<Hash> hash = HashFromBytes(bytes);
          EXPECT_TRUE(hash.ok());
          if (hash.ok()) proof.push_back(*hash);
        }
        EXPECT_TRUE(VerifyInclusion(record.index(), checkpoint->size, LeafHash(record.leaf()), proof,
                                    checkpoint->root)
                        .ok())
            << "the proof of record " << record.index() << " does not verify";
      }
    }
    return *checkpoint;
  }

  // The openings of the commitments in the record's entry.
  static std::vector<v1::PersonalDataCommitment> CommitmentsOf(const std::string& leaf) {
    absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
    v1::Entry entry;
    if (!record.ok() || !entry.ParseFromString(record->entry())) return {};
    return {entry.policy().personal_data().begin(), entry.policy().personal_data().end()};
  }

  TempDir dir_;
  E2eLog log_;
  // Leaves of records below this index are compared with the log's.
  uint64_t leaves_checked_below_ = UINT64_MAX;
};

// --- Filters ----------------------------------------------------------------------

struct FilterCase {
  std::string name;
  v1::QueryFilter filter;
  std::function<bool(const Known&)> match;
};

TEST_F(TransparencyServiceTest, EachFilterAndCombinationReturnsExactlyTheRecordsAppended) {
  const std::string admin = log_.at(1).writer;  // the registrations' signer
  const int64_t event_from = kBaseEventTime + 10 * kEventStep + 1;
  const int64_t event_to = kBaseEventTime + 45 * kEventStep;
  const int64_t integrated_from = log_.at(20).integrated;
  const int64_t integrated_to = log_.at(41).integrated;
  ASSERT_LT(integrated_from, integrated_to);

  std::vector<FilterCase> cases;
  const auto add = [&](std::string name, std::function<void(v1::QueryFilter&)> build,
                       std::function<bool(const Known&)> match) {
    FilterCase c{std::move(name), {}, std::move(match)};
    build(c.filter);
    cases.push_back(std::move(c));
  };
  add("type post_published", [](v1::QueryFilter& f) { f.add_event_types("post_published"); },
      [](const Known& k) { return k.type == "post_published"; });
  add("type user_blocked OR reply_published",
      [](v1::QueryFilter& f) {
        f.add_event_types("user_blocked");
        f.add_event_types("reply_published");
      },
      [](const Known& k) { return k.type == "user_blocked" || k.type == "reply_published"; });
  add("type generic", [](v1::QueryFilter& f) { f.add_event_types("generic"); },
      [](const Known& k) { return k.type == "generic"; });
  add("type writer_registered", [](v1::QueryFilter& f) { f.add_event_types("writer_registered"); },
      [](const Known& k) { return k.type == "writer_registered"; });
  add("generic type post.published",
      [](v1::QueryFilter& f) { f.add_generic_types("post.published"); },
      [](const Known& k) { return k.generic_type == "post.published"; });
  add("account facebook:@alcaldiapasto (case, '@')",
      [](v1::QueryFilter& f) { *f.add_accounts() = Account(v1::FACEBOOK, "@alcaldiapasto"); },
      [](const Known& k) {
        return k.platform == v1::FACEBOOK && E2eLog::SameHandle(k.handle, "AlcaldiaPasto");
      });
  add("account twitter:AlcaldiaPasto OR instagram:SALUDPASTO",
      [](v1::QueryFilter& f) {
        *f.add_accounts() = Account(v1::TWITTER, "AlcaldiaPasto");
        *f.add_accounts() = Account(v1::INSTAGRAM, "SALUDPASTO");
      },
      [](const Known& k) {
        return (k.platform == v1::TWITTER && k.handle == "AlcaldiaPasto") ||
               (k.platform == v1::INSTAGRAM && k.handle == "SaludPasto");
      });
  add("platform instagram", [](v1::QueryFilter& f) { f.add_platforms(v1::INSTAGRAM); },
      [](const Known& k) { return k.platform == v1::INSTAGRAM; });
  add("actor (other case)", [](v1::QueryFilter& f) { f.add_actors("PRENSA.salud@PASTO.gov.co"); },
      [](const Known& k) { return k.actor == kActorB; });
  add("writer secretaria-salud", [](v1::QueryFilter& f) { f.add_writers(kWriterB); },
      [](const Known& k) { return k.writer == kWriterB; });
  add("writer: the administrator", [&](v1::QueryFilter& f) { f.add_writers(admin); },
      [&](const Known& k) { return k.writer == admin; });
  add("finding user_blocked", [](v1::QueryFilter& f) { f.add_findings("user_blocked"); },
      [](const Known& k) { return HasFinding(k, "user_blocked"); });
  add("finding post_deleted", [](v1::QueryFilter& f) { f.add_findings("post_deleted"); },
      [](const Known& k) { return HasFinding(k, "post_deleted"); });
  add("finding user_blocked OR post_deleted",
      [](v1::QueryFilter& f) {
        f.add_findings("user_blocked");
        f.add_findings("post_deleted");
      },
      [](const Known& k) { return HasFinding(k, "user_blocked") || HasFinding(k, "post_deleted"); });
  add("event time [from, to)",
      [&](v1::QueryFilter& f) {
        f.mutable_event_time()->set_from_micros(event_from);
        f.mutable_event_time()->set_to_micros(event_to);
      },
      [&](const Known& k) { return k.event_time >= event_from && k.event_time < event_to; });
  add("event time from, open end",
      [&](v1::QueryFilter& f) { f.mutable_event_time()->set_from_micros(kBaseEventTime + 50 * kEventStep); },
      [&](const Known& k) { return k.event_time >= kBaseEventTime + 50 * kEventStep; });
  add("integrated [from, to)",
      [&](v1::QueryFilter& f) {
        f.mutable_integrated()->set_from_micros(integrated_from);
        f.mutable_integrated()->set_to_micros(integrated_to);
      },
      [&](const Known& k) { return k.integrated >= integrated_from && k.integrated < integrated_to; });
  add("account AND (type OR type) AND actor AND writer",
      [](v1::QueryFilter& f) {
        *f.add_accounts() = Account(v1::FACEBOOK, "AlcaldiaPasto");
        f.add_event_types("post_published");
        f.add_event_types("user_blocked");
        f.add_actors(kActorA);
        f.add_writers(kWriterA);
      },
      [](const Known& k) {
        return k.platform == v1::FACEBOOK && k.handle == "AlcaldiaPasto" &&
               (k.type == "post_published" || k.type == "user_blocked") && k.actor == kActorA &&
               k.writer == kWriterA;
      });
  add("platform AND event time AND finding",
      [&](v1::QueryFilter& f) {
        f.add_platforms(v1::TWITTER);
        f.add_platforms(v1::FACEBOOK);
        f.mutable_event_time()->set_from_micros(event_from);
        f.mutable_event_time()->set_to_micros(event_to);
        f.add_findings("user_blocked");
      },
      [&](const Known& k) {
        return (k.platform == v1::TWITTER || k.platform == v1::FACEBOOK) &&
               k.event_time >= event_from && k.event_time < event_to && HasFinding(k, "user_blocked");
      });
  add("integrated AND writer AND generic type",
      [&](v1::QueryFilter& f) {
        f.mutable_integrated()->set_from_micros(integrated_from);
        f.mutable_integrated()->set_to_micros(integrated_to);
        f.add_writers(kWriterA);
        f.add_generic_types("post.published");
        f.add_generic_types("ticket.opened");
      },
      [&](const Known& k) {
        return k.integrated >= integrated_from && k.integrated < integrated_to &&
               k.writer == kWriterA && !k.generic_type.empty();
      });
  add("no such account", [](v1::QueryFilter& f) { *f.add_accounts() = Account(v1::YOUTUBE, "nadie"); },
      [](const Known&) { return false; });
  add("empty filter", [](v1::QueryFilter&) {}, [](const Known&) { return true; });

  for (const FilterCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<uint64_t> expected = log_.Where(c.match);
    if (c.name != "no such account") {
      ASSERT_FALSE(expected.empty()) << "the test's log should hold matches";
    }
    if (c.name != "empty filter") {
      ASSERT_LT(expected.size(), log_.size());
    }
    uint64_t tree_size = 0;
    EXPECT_THAT(WalkPages(c.filter, v1::OLDEST_FIRST, 1000, &tree_size), ElementsAreArray(expected));
    EXPECT_EQ(tree_size, log_.size());
    EXPECT_THAT(WalkPages(c.filter, v1::NEWEST_FIRST, 1000), ElementsAreArray(Reversed(expected)));
    // The default page size (0: 100) holds all of them in one page.
    v1::QueryRequest request;
    *request.mutable_filter() = c.filter;
    v1::QueryResponse response;
    ASSERT_TRUE(Query(request, &response).ok());
    EXPECT_EQ(static_cast<size_t>(response.records_size()), expected.size());
    EXPECT_TRUE(response.next_page_token().empty());
  }
}

// Record 0, the genesis, is a record like the others for queries: of type
// "genesis", by the log key's name, at the time the log was created.
TEST_F(TransparencyServiceTest, GenesisIsFoundLikeAnyRecord) {
  const Known& genesis = log_.at(0);
  ASSERT_EQ(genesis.type, "genesis");
  ASSERT_GT(genesis.event_time, 0);
  v1::QueryFilter by_type;
  by_type.add_event_types("genesis");
  EXPECT_THAT(WalkPages(by_type, v1::OLDEST_FIRST, 10), ElementsAreArray({uint64_t{0}}));
  v1::QueryFilter by_writer;
  by_writer.add_writers(genesis.writer);
  EXPECT_THAT(WalkPages(by_writer, v1::OLDEST_FIRST, 10), ElementsAreArray({uint64_t{0}}));
  v1::QueryFilter by_time;
  by_time.mutable_event_time()->set_from_micros(genesis.event_time);
  by_time.mutable_event_time()->set_to_micros(genesis.event_time + 1);
  EXPECT_THAT(WalkPages(by_time, v1::OLDEST_FIRST, 10), ElementsAreArray({uint64_t{0}}));
  // And an export of it carries it as a result, not as a trust record.
  v1::ExportRequest request;
  *request.mutable_filter() = by_type;
  ExportResult result = Export(request);
  ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
  EXPECT_EQ(result.result_indexes(), (std::vector<uint64_t>{0}));
  EXPECT_THAT(result.trust_indexes(), ::testing::Not(::testing::Contains(uint64_t{0})));
}

TEST_F(TransparencyServiceTest, PagesOfThreeWalkEveryRecordOnceInBothOrders) {
  v1::QueryFilter filter;
  filter.add_event_types("post_published");
  filter.add_event_types("reply_published");
  filter.add_platforms(v1::FACEBOOK);
  filter.add_platforms(v1::INSTAGRAM);
  const std::vector<uint64_t> expected = log_.Where([](const Known& k) {
    return (k.type == "post_published" || k.type == "reply_published") &&
           (k.platform == v1::FACEBOOK || k.platform == v1::INSTAGRAM);
  });
  ASSERT_GT(expected.size(), 6u);
  EXPECT_THAT(WalkPages(filter, v1::OLDEST_FIRST, 3), ElementsAreArray(expected));
  EXPECT_THAT(WalkPages(filter, v1::NEWEST_FIRST, 3), ElementsAreArray(Reversed(expected)));
  // A page size dividing the result exactly: the last full page ends the walk
  // or is followed by an empty one, never by a repeat.
  EXPECT_THAT(WalkPages(filter, v1::OLDEST_FIRST, 1), ElementsAreArray(expected));
  EXPECT_THAT(WalkPages(filter, v1::OLDEST_FIRST, static_cast<uint32_t>(expected.size())),
              ElementsAreArray(expected));
}

TEST_F(TransparencyServiceTest, AnExportReadInCallsOfSevenIsTheOneCallExport) {
  v1::QueryFilter filter;
  filter.add_event_types("post_published");
  filter.add_event_types("reply_published");
  v1::ExportRequest whole;
  *whole.mutable_filter() = filter;
  const ExportResult one = Export(whole);
  ASSERT_TRUE(one.status.ok()) << StatusText(one.status);
  ASSERT_TRUE(one.header.has_value());
  ASSERT_GT(one.results.size(), 14u);
  ASSERT_FALSE(one.trust.empty());

  for (const uint64_t per_call : {uint64_t{7}, uint64_t{one.results.size()}}) {
    SCOPED_TRACE(absl::StrCat(per_call, " results per call"));
    v1::ExportRequest call = whole;
    call.set_tree_size(one.header->tree_size());
    call.set_max_results(per_call);
    std::vector<v1::ExportedRecord> results;
    int calls = 0;
    for (;;) {
      const ExportResult part = Export(call);
      ++calls;
      ASSERT_TRUE(part.status.ok()) << StatusText(part.status);
      ASSERT_TRUE(part.header.has_value());
      EXPECT_EQ(part.header->checkpoint(), one.header->checkpoint());
      EXPECT_EQ(part.header->max_results(), per_call);
      // Trust records come with the first call only.
      EXPECT_EQ(part.trust_indexes(), calls == 1 ? one.trust_indexes() : std::vector<uint64_t>{});
      ASSERT_LE(part.results.size(), per_call);
      results.insert(results.end(), part.results.begin(), part.results.end());
      if (part.results.size() < per_call) break;
      call.set_results_after(part.results.back().index());
    }
    // A last full call is followed by one that sends no results.
    EXPECT_EQ(calls, static_cast<int>(one.results.size() / per_call) + 1);
    ASSERT_EQ(results.size(), one.results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_EQ(results[i].SerializeAsString(), one.results[i].SerializeAsString())
          << "result " << i << " (record " << one.results[i].index() << ")";
    }
  }
  EXPECT_EQ(one.header->max_results(), 0u) << "no limit asked, none applied";

  // Resuming after a record that is not a result (1: a writer registration),
  // and after the last record of the tree.
  v1::ExportRequest call = whole;
  call.set_tree_size(one.header->tree_size());
  call.set_results_after(1);
  const ExportResult after_one = Export(call);
  ASSERT_TRUE(after_one.status.ok()) << StatusText(after_one.status);
  EXPECT_THAT(after_one.trust, IsEmpty());
  std::vector<uint64_t> expected;
  for (uint64_t index : one.result_indexes()) {
    if (index > 1) expected.push_back(index);
  }
  EXPECT_EQ(after_one.result_indexes(), expected);
  call.set_results_after(one.header->tree_size() - 1);
  const ExportResult after_all = Export(call);
  ASSERT_TRUE(after_all.status.ok()) << StatusText(after_all.status);
  ASSERT_TRUE(after_all.header.has_value());
  EXPECT_THAT(after_all.trust, IsEmpty());
  EXPECT_THAT(after_all.results, IsEmpty());
}

TEST_F(TransparencyServiceTest, PaginationIsStableWhileOtherThreadsAppend) {
  // Appenders: matching records (facebook post_published) and others, as fast
  // as they can, each through its own channel.
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::vector<std::thread> appenders;
  for (int t = 0; t < 2; ++t) {
    appenders.emplace_back([&, t] {
      std::unique_ptr<v1::Ledger::Stub> stub = server::testing::NewLocalStub(log_.server().port());
      for (int i = 0; !stop.load(); ++i) {
        v1::PolicyEvent event = E2eLog::Base(v1::FACEBOOK, "AlcaldiaPasto", kActorA);
        event.mutable_post_published()->set_platform_post_id(absl::StrCat("late-", t, "-", i));
        event.mutable_post_published()->set_content_sha256(
            std::string(AsBytes(Sha256(absl::StrCat("late ", t, " ", i)))));
        log_.AppendPolicy(log_.writer(t), absl::StrCat("late-", t, "-", i),
                          kBaseEventTime + i * kEventStep, event, {}, {}, stub.get());
        ++appended;
      }
    });
  }
  // Pages only start once appends are under way; between two pages, at
  // least one more record is appended.
  const auto wait_for_append = [&] {
    const int before = appended.load();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (appended.load() == before && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_GT(appended.load(), before) << "no append between two pages";
  };
  wait_for_append();
  leaves_checked_below_ = 0;  // the known records change meanwhile: leaves are checked at the end

  v1::QueryFilter matching;
  matching.add_event_types("post_published");
  matching.add_platforms(v1::FACEBOOK);
  const auto is_match = [](const Known& k) {
    return k.type == "post_published" && k.platform == v1::FACEBOOK;
  };
  struct Walk {
    v1::QueryFilter filter;
    v1::QueryOrder order;
    std::function<bool(const Known&)> match;
    uint64_t tree_size = 0;
    std::vector<uint64_t> got;
    std::vector<std::string> leaves;
  };
  std::vector<Walk> walks = {{matching, v1::OLDEST_FIRST, is_match},
                             {matching, v1::NEWEST_FIRST, is_match},
                             {v1::QueryFilter(), v1::OLDEST_FIRST, [](const Known&) { return true; }},
                             {v1::QueryFilter(), v1::NEWEST_FIRST, [](const Known&) { return true; }}};
  for (Walk& walk : walks) {
    walk.got = WalkPages(walk.filter, walk.order, 3, &walk.tree_size, wait_for_append, &walk.leaves);
  }
  // An export while appends go on: proven against the size it started at.
  v1::ExportRequest export_request;
  *export_request.mutable_filter() = matching;
  const ExportResult exported = Export(export_request);
  wait_for_append();
  stop = true;
  for (std::thread& thread : appenders) thread.join();
  ASSERT_NO_FATAL_FAILURE(log_.Refresh());
  ASSERT_TRUE(exported.status.ok()) << StatusText(exported.status);
  ASSERT_TRUE(exported.header.has_value());
  const uint64_t exported_size = exported.header->tree_size();
  EXPECT_GT(exported_size, walks.back().tree_size);
  CheckProofs(exported, exported_size);
  EXPECT_EQ(exported.result_indexes(), log_.Where(is_match, exported_size));
  EXPECT_GT(log_.size(), exported_size);

  for (const Walk& walk : walks) {
    SCOPED_TRACE(absl::StrCat(walk.filter.event_types_size() == 0 ? "every record" : "matching",
                              walk.order == v1::NEWEST_FIRST ? ", newest first" : ", oldest first"));
    std::vector<uint64_t> expected = log_.Where(walk.match, walk.tree_size);
    if (walk.order == v1::NEWEST_FIRST) expected = Reversed(expected);
    EXPECT_THAT(walk.got, ElementsAreArray(expected));
    const std::set<uint64_t> unique(walk.got.begin(), walk.got.end());
    EXPECT_EQ(unique.size(), walk.got.size()) << "a record came twice";
    // Records matching the filter were appended after the first page: the
    // pinned tree size is what kept them out.
    EXPECT_GT(log_.Where(walk.match).size(), log_.Where(walk.match, walk.tree_size).size());
    EXPECT_GT(walk.tree_size, 3u + kEvents) << "the concurrent appends began before the first page";
  }
  // Every leaf sent was the log's.
  for (const Walk& walk : walks) {
    ASSERT_EQ(walk.leaves.size(), walk.got.size());
    for (size_t i = 0; i < walk.got.size(); ++i) {
      EXPECT_EQ(walk.leaves[i], log_.at(walk.got[i]).leaf) << "record " << walk.got[i];
    }
  }
}

// --- Bad input ----------------------------------------------------------------------

TEST_F(TransparencyServiceTest, BadInputIsInvalidArgumentWithAUsefulMessageAndTheServerKeepsServing) {
  const std::vector<uint64_t> posts = log_.Where([](const Known& k) { return k.type == "post_published"; });
  v1::QueryRequest valid;
  valid.mutable_filter()->add_event_types("post_published");
  const auto still_serving = [&] {
    v1::QueryResponse response;
    grpc::Status status = Query(valid, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_EQ(static_cast<size_t>(response.records_size()), posts.size());
  };

  // A real token of the valid query (page size 3).
  std::string token;
  {
    v1::QueryRequest first = valid;
    first.set_page_size(3);
    v1::QueryResponse response;
    ASSERT_TRUE(Query(first, &response).ok());
    token = response.next_page_token();
    ASSERT_FALSE(token.empty());
  }

  struct BadCase {
    std::string name;
    v1::QueryRequest request;
    std::string message;  // a part of the error message
  };
  std::vector<BadCase> cases;
  const auto add = [&](std::string name, std::function<void(v1::QueryRequest&)> build,
                       std::string message) {
    BadCase c{std::move(name), valid, std::move(message)};
    build(c.request);
    cases.push_back(std::move(c));
  };
  add("unknown event type",
      [](v1::QueryRequest& r) { r.mutable_filter()->add_event_types("post_publishd"); },
      "unknown event type \"post_publishd\"");
  add("a generic type given as an event type",
      [](v1::QueryRequest& r) { r.mutable_filter()->add_event_types("post.published"); },
      "unknown event type");
  add("inverted event time range",
      [](v1::QueryRequest& r) {
        r.mutable_filter()->mutable_event_time()->set_from_micros(kBaseEventTime + 10);
        r.mutable_filter()->mutable_event_time()->set_to_micros(kBaseEventTime);
      },
      "event time range");
  add("empty event time range",
      [](v1::QueryRequest& r) {
        r.mutable_filter()->mutable_event_time()->set_from_micros(kBaseEventTime);
        r.mutable_filter()->mutable_event_time()->set_to_micros(kBaseEventTime);
      },
      "event time range");
  add("inverted integration time range",
      [](v1::QueryRequest& r) {
        r.mutable_filter()->mutable_integrated()->set_from_micros(2000);
        r.mutable_filter()->mutable_integrated()->set_to_micros(1000);
      },
      "integration time range");
  add("garbage page token", [](v1::QueryRequest& r) { r.set_page_token("not a page token!"); },
      "malformed page token");
  add("truncated page token",
      [&](v1::QueryRequest& r) { r.set_page_token(token.substr(0, token.size() - 4)); },
      "malformed page token");
  add("page token with a byte cut off the end",
      [&](v1::QueryRequest& r) { r.set_page_token(token.substr(0, token.size() - 1)); },
      "malformed page token");
  add("page token of another filter",
      [&](v1::QueryRequest& r) {
        r.mutable_filter()->clear_event_types();
        r.mutable_filter()->add_event_types("user_blocked");
        r.set_page_token(token);
      },
      "another query");
  add("page token of another order",
      [&](v1::QueryRequest& r) {
        r.set_order(v1::NEWEST_FIRST);
        r.set_page_token(token);
      },
      "another query");
  add("unknown order", [](v1::QueryRequest& r) { r.set_order(static_cast<v1::QueryOrder>(256)); },
      "unknown query order 256");
  add("page size 5000", [](v1::QueryRequest& r) { r.set_page_size(5000); }, "page_size 5000");
  add("unknown finding rule", [](v1::QueryRequest& r) { r.mutable_filter()->add_findings("insults"); },
      "unknown finding rule \"insults\"");
  add("a query-time rule as a finding",
      [](v1::QueryRequest& r) { r.mutable_filter()->add_findings("non_institutional_email"); },
      "unknown finding rule");
  add("account without platform",
      [](v1::QueryRequest& r) { *r.mutable_filter()->add_accounts() = Account(v1::PLATFORM_UNSPECIFIED, "x"); },
      "platform");
  add("account without handle",
      [](v1::QueryRequest& r) { *r.mutable_filter()->add_accounts() = Account(v1::FACEBOOK, "@"); },
      "handle");
  add("empty actor", [](v1::QueryRequest& r) { r.mutable_filter()->add_actors(""); }, "actors");

  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::QueryResponse response;
    grpc::Status status = Query(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr(c.message));
    EXPECT_EQ(response.records_size(), 0);
    ASSERT_NO_FATAL_FAILURE(still_serving());
  }
  // The valid token still works after all that.
  {
    v1::QueryRequest next = valid;
    next.set_page_size(3);
    next.set_page_token(token);
    v1::QueryResponse response;
    grpc::Status status = Query(next, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    ASSERT_EQ(response.records_size(), 3);
    EXPECT_EQ(response.records(0).index(), posts[3]);
  }

  // Export: the same validation, before anything is streamed.
  {
    v1::ExportRequest request;
    request.mutable_filter()->add_event_types("post_publishd");
    ExportResult result = Export(request);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(result.status.error_message(), HasSubstr("unknown event type \"post_publishd\""));
    EXPECT_THAT(result.items, IsEmpty());
  }
  {
    v1::ExportRequest request;
    request.mutable_filter()->mutable_event_time()->set_from_micros(5);
    request.mutable_filter()->mutable_event_time()->set_to_micros(4);
    ExportResult result = Export(request);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(result.status.error_message(), HasSubstr("event time range"));
    EXPECT_THAT(result.items, IsEmpty());
  }
  {
    v1::ExportRequest request;
    request.mutable_filter()->add_findings("insults");
    request.set_disclose_personal_data(true);
    ExportResult result = Export(request, std::string("Bearer ") + kReaderToken);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(result.items, IsEmpty());
  }
  {
    v1::ExportRequest request;
    request.set_results_after(3);
    ExportResult result = Export(request);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(result.status.error_message(),
                HasSubstr("results_after needs the tree_size of the export's first call"));
    EXPECT_THAT(result.items, IsEmpty());
  }
  {
    v1::ExportRequest request;
    request.set_tree_size(log_.size() + 1);
    ExportResult result = Export(request);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_THAT(result.status.error_message(), HasSubstr("beyond"));
    EXPECT_THAT(result.items, IsEmpty());
  }
  ASSERT_NO_FATAL_FAILURE(still_serving());
  // And appends still work.
  v1::PolicyEvent event = E2eLog::Base(v1::FACEBOOK, "AlcaldiaPasto", kActorA);
  event.mutable_post_published()->set_platform_post_id("after-errors");
  event.mutable_post_published()->set_content_sha256(std::string(AsBytes(Sha256("after"))));
  const v1::Receipt receipt = log_.AppendPolicy(log_.writer(0), "after-errors", kBaseEventTime, event, {}, {});
  EXPECT_EQ(receipt.index(), 3u + kEvents);
}

TEST_F(TransparencyServiceTest, DisclosureNeedsTheReaderToken) {
  v1::ExportRequest request;
  request.mutable_filter()->add_event_types("user_blocked");
  request.set_disclose_personal_data(true);
  for (const std::string& authorization :
       {std::string(), std::string("Bearer wrong-token-wrong-token-wrong-token-wrong"),
        std::string(kReaderToken), std::string("Basic ") + kReaderToken}) {
    SCOPED_TRACE(authorization);
    ExportResult result = Export(request, authorization);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << StatusText(result.status);
    EXPECT_THAT(result.items, IsEmpty()) << "nothing is streamed before the credential is checked";
  }
  ExportResult granted = Export(request, std::string("Bearer ") + kReaderToken);
  ASSERT_TRUE(granted.status.ok()) << StatusText(granted.status);
  EXPECT_FALSE(granted.results.empty());
  // Redacted exports need no credential.
  request.set_disclose_personal_data(false);
  ExportResult redacted = Export(request);
  ASSERT_TRUE(redacted.status.ok()) << StatusText(redacted.status);
  EXPECT_EQ(redacted.result_indexes(), granted.result_indexes());
}

// --- Export -------------------------------------------------------------------------

TEST_F(TransparencyServiceTest, ExportProvesEveryRecordAndCarriesTheTrustRecordsAndOpeningsOnlyWhenDisclosed) {
  const auto with_personal_data = [](const Known& k) {
    return k.type == "user_blocked" || k.type == "reply_published";
  };
  v1::QueryFilter filter;
  filter.add_event_types("user_blocked");
  filter.add_event_types("reply_published");
  const std::vector<uint64_t> expected = log_.Where(with_personal_data);
  const std::vector<uint64_t> administration = log_.Where(IsAdministration);
  ASSERT_EQ(administration, (std::vector<uint64_t>{0, 1, 2}));

  v1::ExportRequest request;
  *request.mutable_filter() = filter;
  // Redacted.
  ExportResult redacted = Export(request);
  ASSERT_TRUE(redacted.status.ok()) << StatusText(redacted.status);
  CheckProofs(redacted, log_.size());
  EXPECT_EQ(redacted.trust_indexes(), administration);
  EXPECT_EQ(redacted.result_indexes(), expected);
  for (const v1::ExportedRecord& record : redacted.results) {
    EXPECT_EQ(record.personal_data_size(), 0) << "record " << record.index();
  }
  for (const std::string& secret : log_.SecretsInEveryForm()) {
    for (const v1::ExportItem& item : redacted.items) {
      ASSERT_EQ(item.SerializeAsString().find(secret), std::string::npos)
          << "a personal value or salt in a redacted export";
    }
  }

  // Disclosed: every result carries exactly the openings appended, which open
  // the commitments of its signed entry; trust records carry none.
  request.set_disclose_personal_data(true);
  ExportResult disclosed = Export(request, std::string("Bearer ") + kReaderToken);
  ASSERT_TRUE(disclosed.status.ok()) << StatusText(disclosed.status);
  CheckProofs(disclosed, log_.size());
  EXPECT_EQ(disclosed.trust_indexes(), administration);
  EXPECT_EQ(disclosed.result_indexes(), expected);
  for (const v1::ExportedRecord& record : disclosed.trust) EXPECT_EQ(record.personal_data_size(), 0);
  int openings = 0;
  for (const v1::ExportedRecord& record : disclosed.results) {
    SCOPED_TRACE(absl::StrCat("record ", record.index()));
    const Known& known = log_.at(record.index());
    ASSERT_EQ(static_cast<size_t>(record.personal_data_size()), known.openings.size());
    ASSERT_FALSE(known.openings.empty());
    const std::vector<v1::PersonalDataCommitment> commitments = CommitmentsOf(record.leaf());
    ASSERT_EQ(commitments.size(), known.openings.size());
    for (int i = 0; i < record.personal_data_size(); ++i) {
      const v1::PersonalDataOpening& got = record.personal_data(i);
      EXPECT_EQ(got.field(), known.openings[i].field());
      EXPECT_EQ(got.value(), known.openings[i].value());
      EXPECT_EQ(got.salt(), known.openings[i].salt());
      EXPECT_TRUE(policy::CheckOpening(got, commitments[i]).ok());
      ++openings;
    }
  }
  EXPECT_GT(openings, 20);

  // A disclosed export of records without personal data carries no openings.
  v1::ExportRequest posts;
  posts.mutable_filter()->add_event_types("post_published");
  posts.mutable_filter()->add_writers(kWriterA);
  posts.set_disclose_personal_data(true);
  ExportResult plain = Export(posts, std::string("Bearer ") + kReaderToken);
  ASSERT_TRUE(plain.status.ok()) << StatusText(plain.status);
  EXPECT_EQ(plain.result_indexes(), log_.Where([](const Known& k) {
    return k.type == "post_published" && k.writer == kWriterA;
  }));
  for (const v1::ExportedRecord& record : plain.results) EXPECT_EQ(record.personal_data_size(), 0);
}

TEST_F(TransparencyServiceTest, SelectedAdministrationRecordsAreResultsNotTrustRecords) {
  v1::ExportRequest request;
  request.mutable_filter()->add_event_types("writer_registered");
  request.mutable_filter()->add_event_types("post_published");
  ExportResult result = Export(request);
  ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
  CheckProofs(result, log_.size());
  EXPECT_EQ(result.trust_indexes(), (std::vector<uint64_t>{0}));  // the genesis only
  EXPECT_EQ(result.result_indexes(), log_.Where([](const Known& k) {
    return k.type == "writer_registered" || k.type == "post_published";
  }));
  // Everything selected: no trust records at all.
  ExportResult all = Export(v1::ExportRequest());
  ASSERT_TRUE(all.status.ok()) << StatusText(all.status);
  CheckProofs(all, log_.size());
  EXPECT_THAT(all.trust, IsEmpty());
  EXPECT_EQ(all.results.size(), log_.size());
  // Nothing selected: the header and the trust records, no results.
  v1::ExportRequest none;
  *none.mutable_filter()->add_accounts() = Account(v1::YOUTUBE, "nadie");
  ExportResult empty = Export(none);
  ASSERT_TRUE(empty.status.ok()) << StatusText(empty.status);
  CheckProofs(empty, log_.size());
  EXPECT_EQ(empty.trust_indexes(), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_THAT(empty.results, IsEmpty());
}

TEST_F(TransparencyServiceTest, ExportAtAnEarlierCheckpointSeesOnlyThatTree) {
  const uint64_t size = log_.at(30).receipt_tree_size;  // a size the log signed
  ASSERT_GT(size, 30u);
  ASSERT_LT(size, log_.size());
  v1::ExportRequest request;
  request.mutable_filter()->add_writers(kWriterB);
  request.set_tree_size(size);
  ExportResult result = Export(request);
  ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
  CheckProofs(result, size);
  EXPECT_EQ(result.trust_indexes(), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(result.result_indexes(), log_.Where([](const Known& k) { return k.writer == kWriterB; }, size));
}

TEST_F(TransparencyServiceTest, LargeExportsComeInChunksAndEveryProofVerifies) {
  // 700 more records in batches (several export chunks of 256).
  const int kMore = 700;
  std::vector<uint64_t> tickets;
  for (int done = 0; done < kMore;) {
    grpc::ClientContext context;
    v1::AppendBatchRequest request;
    for (int i = 0; i < 100 && done < kMore; ++i, ++done) {
      *request.add_entries() = server::testing::GenericEntry(log_.writer(done % 2), absl::StrCat("bulk-", done),
                                                             done % 7 == 0 ? "ticket.closed" : "ticket.bulk");
    }
    v1::AppendBatchResponse response;
    grpc::Status status = log_.stub().AppendBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    ASSERT_EQ(response.receipts_size(), request.entries_size());
    for (int i = 0; i < response.receipts_size(); ++i) {
      if (done - request.entries_size() + i >= 0 &&
          (done - request.entries_size() + i) % 7 != 0) {
        tickets.push_back(response.receipts(i).index());
      }
    }
  }
  ASSERT_NO_FATAL_FAILURE(log_.Refresh());
  std::sort(tickets.begin(), tickets.end());
  v1::ExportRequest request;
  request.mutable_filter()->add_generic_types("ticket.bulk");
  ExportResult result = Export(request);
  ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
  CheckProofs(result, log_.size());
  EXPECT_EQ(result.result_indexes(), tickets);
  EXPECT_EQ(result.trust_indexes(), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_GE(result.items.size(), 1 + (tickets.size() + 255) / 256);
  // The same through pages of 1000 and of 3.
  EXPECT_THAT(WalkPages(request.filter(), v1::OLDEST_FIRST, 1000), ElementsAreArray(tickets));
  EXPECT_THAT(WalkPages(request.filter(), v1::NEWEST_FIRST, 7), ElementsAreArray(Reversed(tickets)));
}

}  // namespace
}  // namespace memoria::query
