// A transparency-law request's filter in words, for the documents a clerk
// hands out and the citizens' portal: "eventos entre el 1 y el 31 de marzo de
// 2026 en la cuenta facebook/alcaldiapasto".
//
//   DescribeFilter(filter, zone, Language::kEs)
//
// Each filter given adds a phrase, in this order: the event types (by their
// labels, ledger/policy/event_labels.h), the generic types, the event-time
// range (DescribeTimeRange, institution_time.h), the accounts, the
// platforms, the actors, the writers, the findings, the integration-time
// range. A filter repeated means any of its values: "a, b o c" ("a, b or c").
#pragma once

#include <string>

#include "absl/time/time.h"
#include "ledger/policy/event_labels.h"
#include "memoria/v1/query.pb.h"

namespace memoria::query {

// `filter` in words, starting "eventos" ("events"); "todos los eventos"
// ("all events") for an empty filter.
std::string DescribeFilter(const v1::QueryFilter& filter, const absl::TimeZone& zone,
                           policy::Language lang);

}  // namespace memoria::query
