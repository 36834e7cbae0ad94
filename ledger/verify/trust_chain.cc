#include "ledger/verify/trust_chain.h"

#include <utility>

namespace memoria {

SigningKey RequiredSigner(v1::Entry::EventCase event) {
  switch (event) {
    case v1::Entry::kGenesis: return SigningKey::kLogKey;
    case v1::Entry::kWriterRegistered:
    case v1::Entry::kWriterRevoked:
    case v1::Entry::kAdministratorAppointed: return SigningKey::kAdministrator;
    default: return SigningKey::kWriter;
  }
}

bool SignedBy(const Verifier& key, uint32_t key_id, std::string_view writer) {
  return key_id == key.key_id() && writer == key.name();
}

WriterStanding StandingOf(const v1::WriterInfo& info) {
  WriterStanding standing{.registered_at = info.registered_at()};
  if (info.revoked()) standing.revoked_at = info.revoked_at();
  return standing;
}

TrustVerdict MayWriterSign(const std::optional<WriterStanding>& standing) {
  if (!standing.has_value()) return TrustVerdict::kNotRegistered;
  if (standing->revoked_at.has_value()) return TrustVerdict::kRevoked;
  return TrustVerdict::kAllowed;
}

TrustVerdict MayRegister(const std::optional<WriterStanding>& standing) {
  if (!standing.has_value()) return TrustVerdict::kAllowed;
  return standing->revoked_at.has_value() ? TrustVerdict::kRevokedForever
                                          : TrustVerdict::kAlreadyRegistered;
}

TrustVerdict MayRevoke(const std::optional<WriterStanding>& standing) {
  if (!standing.has_value()) return TrustVerdict::kNotRegistered;
  if (standing->revoked_at.has_value()) return TrustVerdict::kAlreadyRevoked;
  return TrustVerdict::kAllowed;
}

TrustVerdict MayAppoint(const TrustChain& chain, const Verifier& successor, const Verifier& log_key) {
  auto same = [&successor](const Verifier& key) {
    return key.key_id() == successor.key_id() && key.name() == successor.name();
  };
  if (chain.administrator().has_value() && same(*chain.administrator())) {
    return TrustVerdict::kSameAdministrator;
  }
  if (chain.FindRetiredAdministrator(successor.key_id(), successor.name()) != nullptr) {
    return TrustVerdict::kRetiredForever;
  }
  if (chain.Find(successor.key_id(), successor.name()) != nullptr) return TrustVerdict::kWriterKey;
  if (same(log_key)) return TrustVerdict::kLogKey;
  return TrustVerdict::kAllowed;
}

const TrustChain::RetiredAdministrator* TrustChain::FindRetiredAdministrator(
    uint32_t key_id, std::string_view name) const {
  for (const RetiredAdministrator& retired : retired_) {
    if (SignedBy(retired.verifier, key_id, name)) return &retired;
  }
  return nullptr;
}

bool TrustChain::Appoint(Verifier successor, std::string vkey, uint64_t index) {
  if (!administrator_.has_value()) return false;
  retired_.push_back({.verifier = *std::move(administrator_),
                      .vkey = std::move(administrator_vkey_),
                      .retired_at = index});
  administrator_ = std::move(successor);
  administrator_vkey_ = std::move(vkey);
  return true;
}

bool TrustChain::SetAdministrator(Verifier administrator, std::string vkey) {
  if (administrator_.has_value()) return false;
  administrator_ = std::move(administrator);
  administrator_vkey_ = std::move(vkey);
  return true;
}

TrustChain::Writer* TrustChain::FindMutable(uint32_t key_id, std::string_view name) const {
  for (const std::unique_ptr<Writer>& writer : writers_) {
    if (SignedBy(writer->verifier, key_id, name)) return writer.get();
  }
  return nullptr;
}

const TrustChain::Writer* TrustChain::Find(uint32_t key_id, std::string_view name) const {
  return FindMutable(key_id, name);
}

std::optional<WriterStanding> TrustChain::StandingAt(uint32_t key_id, std::string_view name,
                                                     uint64_t at) const {
  const Writer* writer = Find(key_id, name);
  if (writer == nullptr || writer->standing.registered_at >= at) return std::nullopt;
  WriterStanding standing{.registered_at = writer->standing.registered_at};
  if (writer->standing.revoked_at.has_value() && *writer->standing.revoked_at < at) {
    standing.revoked_at = writer->standing.revoked_at;
  }
  return standing;
}

void TrustChain::Register(Verifier key, uint64_t index) {
  writers_.push_back(std::make_unique<Writer>(
      Writer{.verifier = std::move(key), .standing = {.registered_at = index}}));
}

void TrustChain::Revoke(uint32_t key_id, std::string_view name, uint64_t index) {
  if (Writer* writer = FindMutable(key_id, name); writer != nullptr) {
    writer->standing.revoked_at = index;
  }
}

}  // namespace memoria
