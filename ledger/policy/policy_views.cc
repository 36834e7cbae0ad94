#include "ledger/policy/policy_views.h"

#include <algorithm>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/policy/rules/time_util.h"
#include "ledger/policy/state_keys.h"
#include "ledger/status.h"

namespace memoria::policy {
namespace {


bool IsActivity(v1::PolicyEvent::KindCase kind) {
  switch (kind) {
    case v1::PolicyEvent::kPostPublished:
    case v1::PolicyEvent::kPostEdited:
    case v1::PolicyEvent::kReplyPublished:
    case v1::PolicyEvent::kAnnouncementShared:
    case v1::PolicyEvent::kLiveStreamStarted:
      return true;
    default:
      return false;
  }
}

// Applies the event to the account; true if the account changed.
bool Apply(const v1::PolicyEvent& event, uint64_t index, int64_t time, v1::AccountState& account) {
  switch (event.kind_case()) {
    case v1::PolicyEvent::kAccountCreated: {
      const v1::AccountCreated& created = event.account_created();
      account.set_kind(created.kind());
      account.set_dependency(created.dependency());
      account.set_responsible_director(created.responsible_director());
      account.set_url(created.url());
      account.set_status(v1::ACTIVE);
      account.set_created_index(index);
      account.set_created_micros(time);
      account.set_declared(true);
      if (event.has_refers_to()) {
        account.set_authorization_index(event.refers_to());
      } else {
        account.clear_authorization_index();
      }
      return true;
    }
    case v1::PolicyEvent::kAccountClosed:
      account.set_status(event.account_closed().closure() == v1::DEFINITIVE ? v1::CLOSED
                                                                            : v1::TEMPORARILY_CLOSED);
      return true;
    case v1::PolicyEvent::kAccountReopened:
      account.set_status(v1::ACTIVE);
      return true;
    case v1::PolicyEvent::kAdminRoleGranted: {
      const v1::AdminRoleGranted& granted = event.admin_role_granted();
      const std::string email = LowerAscii(granted.person().email());
      auto* admins = account.mutable_admins();
      auto it = std::find_if(admins->begin(), admins->end(),
                             [&](const v1::AdminState& a) { return a.email() == email; });
      if (it == admins->end()) {
        it = std::lower_bound(admins->begin(), admins->end(), email,
                              [](const v1::AdminState& a, const std::string& e) { return a.email() < e; });
        const auto position = it - admins->begin();
        admins->Add();
        for (auto i = admins->size() - 1; i > position; --i) admins->SwapElements(i, i - 1);
        it = admins->begin() + position;
      }
      it->Clear();
      it->set_email(email);
      it->set_name(granted.person().name());
      it->set_dependency(granted.person().dependency());
      it->set_head_of_dependency(granted.person().head_of_dependency());
      it->set_employment_link(granted.employment_link());
      it->set_responsible(granted.responsible());
      it->set_since_index(index);
      it->set_since_micros(time);
      return true;
    }
    case v1::PolicyEvent::kAdminRoleRevoked: {
      const std::string email = LowerAscii(event.admin_role_revoked().person_email());
      auto* admins = account.mutable_admins();
      auto it = std::find_if(admins->begin(), admins->end(),
                             [&](const v1::AdminState& a) { return a.email() == email; });
      if (it == admins->end()) return false;
      admins->erase(it);
      return true;
    }
    case v1::PolicyEvent::kResponsibleAdministratorNotified: {
      const std::string email =
          LowerAscii(event.responsible_administrator_notified().person_email());
      auto* admins = account.mutable_admins();
      auto it = std::find_if(admins->begin(), admins->end(),
                             [&](const v1::AdminState& a) { return a.email() == email; });
      if (it == admins->end()) return false;
      it->set_notified_index(index);
      it->set_notified_micros(time);
      return true;
    }
    case v1::PolicyEvent::kCredentialsRotated:
      account.set_last_rotation_index(index);
      account.set_last_rotation_micros(time);
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string SerializeState(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> PolicyViews::Read(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second.first;
  absl::StatusOr<std::string> value = durable_.Get(key);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  return *std::move(value);
}

template <typename Message>
absl::StatusOr<std::optional<Message>> PolicyViews::ReadMessage(const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, Read(key));
  if (!bytes.has_value()) return std::nullopt;
  Message message;
  if (!message.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("policy view state does not parse: ", HexEncode(key)));
  }
  return message;
}

void PolicyViews::Put(std::string key, std::string value, uint64_t index,
                      std::vector<StatePut>& puts) {
  puts.push_back({key, value});
  pending_[std::move(key)] = {std::move(value), index};
}

void PolicyViews::OnDurable(uint64_t last_index) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second.second <= last_index ? pending_.erase(it) : std::next(it);
  }
}

absl::StatusOr<PolicyViews::CachedAccount*> PolicyViews::Account(const std::string& account_key) {
  auto [it, inserted] = accounts_.try_emplace(account_key);
  CachedAccount& cached = it->second;
  if (!inserted) return &cached;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> count, Read(AccountCountKey(account_key)));
    if (count.has_value()) cached.versions = DecodeBigEndian64(*count);
    if (cached.versions > 0) {
      ASSIGN_OR_RETURN(cached.latest, ReadMessage<v1::AccountState>(
                                          AccountVersionKey(account_key, cached.versions - 1)));
      if (!cached.latest.has_value()) {
        return absl::DataLossError(absl::StrCat("account ", account_key, " lost a version"));
      }
    }
    ASSIGN_OR_RETURN(std::optional<std::string> days, Read(ActivityCountKey(account_key)));
    if (days.has_value()) cached.active_days = DecodeBigEndian64(*days);
    if (cached.active_days > 0) {
      ASSIGN_OR_RETURN(std::optional<v1::ActivityFact> last,
                       ReadMessage<v1::ActivityFact>(ActivityKey(account_key, cached.active_days - 1)));
      if (!last.has_value()) {
        return absl::DataLossError(absl::StrCat("account ", account_key, " lost an activity day"));
      }
      const int64_t t = last->micros();
      cached.last_active_day = t >= 0 ? t / kMicrosPerDay : -1 - (-t - 1) / kMicrosPerDay;
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    accounts_.erase(it);
    return status;
  }
  return &cached;
}

