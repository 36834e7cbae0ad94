#include "ledger/query/index_keys.h"

#include <cassert>

#include "ledger/encoding.h"
#include "ledger/policy/state_keys.h"
#include "ledger/query/event_type.h"

namespace memoria::query {
namespace {

constexpr uint64_t kSignOffset = uint64_t{1} << 63;

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void Post(Dimension dimension, std::string_view value, uint64_t index,
          std::vector<StatePut>& puts) {
  puts.push_back({PostingKey(PostingPrefix(dimension, value), index), ""});
}

}  // namespace

int64_t EventTimeBucketMicros(int level) { return level == 0 ? kMicrosPerDay : 32 * kMicrosPerDay; }

int64_t EventTimeBucket(int level, int64_t time_micros) {
  return FloorDiv(time_micros, EventTimeBucketMicros(level));
}

std::string PlatformValue(v1::Platform platform) { return std::to_string(static_cast<int>(platform)); }

std::string ActorValue(std::string_view email) { return policy::LowerAscii(email); }

std::string PostingPrefix(Dimension dimension, std::string_view value) {
  // Values longer than 64 KiB cannot occur (entries are smaller); cut to fit.
  const size_t size = std::min<size_t>(value.size(), 0xffff);
  std::string prefix(kQueryIndexPrefix);
  prefix.push_back(static_cast<char>(dimension));
  prefix.push_back('/');
  prefix.push_back(static_cast<char>(size >> 8));
  prefix.push_back(static_cast<char>(size & 0xff));
  prefix.append(value.substr(0, size));
  return prefix;
}

std::string EventTimePrefix(int level, int64_t bucket) {
  std::string prefix(kQueryIndexPrefix);
  prefix.append("e/");
  prefix.push_back(static_cast<char>(level));
  prefix.append(EncodeBigEndian64(static_cast<uint64_t>(bucket) ^ kSignOffset));
  return prefix;
}

std::string PostingKey(std::string_view prefix, uint64_t index) {
  return std::string(prefix).append(EncodeBigEndian64(index));
}

uint64_t PostingIndex(std::string_view key) {
  assert(key.size() >= 8);
  return DecodeBigEndian64(key.substr(key.size() - 8));
}

std::string EncodeEventTime(int64_t time_micros) {
  return EncodeBigEndian64(static_cast<uint64_t>(time_micros) ^ kSignOffset);
}

int64_t DecodeEventTime(std::string_view value) {
  return static_cast<int64_t>(DecodeBigEndian64(value) ^ kSignOffset);
}

void AppendPostings(uint64_t index, const v1::Entry& entry, std::vector<StatePut>& puts) {
  Post(Dimension::kEventType, EventTypeName(entry), index, puts);
  Post(Dimension::kWriter, entry.writer(), index, puts);
  if (entry.has_generic()) Post(Dimension::kGenericType, entry.generic().type(), index, puts);
  if (entry.has_policy()) {
    const v1::PolicyEvent& event = entry.policy();
    if (event.has_account()) {
      Post(Dimension::kAccount, policy::AccountKey(event.account()), index, puts);
      Post(Dimension::kPlatform, PlatformValue(event.account().platform()), index, puts);
    }
    if (!event.actor().email().empty()) {
      Post(Dimension::kActor, ActorValue(event.actor().email()), index, puts);
    }
  }
  const std::string time = EncodeEventTime(entry.event_time_micros());
  for (int level = 0; level < kEventTimeLevels; ++level) {
    puts.push_back({PostingKey(EventTimePrefix(level, EventTimeBucket(level, entry.event_time_micros())), index),
                    time});
  }
}

}  // namespace memoria::query
