#include "ledger/sequencer/writer_registry.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/status.h"
#include "ledger/verify/trust_chain.h"

namespace memoria {

std::string WriterStateKey(uint32_t key_id, std::string_view name) {
  std::string key(kWriterStatePrefix);
  key.append(absl::StrFormat("%08x", key_id)).append(name);
  return key;
}

absl::StatusOr<std::unique_ptr<WriterRegistry>> WriterRegistry::Load(const Log& log) {
  std::unique_ptr<WriterRegistry> registry(new WriterRegistry());
  absl::Status problem;
  RETURN_IF_ERROR(log.ScanState(
      kWriterStatePrefix, [&](std::string_view key, std::string_view value) {
        v1::WriterInfo info;
        if (!info.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          problem = absl::DataLossError(absl::StrCat("writer registry value of ", std::string(key),
                                                     " is not a memoria.v1.WriterInfo"));
          return false;
        }
        absl::StatusOr<Verifier> verifier = Verifier::Parse(info.vkey());
        if (!verifier.ok() || WriterStateKey(verifier->key_id(), verifier->name()) != key) {
          problem = absl::DataLossError(
              absl::StrCat("writer registry entry ", std::string(key), " holds a vkey of another key"));
          return false;
        }
        KeyRef ref{verifier->key_id(), verifier->name()};
        absl::MutexLock lock(&registry->mu_);
        registry->writers_.insert_or_assign(std::move(ref),
                                            Writer{std::move(info), *std::move(verifier)});
        return true;
      }));
  RETURN_IF_ERROR(problem);
  return registry;
}

absl::StatusOr<Verifier> WriterRegistry::FindActive(uint32_t key_id,
                                                    std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = writers_.find(KeyRef{key_id, std::string(name)});
  const std::optional<WriterStanding> standing =
      it == writers_.end() ? std::nullopt : std::optional(StandingOf(it->second.info));
  switch (MayWriterSign(standing)) {
    case TrustVerdict::kAllowed: return it->second.verifier;
    case TrustVerdict::kRevoked:
      return absl::PermissionDeniedError(absl::StrFormat(
          "writer %s key %08x was revoked at index %d", name, key_id, *standing->revoked_at));
    default:
      return absl::PermissionDeniedError(absl::StrFormat(
          "writer %s key %08x is not registered in this ledger", name, key_id));
  }
}

std::optional<v1::WriterInfo> WriterRegistry::Find(uint32_t key_id, std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = writers_.find(KeyRef{key_id, std::string(name)});
  if (it == writers_.end()) return std::nullopt;
  return it->second.info;
}

std::vector<v1::WriterInfo> WriterRegistry::List() const {
  std::vector<v1::WriterInfo> list;
  {
    absl::MutexLock lock(&mu_);
    list.reserve(writers_.size());
    for (const auto& [ref, writer] : writers_) list.push_back(writer.info);
  }
  std::sort(list.begin(), list.end(), [](const v1::WriterInfo& a, const v1::WriterInfo& b) {
    return a.registered_at() < b.registered_at();
  });
  return list;
}

void WriterRegistry::Apply(const v1::WriterInfo& info) {
  absl::StatusOr<Verifier> verifier = Verifier::Parse(info.vkey());
  assert(verifier.ok());  // the sequencer only applies parsed keys
  if (!verifier.ok()) return;
  KeyRef ref{verifier->key_id(), verifier->name()};
  absl::MutexLock lock(&mu_);
  writers_.insert_or_assign(std::move(ref), Writer{info, *std::move(verifier)});
}

}  // namespace memoria
