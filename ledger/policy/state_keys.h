// The layout of the policy views in the log's `state` column. Every key starts
// with "p/" (the writer registry uses its own prefix); indexes are 8 bytes
// big-endian so that keys sort in log order.
//
//   p/an/<account>                 number of versions of the account (be64)
//   p/av/<account>\0<version be64> AccountState after the record updated_index
//   p/acn/<account>                number of days with activity (be64)
//   p/ac/<account>\0<n be64>       ActivityFact: first activity of the n-th active day
//   p/alt/<index>                  AlternateAuthorizationFact
//   p/lsa/<index>                  StreamAuthorizationFact
//   p/g/<index>                    RoleGrantFact
//   p/emp/<email>\0<index>         "" : the person's employment link ended
//   p/pq/<index>                   PqrdFact (updated when referred)
//   p/ae/<email>                   index of the first record the email acted in (be64)
//   p/pa/<platform two digits>     "" : accounts on the platform approved (item 14)
//   p/ma/<index>                   the Mayor's announcement's integration time (be64)
//   p/ms/<index><account>          its first share by <account>: index, micros (be64 each)
//   p/f/<index>/<rule>             Finding decided when the record was sequenced
//   p/fr/<rule>\0<index>           "" : the same finding, by rule (for queries)
//
// <account> is AccountKey(): two-digit platform number, ':', lower-cased
// handle without a leading '@'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memoria/v1/policy.pb.h"

namespace memoria::policy {

inline constexpr std::string_view kViewsPrefix = "p/";
inline constexpr std::string_view kAccountCountPrefix = "p/an/";
inline constexpr std::string_view kAccountVersionPrefix = "p/av/";
inline constexpr std::string_view kActivityCountPrefix = "p/acn/";
inline constexpr std::string_view kActivityPrefix = "p/ac/";
inline constexpr std::string_view kAlternateAuthorizationPrefix = "p/alt/";
inline constexpr std::string_view kStreamAuthorizationPrefix = "p/lsa/";
inline constexpr std::string_view kRoleGrantPrefix = "p/g/";
inline constexpr std::string_view kEmploymentEndedPrefix = "p/emp/";
inline constexpr std::string_view kPqrdPrefix = "p/pq/";
inline constexpr std::string_view kActorPrefix = "p/ae/";
inline constexpr std::string_view kPlatformApprovalPrefix = "p/pa/";
inline constexpr std::string_view kMayorAnnouncementPrefix = "p/ma/";
inline constexpr std::string_view kMayorAnnouncementSharePrefix = "p/ms/";
inline constexpr std::string_view kRecordFindingPrefix = "p/f/";
inline constexpr std::string_view kRecordFindingByRulePrefix = "p/fr/";

std::string AccountKey(const v1::AccountRef& account);
// Lower-cases ASCII letters (emails, handles).
std::string LowerAscii(std::string_view text);
// A dependency name for comparison: lower case, Spanish accents removed,
// whitespace collapsed ("Oficina de Comunicación  Social" ->
// "oficina de comunicacion social").
std::string NormalizeName(std::string_view name);
// True if the dependency is the Oficina de Comunicación Social.
bool IsComunicacionSocial(std::string_view dependency);

std::string AccountCountKey(std::string_view account_key);
std::string AccountVersionKey(std::string_view account_key, uint64_t version);
std::string ActivityCountKey(std::string_view account_key);
std::string ActivityKey(std::string_view account_key, uint64_t n);
std::string IndexedKey(std::string_view prefix, uint64_t index);
std::string EmploymentEndedKey(std::string_view email, uint64_t index);
// p/ae/<lower-cased email>.
std::string ActorKey(std::string_view email);
std::string PlatformApprovalKey(v1::Platform platform);
std::string RecordFindingKey(uint64_t index, std::string_view rule);
// p/fr/<rule>\0, then the index: the records with a finding of `rule`, in order.
std::string RecordFindingByRulePrefix(std::string_view rule);
// The index at the end of an IndexedKey / EmploymentEndedKey /
// AccountVersionKey (its last 8 bytes), or of a RecordFindingKey.
uint64_t TrailingIndex(std::string_view key);
uint64_t RecordFindingIndex(std::string_view key);

}  // namespace memoria::policy
