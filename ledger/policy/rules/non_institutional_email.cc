// Section 2, "Seguridad y control": accounts are tied to institutional emails
// (@pasto.gov.co or other authorized domains), never personal ones: neither
// the people administrator roles are granted to nor the officials acting in
// any event (its actor; reported once per email, at the first record it
// acted in).
#include "absl/strings/str_cat.h"
#include "ledger/policy/rules/rules.h"
#include "ledger/encoding.h"
#include "ledger/policy/state_keys.h"

namespace memoria::policy {
namespace {

bool Allowed(std::string_view email, const std::vector<std::string>& domains) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string domain = LowerAscii(email.substr(at + 1));
  for (const std::string& allowed : domains) {
    const std::string lower = LowerAscii(allowed);
    if (domain == lower) return true;
    if (domain.size() > lower.size() && domain.ends_with(lower) &&
        domain[domain.size() - lower.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status NonInstitutionalEmail(const QueryContext& q, std::vector<v1::Finding>& out) {
  absl::Status status;
  RETURN_IF_ERROR(ScanIndexRange(*q.state, kRoleGrantPrefix, q.since_index, q.at_index,
                                 [&](std::string_view key, std::string_view value) {
    const uint64_t index = TrailingIndex(key);
    v1::RoleGrantFact fact;
    if (!fact.ParseFromString(std::string(value))) {
      status = absl::DataLossError(absl::StrCat("role grant fact at ", index, " does not parse"));
      return false;
    }
    if (!Allowed(fact.email(), q.options->allowed_email_domains)) {
      out.push_back(MakeFinding("non_institutional_email", "2 (seguridad y control)", "high",
                                absl::StrCat("administrator role on ", fact.account().handle(),
                                             " granted to ", fact.email(),
                                             ", not an institutional email"),
                                {index}, &fact.account()));
    }
    return true;
  }));
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(q.state->Scan(kActorPrefix, [&](std::string_view key, std::string_view value) {
    if (value.size() != 8) {
      status = absl::DataLossError(absl::StrCat("actor key ", std::string(key.substr(kActorPrefix.size())),
                                                " does not hold an index"));
      return false;
    }
    const uint64_t first = DecodeBigEndian64(value);
    if (first < q.since_index || first > q.at_index) return true;
    const std::string_view email = key.substr(kActorPrefix.size());
    if (Allowed(email, q.options->allowed_email_domains)) return true;
    out.push_back(MakeFinding("non_institutional_email", "2 (seguridad y control)", "high",
                              absl::StrCat(std::string(email), " actúa en nombre de la entidad desde un correo "
                                                  "que no es institucional"),
                              {first}, nullptr));
    return true;
  }));
  return status;
}

}  // namespace memoria::policy
