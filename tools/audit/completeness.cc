#include "tools/audit/completeness.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "ledger/checkpoint.h"
#include "ledger/query/record_csv.h"
#include "ledger/query/record_match.h"
#include "ledger/query/search_range.h"
#include "ledger/record.h"
#include "ledger/status.h"
#include "ledger/verify/bundle.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/record.pb.h"

namespace memoria::audit {

absl::StatusOr<Completeness> CheckCompleteness(const std::string& bundle_path,
                                               const Verifier& log_key,
                                               VerifiedRangeSource& source) {
  std::ifstream in(bundle_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open bundle ", bundle_path));
  BundleReader reader(in);
  ASSIGN_OR_RETURN(const BundleHeader header, reader.ReadHeader());
  Completeness result;
  if (!header.search.has_value()) return result;
  const BundleSearch& search = *header.search;
  result.from = search.from;
  result.to = search.to;
  absl::StatusOr<query::RecordMatcher> matcher = query::RecordMatcher::Create(search.filter);
  if (!matcher.ok()) {
    result.verdict = Completeness::Verdict::kNotCheckable;
    result.reason = std::string(matcher.status().message());
    return result;
  }
  const auto add = [&](uint64_t index, std::string reason) {
    result.findings.push_back({index, FindingKind::kCompleteness, std::move(reason)});
  };

  // The answer: its record lines' indexes (increasing: the reader checks),
  // each of which must lie in the range and match.
  std::vector<uint64_t> answer;
  for (;;) {
    ASSIGN_OR_RETURN(BundleReader::Line line, reader.Next());
    if (line.type == BundleReader::Line::Type::kEnd) break;
    if (line.type != BundleReader::Line::Type::kRecord || line.record.trust) continue;
    const uint64_t index = line.record.index;
    answer.push_back(index);
    if (index < search.from || index >= search.to) {
      add(index, absl::StrCat("in the answer but outside the searched range [", search.from, ", ",
                              search.to, ")"));
      continue;
    }
    absl::StatusOr<bool> match = matcher->Matches(index, line.record.leaf);
    if (!match.ok()) {
      add(index, std::string(match.status().message()));
    } else if (!*match) {
      add(index, "in the answer but does not match the filter");
    }
  }
  result.answer = answer.size();

  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(header.checkpoint, log_key);
  if (!checkpoint.ok() || checkpoint->size != header.tree_size) {
    add(header.tree_size, "the bundle's checkpoint does not open under the log key at its stated "
                          "size: the searched range cannot be read against it");
    result.verdict = Completeness::Verdict::kIncomplete;
    return result;
  }
  if (search.max_event_time_ahead_micros >
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError("the bundle's event-time allowance is out of range");
  }
  const int64_t ahead = static_cast<int64_t>(search.max_event_time_ahead_micros);
  const query::SearchRange stated{search.from, search.to};
  const bool need_before = query::NeedsRecordBefore(search.filter, ahead, stated);

  // The range, from a source not trusted: the record before it (for the
  // rule), then every record of it, re-matched.
  std::optional<int64_t> integrated_before;
  const uint64_t begin = need_before ? search.from - 1 : search.from;
  uint64_t next = begin;
  size_t cursor = 0;  // into `answer`
  bool out_of_order = false;
  const absl::Status read = source.ReadRange(
      *checkpoint, begin, search.to, [&](uint64_t index, std::string_view leaf) -> absl::Status {
        if (index != next) {
          out_of_order = true;
          return absl::DataLossError(absl::StrCat("the range source sent record ", index,
                                                  " where record ", next, " was due"));
        }
        ++next;
        absl::StatusOr<v1::Record> record = DecodeRecord(leaf);
        v1::Entry entry;
        if (!record.ok() || !entry.ParseFromString(record->entry())) {
          add(index, "the range source's record does not parse as a record and entry");
          return absl::OkStatus();
        }
        if (index < search.from) {
          integrated_before = record->integration_time_micros();
          return absl::OkStatus();
        }
        ++result.searched;
        const int64_t integrated = record->integration_time_micros();
        if (integrated <= std::numeric_limits<int64_t>::max() - ahead &&
            entry.event_time_micros() > integrated + ahead) {
          add(index, absl::StrCat("its event time ", query::FormatMicrosUtc(entry.event_time_micros()),
                                  " is more than the stated allowance (", ahead,
                                  " us) ahead of its integration time ",
                                  query::FormatMicrosUtc(integrated),
                                  ": the log broke the rule the searched range relies on"));
        }
        if (matcher->Matches(index, *record, entry)) {
          ++result.matched;
          while (cursor < answer.size() && answer[cursor] < index) ++cursor;
          if (cursor == answer.size() || answer[cursor] != index) {
            add(index, "matches the filter but is missing from the answer");
          }
        }
        return absl::OkStatus();
      });
  if (!read.ok()) {
    if (!out_of_order && !client::IsVerificationFailure(read)) return read;  // transport, usage
    add(next, absl::StrCat("the range source failed verification: ", read.message()));
  } else if (next != search.to) {
    add(next, absl::StrCat("the range source ended at record ", next, ", before ", search.to));
  }
  if (absl::Status rule = query::CheckSearchRange(search.filter, header.tree_size, ahead, stated,
                                                  integrated_before);
      !rule.ok()) {
    add(search.from, absl::StrCat("searched range [", search.from, ", ", search.to,
                                  "): ", rule.message()));
  }
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) { return a.index < b.index; });
  result.verdict = result.findings.empty() ? Completeness::Verdict::kComplete
                                           : Completeness::Verdict::kIncomplete;
  return result;
}

std::string CompletenessText(const Completeness& completeness) {
  switch (completeness.verdict) {
    case Completeness::Verdict::kNotStated:
      return "completeness not stated (the bundle states no searched range: each record is "
             "proven in the log, not that none was left out)";
    case Completeness::Verdict::kNotCheckable:
      return absl::StrCat("completeness NOT CHECKABLE: ", completeness.reason);
    case Completeness::Verdict::kComplete:
      return absl::StrCat("answer PROVEN COMPLETE: the filter re-applied to all ",
                          completeness.searched, " records of the searched range [",
                          completeness.from, ", ", completeness.to, ") matches exactly its ",
                          completeness.answer, " records");
    case Completeness::Verdict::kIncomplete:
      return absl::StrCat("answer NOT COMPLETE or not exact over the searched range [",
                          completeness.from, ", ", completeness.to, ") (",
                          completeness.findings.size(), " completeness problem(s))");
  }
  return "";
}

}  // namespace memoria::audit
