// What people read for an event type: the label of each built-in event type
// in Spanish (first: the institution's clerks and citizens read Spanish) and
// in English, one table for the `memoria request` answers and the citizens'
// portal alike.
//
//   EventTypeLabel("pqrd_received", Language::kEs)  // "PQRD recibida"
//   EventTypeLabel("pqrd_received", Language::kEn)  // "PQRD received"
//
// The types are the names of ledger/query/event_type.h (EventTypeName): the
// event fields of memoria.v1.Entry (genesis, writer_registered,
// writer_revoked, generic) and of memoria.v1.PolicyEvent's `kind`. Every one
// has a label in both languages (tests/policy/event_labels_test.cc checks it
// against the .proto descriptors, so a new event type without a label fails
// the build's tests).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"

namespace memoria::policy {

enum class Language { kEs, kEn };

// The label of event type `type` in `lang`; for a name that is not a
// built-in type, `type` itself (so a new type still shows, untranslated).
// The returned view points into a static table, or into `type`.
std::string_view EventTypeLabel(std::string_view type, Language lang);

// True if `type` has a label in the table (both languages).
bool HasEventTypeLabel(std::string_view type);

// "es" or "en" (case-insensitive); INVALID_ARGUMENT otherwise.
absl::StatusOr<Language> ParseLanguage(std::string_view text);

}  // namespace memoria::policy
