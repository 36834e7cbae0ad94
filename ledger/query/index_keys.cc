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

void PutVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

std::string EncodeEventTime(int64_t time_micros) {
  return EncodeBigEndian64(static_cast<uint64_t>(time_micros) ^ kSignOffset);
}

int64_t DecodeEventTime(std::string_view eight_bytes) {
  return static_cast<int64_t>(DecodeBigEndian64(eight_bytes) ^ kSignOffset);
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

int64_t EventTimePrefixBucket(std::string_view eight_bytes) {
  return static_cast<int64_t>(DecodeBigEndian64(eight_bytes) ^ kSignOffset);
}

bool IsEventTimePrefix(std::string_view prefix) {
  return prefix.size() > kQueryIndexPrefix.size() + 2 &&
         prefix.substr(kQueryIndexPrefix.size(), 2) == "e/";
}

std::string BlockKey(std::string_view prefix, uint64_t first) {
  return std::string(prefix).append(EncodeBigEndian64(first));
}

uint64_t BlockFirstIndex(std::string_view key) {
  assert(key.size() >= 8);
  return DecodeBigEndian64(key.substr(key.size() - 8));
}

absl::StatusOr<std::vector<Posting>> DecodeBlock(uint64_t first, std::string_view value,
                                                 bool with_times) {
  std::vector<Posting> postings;
  Posting posting{first, 0};
  while (true) {
    if (with_times) {
      if (value.size() < 8) return absl::DataLossError("a query index block is cut short");
      posting.time_micros = DecodeEventTime(value.substr(0, 8));
      value.remove_prefix(8);
    }
    postings.push_back(posting);
    if (value.empty()) return postings;
    uint64_t delta = 0;
    if (!GetVarint(value, delta) || delta == 0 || posting.index + delta < posting.index) {
      return absl::DataLossError("a query index block is malformed");
    }
    posting.index += delta;
  }
}

void PostingBlocks::Post(std::string prefix, uint64_t index, const int64_t* time_micros) {
  auto [it, added] = blocks_.try_emplace(std::move(prefix));
  Block& block = it->second;
  if (added) {
    block.first = index;
  } else {
    PutVarint(index - block.last, block.value);
  }
  block.last = index;
  if (time_micros != nullptr) block.value.append(EncodeEventTime(*time_micros));
}

std::vector<std::string> EntryPostingPrefixes(const v1::Entry& entry) {
  std::vector<std::string> prefixes;
  prefixes.push_back(PostingPrefix(Dimension::kEventType, EventTypeName(entry)));
  prefixes.push_back(PostingPrefix(Dimension::kWriter, entry.writer()));
  if (entry.has_generic()) {
    prefixes.push_back(PostingPrefix(Dimension::kGenericType, entry.generic().type()));
  }
  if (entry.has_policy()) {
    const v1::PolicyEvent& event = entry.policy();
    if (event.has_account()) {
      prefixes.push_back(PostingPrefix(Dimension::kAccount, policy::AccountKey(event.account())));
      prefixes.push_back(PostingPrefix(Dimension::kPlatform, PlatformValue(event.account().platform())));
    }
    if (!event.actor().email().empty()) {
      prefixes.push_back(PostingPrefix(Dimension::kActor, ActorValue(event.actor().email())));
    }
  }
  return prefixes;
}

std::vector<std::vector<std::string>> FilterConditionPrefixes(const v1::QueryFilter& filter) {
  std::vector<std::vector<std::string>> groups;
  const auto add = [&](const auto& values, const auto& to_prefix) {
    if (values.empty()) return;
    std::vector<std::string>& group = groups.emplace_back();
    for (const auto& value : values) group.push_back(to_prefix(value));
  };
  add(filter.findings(), [](const std::string& rule) { return policy::RecordFindingByRulePrefix(rule); });
  add(filter.accounts(), [](const v1::AccountRef& account) {
    return PostingPrefix(Dimension::kAccount, policy::AccountKey(account));
  });
  add(filter.actors(),
      [](const std::string& email) { return PostingPrefix(Dimension::kActor, ActorValue(email)); });
  add(filter.generic_types(),
      [](const std::string& type) { return PostingPrefix(Dimension::kGenericType, type); });
  add(filter.event_types(),
      [](const std::string& type) { return PostingPrefix(Dimension::kEventType, type); });
  add(filter.writers(),
      [](const std::string& writer) { return PostingPrefix(Dimension::kWriter, writer); });
  add(filter.platforms(), [](int platform) {
    return PostingPrefix(Dimension::kPlatform, PlatformValue(static_cast<v1::Platform>(platform)));
  });
  return groups;
}

void PostingBlocks::Add(uint64_t index, const v1::Entry& entry) {
  for (std::string& prefix : EntryPostingPrefixes(entry)) Post(std::move(prefix), index, nullptr);
  const int64_t time = entry.event_time_micros();
  for (int level = 0; level < kEventTimeLevels; ++level) {
    Post(EventTimePrefix(level, EventTimeBucket(level, time)), index, &time);
  }
}

void PostingBlocks::Flush(std::vector<StatePut>& puts) {
  for (auto& [prefix, block] : blocks_) {
    puts.push_back({BlockKey(prefix, block.first), std::move(block.value)});
  }
  blocks_.clear();
}

}  // namespace memoria::query
