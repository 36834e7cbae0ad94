// The layout of the query indexes in the log's `state` column. Every key
// starts with "q/"; indexes are 8 bytes big-endian so that each posting list
// sorts in log order, and a query walks several lists in step (query.h).
//
//   q/<dim>/<len be16><value><index be64>              -> ""
//       an equality posting: record <index> has <value> in dimension <dim>
//   q/e/<level><bucket be64><index be64>               -> event time (be64, offset 2^63)
//       an event-time posting: record <index> happened in time bucket
//       <bucket> of <level> (0: UTC days, 1: runs of 32 days), with its exact
//       event time as value. Every record has one posting per level, so a
//       time range is covered by whole level-1 buckets plus at most 31 + 31
//       level-0 buckets (plus the two partial days at its edges, checked
//       against the value).
//
// Integration time needs no index: it never decreases along the log, so a
// range of it is a range of indexes (policy::IndexAtTime). Record-rule
// findings are posted by the policy views (policy::RecordFindingByRuleKey).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/log.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::query {

inline constexpr std::string_view kQueryIndexPrefix = "q/";

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
std::string PostingKey(std::string_view prefix, uint64_t index);
// The index at the end of a posting key (its last 8 bytes).
uint64_t PostingIndex(std::string_view key);
std::string EncodeEventTime(int64_t time_micros);
int64_t DecodeEventTime(std::string_view value);  // 8 bytes

// Appends the postings of record `index` to `puts`.
void AppendPostings(uint64_t index, const v1::Entry& entry, std::vector<StatePut>& puts);

}  // namespace memoria::query