absl::Status PolicyViews::OnRecord(uint64_t index, int64_t time, const v1::Entry& entry,
                                   std::vector<StatePut>& puts) {
  if (!entry.has_policy()) return absl::OkStatus();
  const v1::PolicyEvent& event = entry.policy();
  const bool has_account = event.has_account() && !event.account().handle().empty();
  const std::string account_key = has_account ? AccountKey(event.account()) : std::string();
  // The earlier record this one refers to (a plain flag and index: GCC 12's
  // -Wmaybe-uninitialized misreads an optional here).
  const bool refers_back = event.has_refers_to() && event.refers_to() < index;
  const uint64_t refers_to = refers_back ? event.refers_to() : 0;

  // The account as of just before this record.
  CachedAccount* cached = nullptr;
  if (has_account) {
    ASSIGN_OR_RETURN(cached, Account(account_key));
  }
  const uint64_t versions = cached != nullptr ? cached->versions : 0;
  const std::optional<v1::AccountState> empty;
  const std::optional<v1::AccountState>& before = cached != nullptr ? cached->latest : empty;

  // Facts of the record referred to.
  std::optional<v1::AlternateAuthorizationFact> alternate_authorization;
  std::optional<v1::StreamAuthorizationFact> stream_authorization;
  if (refers_back) {
    if (event.has_account_created()) {
      ASSIGN_OR_RETURN(alternate_authorization,
                       ReadMessage<v1::AlternateAuthorizationFact>(
                           IndexedKey(kAlternateAuthorizationPrefix, refers_to)));
    } else if (event.has_live_stream_started()) {
      ASSIGN_OR_RETURN(stream_authorization, ReadMessage<v1::StreamAuthorizationFact>(IndexedKey(
                                                 kStreamAuthorizationPrefix, refers_to)));
    }
  }

  // The first record each actor email acted in (item 2: institutional emails).
  if (!event.actor().email().empty()) {
    std::string actor = LowerAscii(event.actor().email());
    if (!actors_.contains(actor)) {
      const std::string key = ActorKey(actor);
      ASSIGN_OR_RETURN(std::optional<std::string> first, Read(key));
      if (!first.has_value()) Put(key, EncodeBigEndian64(index), index, puts);
      actors_.insert(std::move(actor));
    }
  }
  bool platform_approved = false;
  if (event.has_account_created()) {
    ASSIGN_OR_RETURN(std::optional<std::string> approval,
                     Read(PlatformApprovalKey(event.account().platform())));
    platform_approved = approval.has_value();
  }

  // Record rules.
  RecordContext context;
  context.index = index;
  context.time_micros = time;
  context.entry = &entry;
  context.event = &event;
  context.account = before.has_value() ? &*before : nullptr;
  context.alternate_authorization = alternate_authorization ? &*alternate_authorization : nullptr;
  context.stream_authorization = stream_authorization ? &*stream_authorization : nullptr;
  context.platform_approved = platform_approved;
  for (RecordRule rule : kRecordRules) {
    if (std::optional<v1::Finding> finding = rule(context)) {
      Put(RecordFindingKey(index, finding->rule()), SerializeState(*finding), index, puts);
      Put(RecordFindingByRulePrefix(finding->rule()) + EncodeBigEndian64(index), "", index, puts);
    }
  }

  // Facts.
  switch (event.kind_case()) {
    case v1::PolicyEvent::kAlternateAccountAuthorized: {
      v1::AlternateAuthorizationFact fact;
      fact.set_account_key(account_key);
      fact.set_dependency(event.alternate_account_authorized().dependency());
      fact.set_actor_dependency(event.actor().dependency());
      Put(IndexedKey(kAlternateAuthorizationPrefix, index), SerializeState(fact), index, puts);
      break;
    }
    case v1::PolicyEvent::kLiveStreamAuthorized: {
      v1::StreamAuthorizationFact fact;
      fact.set_account_key(account_key);
      fact.set_window_start_micros(event.live_stream_authorized().window_start_micros());
      fact.set_window_end_micros(event.live_stream_authorized().window_end_micros());
      fact.set_actor_dependency(event.actor().dependency());
      fact.set_actor_head_of_dependency(event.actor().head_of_dependency());
      Put(IndexedKey(kStreamAuthorizationPrefix, index), SerializeState(fact), index, puts);
      break;
    }
    case v1::PolicyEvent::kAdminRoleGranted: {
      v1::RoleGrantFact fact;
      fact.set_account_key(account_key);
      fact.set_email(LowerAscii(event.admin_role_granted().person().email()));
      *fact.mutable_account() = event.account();
      Put(IndexedKey(kRoleGrantPrefix, index), SerializeState(fact), index, puts);
      break;
    }
    case v1::PolicyEvent::kPostPublished:
      if (event.post_published().mayor_announcement()) {
        Put(IndexedKey(kMayorAnnouncementPrefix, index), EncodeBigEndian64(static_cast<uint64_t>(time)),
            index, puts);
      }
      break;
    case v1::PolicyEvent::kAnnouncementShared: {
      if (!refers_back || !has_account) break;
      ASSIGN_OR_RETURN(std::optional<std::string> announcement,
                       Read(IndexedKey(kMayorAnnouncementPrefix, refers_to)));
      if (!announcement.has_value()) break;
      const std::string key = IndexedKey(kMayorAnnouncementSharePrefix, refers_to) + account_key;
      ASSIGN_OR_RETURN(std::optional<std::string> earlier, Read(key));
      if (earlier.has_value()) break;
      Put(key, EncodeBigEndian64(index) + EncodeBigEndian64(static_cast<uint64_t>(time)), index, puts);
      break;
    }
    case v1::PolicyEvent::kPlatformApproved:
      // Only the Oficina de Comunicación Social approves (item 14).
      if (IsComunicacionSocial(event.actor().dependency())) {
        Put(PlatformApprovalKey(event.platform_approved().platform()), "", index, puts);
      }
      break;
    case v1::PolicyEvent::kEmploymentEnded:
      Put(EmploymentEndedKey(LowerAscii(event.employment_ended().person_email()), index), "", index,
          puts);
      break;
    case v1::PolicyEvent::kPqrdReceived: {
      v1::PqrdFact fact;
      fact.set_account_key(account_key);
      *fact.mutable_account() = event.account();
      fact.set_received_micros(time);
      Put(IndexedKey(kPqrdPrefix, index), SerializeState(fact), index, puts);
      break;
    }
    case v1::PolicyEvent::kPqrdReferred: {
      if (!refers_back) break;
      const std::string key = IndexedKey(kPqrdPrefix, refers_to);
      ASSIGN_OR_RETURN(std::optional<v1::PqrdFact> fact, ReadMessage<v1::PqrdFact>(key));
      if (!fact.has_value() || fact->has_referred_index()) break;
      fact->set_referred_index(index);
      fact->set_referred_micros(time);
      Put(key, SerializeState(*fact), index, puts);
      break;
    }
    default:
      break;
  }

  // The account's next version.
  if (has_account && event.kind_case() != v1::PolicyEvent::kEmploymentEnded &&
      event.kind_case() != v1::PolicyEvent::kPlatformApproved &&
      event.kind_case() != v1::PolicyEvent::kPersonalDataErased &&
      event.kind_case() != v1::PolicyEvent::kAlternateAccountAuthorized) {
    const v1::PolicyEvent::KindCase kind = event.kind_case();
    const bool changes = !before.has_value() || kind == v1::PolicyEvent::kAccountCreated ||
                         kind == v1::PolicyEvent::kAccountClosed ||
                         kind == v1::PolicyEvent::kAccountReopened ||
                         kind == v1::PolicyEvent::kAdminRoleGranted ||
                         kind == v1::PolicyEvent::kAdminRoleRevoked ||
                         kind == v1::PolicyEvent::kCredentialsRotated ||
                         kind == v1::PolicyEvent::kResponsibleAdministratorNotified;
    v1::AccountState account;
    if (!changes) {
      // Posts, replies and the like leave the account as it was.
    } else if (before.has_value()) {
      account = *before;
    } else {
      // First seen in an event other than its creation: inventoried as found.
      *account.mutable_account() = event.account();
      account.set_status(v1::ACTIVE);
      account.set_created_index(index);
      account.set_created_micros(time);
    }
    if (changes && (Apply(event, index, time, account) || !before.has_value())) {
      account.set_updated_index(index);
      account.set_updated_micros(time);
      Put(AccountVersionKey(account_key, versions), SerializeState(account), index, puts);
      Put(AccountCountKey(account_key), EncodeBigEndian64(versions + 1), index, puts);
      cached->versions = versions + 1;
      cached->latest = std::move(account);
    }
    // Activity, one entry per active day.
    const int64_t day = time >= 0 ? time / kMicrosPerDay : -1 - (-time - 1) / kMicrosPerDay;
    if (IsActivity(event.kind_case()) && day != cached->last_active_day) {
      v1::ActivityFact fact;
      fact.set_index(index);
      fact.set_micros(time);
      Put(ActivityKey(account_key, cached->active_days), SerializeState(fact), index, puts);
      Put(ActivityCountKey(account_key), EncodeBigEndian64(cached->active_days + 1), index, puts);
      ++cached->active_days;
      cached->last_active_day = day;
    }
  }
  return absl::OkStatus();
}

}  // namespace memoria::policy
