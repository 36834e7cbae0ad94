// The layout of the query indexes in the log's `state` column. Every key
// starts with "q/". Postings are kept in blocks, one per posting list and
// batch: a batch of 1,000 records costs one put per distinct value it holds,
// not one per record and dimension.
//
//   q/<dim>/<len be16><value><first be64>          -> block
//       equality postings: the records holding <value> in dimension <dim>
//   q/e/<level><bucket be64><first be64>           -> block with times
//       event-time postings: the records whose event happened in time bucket
//       <bucket> of <level> (0: UTC days, 1: runs of 32 days). Every record
//       has one posting per level, so a time range is covered by whole
//       level-1 buckets plus at most 31 + 31 level-0 buckets; each posting
//       carries the exact event time for the partial days at the range's edges.
//
// A block holds the postings of one batch in increasing index order; its key
// ends with the first one's index (<first>), so the blocks of a list sort in
// log order and never overlap. Its value, for each posting after the first:
// varint(index - previous index); in blocks with times, every posting's
// delta (none for the first) is followed by its event time (8 bytes,
// big-endian, offset by 2^63).
//
// Integration time needs no index: it never decreases along the log, so a
// range of it is a range of indexes (policy::IndexAtTime). Record-rule
// findings are posted by the policy views (policy::RecordFindingByRulePrefix).
// A rebuild that batches records differently yields other blocks holding the
// same postings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "absl/status/statusor.h"

#include "ledger/log.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/policy.pb.h"
#include "memoria/v1/query.pb.h"

namespace memoria::query {

inline constexpr std::string_view kQueryIndexPrefix = "q/";
// q/next -> be64: the first record not yet indexed (every batch updates it).
inline constexpr std::string_view kIndexedUpToKey = "q/next";

enum class Dimension : char {
  kEventType = 't',    // query::EventTypeName
  kGenericType = 'g',  // GenericEvent.type
  kAccount = 'a',      // policy::AccountKey of PolicyEvent.account
  kPlatform = 'p',     // PlatformValue of PolicyEvent.account.platform
  kActor = 'c',        // PolicyEvent.actor.email, lower-cased
  kWriter = 'w',       // Entry.writer (the writer key's name)
};

inline constexpr int kEventTimeLevels = 2;
inline constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;
// The span of one bucket of `level`: one day, then 32 days.
int64_t EventTimeBucketMicros(int level);
// The bucket of `level` holding `time_micros` (floor division; works before 1970).
int64_t EventTimeBucket(int level, int64_t time_micros);

// Values as the index stores them.
std::string PlatformValue(v1::Platform platform);
std::string ActorValue(std::string_view email);

// Keys.
std::string PostingPrefix(Dimension dimension, std::string_view value);
std::string EventTimePrefix(int level, int64_t bucket);
// The bucket from the 8 bytes that follow the level in an event-time prefix.
int64_t EventTimePrefixBucket(std::string_view eight_bytes);
bool IsEventTimePrefix(std::string_view prefix);
// A block's key: its list's prefix and the index of its first posting.
std::string BlockKey(std::string_view prefix, uint64_t first);
// The first index of a block, from its key (the last 8 bytes).
uint64_t BlockFirstIndex(std::string_view key);

// The equality postings of a record (every list of the dimensions above that
// holds it), as PostingPrefix keys: what the index writes for the record, and
// what RecordMatcher (record_match.h) compares a filter with.
std::vector<std::string> EntryPostingPrefixes(const v1::Entry& entry);

// The equality conditions of a filter: one group per condition given (event
// types, generic types, accounts, platforms, actors, writers, findings), each
// the posting prefixes any of which satisfies it. Every group must be met.
// Findings' prefixes are the policy views' (policy::RecordFindingByRulePrefix).
std::vector<std::vector<std::string>> FilterConditionPrefixes(const v1::QueryFilter& filter);

struct Posting {
  uint64_t index = 0;
  int64_t time_micros = 0;  // blocks with times only
};

// The postings of one block; DATA_LOSS if `value` is malformed.
absl::StatusOr<std::vector<Posting>> DecodeBlock(uint64_t first, std::string_view value,
                                                 bool with_times);

// Gathers the postings of a batch's records and turns them into blocks.
class PostingBlocks {
 public:
  // Adds the postings of record `index` (indexes increase from call to call).
  void Add(uint64_t index, const v1::Entry& entry);
  // Appends one put per block gathered, then starts afresh.
  void Flush(std::vector<StatePut>& puts);
  void Clear() { blocks_.clear(); }

 private:
  struct Block {
    uint64_t first = 0;
    uint64_t last = 0;
    std::string value;
  };
  void Post(std::string prefix, uint64_t index, const int64_t* time_micros);
  std::map<std::string, Block> blocks_;
};

}  // namespace memoria::query
