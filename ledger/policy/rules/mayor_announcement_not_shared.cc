// Item 7: an important announcement or publication of the Mayor
// (PostPublished.mayor_announcement) is shared from the alternate accounts
// (AnnouncementShared, `refers_to` the announcement) within
// FindingsOptions::mayor_announcement_share_days.
//
// Which accounts: the alternate accounts active as of the query's record that
// existed before the announcement (the inventory as of --at, not as of the
// announcement, so that the cost is one scan of the announcements and their
// shares: an account closed since then is not asked to have shared).
#include <map>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {

absl::Status MayorAnnouncementNotShared(const QueryContext& q, std::vector<v1::Finding>& out) {
  const int64_t limit = int64_t{q.options->mayor_announcement_share_days} * kMicrosPerDay;
  struct Announcement {
    uint64_t index;
    int64_t micros;
  };
  std::vector<Announcement> announcements;
  absl::Status status;
  RETURN_IF_ERROR(ScanIndexRange(*q.state, kMayorAnnouncementPrefix, 0, q.at_index,
                                 [&](std::string_view key, std::string_view value) {
    if (value.size() != 8) {
      status = absl::DataLossError("a Mayor's announcement does not hold its time");
      return false;
    }
    announcements.push_back(
        {TrailingIndex(key), static_cast<int64_t>(DecodeBigEndian64(value))});
    return true;
  }));
  RETURN_IF_ERROR(status);
  for (const Announcement& a : announcements) {
    const int64_t deadline = a.micros + limit;
    if (deadline < q.since_micros) continue;
    // account key -> (index, micros) of its first share.
    std::map<std::string, std::pair<uint64_t, int64_t>> shares;
    const std::string prefix = IndexedKey(kMayorAnnouncementSharePrefix, a.index);
    RETURN_IF_ERROR(q.state->Scan(prefix, [&](std::string_view key, std::string_view value) {
      if (value.size() != 16) {
        status = absl::DataLossError("a share of a Mayor's announcement does not parse");
        return false;
      }
      shares[std::string(key.substr(prefix.size()))] = {
          DecodeBigEndian64(value.substr(0, 8)),
          static_cast<int64_t>(DecodeBigEndian64(value.substr(8)))};
      return true;
    }));
    RETURN_IF_ERROR(status);
    for (const v1::AccountState& account : *q.accounts) {
      if (account.kind() != v1::ALTERNATE || account.status() != v1::ACTIVE) continue;
      if (account.created_index() >= a.index) continue;
      auto it = shares.find(AccountKey(account.account()));
      const bool shared = it != shares.end() && it->second.first <= q.at_index;
      if (shared && it->second.second <= deadline) continue;
      if (!shared && q.at_micros <= deadline) continue;
      out.push_back(MakeFinding(
          "mayor_announcement_not_shared", "3.7", "low",
          shared ? absl::StrCat("la cuenta alterna ", account.account().handle(),
                                " compartió el anuncio del Alcalde después de ",
                                q.options->mayor_announcement_share_days, " días")
                 : absl::StrCat("la cuenta alterna ", account.account().handle(),
                                " no ha compartido el anuncio del Alcalde"),
          shared ? std::vector<uint64_t>{a.index, it->second.first} : std::vector<uint64_t>{a.index},
          &account.account()));
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
