// PortalApi: the citizens' portal on memoria-server's HTTP listener
// (http_listener.h): the portal's pages (HTML, CSS, JavaScript embedded in the
// binary, portal_assets.h) and the JSON API under /api/v1/ they read, which
// any other program may use too (server/README.md, "Portal and HTTP API").
// Read-only and public: it never shows personal data (records carry only
// commitments to it, and the CSV is redacted).
//
//   GET /                        the portal (one page; its views are #fragments)
//   GET /portal.js, /portal.css  its code and style
//   GET /api/v1/info             log origin, log vkey, checkpoint, time zone, witnesses
//   GET /api/v1/inventory        the account inventory (policy item 13) as of a date
//   GET /api/v1/records          a page of the records matching a filter
//   GET /api/v1/records/<N>      one record, its inclusion proof and checkpoint
//   GET /api/v1/export.csv       a filter's records as CSV (query/record_csv.h)
//   GET /api/v1/export.bundle    a filter's records as a filtered bundle
//                                (verify/bundle.h), with the trust chain
//
// Every answer carries Content-Security-Policy: default-src 'self' (no asset
// from another site), X-Content-Type-Options: nosniff and Referrer-Policy:
// no-referrer. Bad parameters are 400 with a JSON error
// {"error":{"code":"INVALID_ARGUMENT","message":"..."}}; errors of the log are
// mapped likewise (404 NOT_FOUND / OUT_OF_RANGE, 429 RESOURCE_EXHAUSTED, 500
// others). Thread-safe; the borrowed objects must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/policy/state_reader.h"
#include "ledger/verify/witness_policy.h"
#include "memoria/v1/query.pb.h"
#include "server/witnessing.h"

namespace httplib {
class Server;
}

namespace memoria::server {

// The institution's time zone when none is configured.
inline constexpr char kDefaultPortalTimeZone[] = "America/Bogota";
// At most this many records in one CSV or bundle download: a larger filter is
// 400 (split it, or use `memoria request`).
inline constexpr uint64_t kMaxPortalExportRecords = 100'000;

struct PortalOptions {
  const Log* log = nullptr;
  // The administrator key (the bundle header names it).
  const Verifier* admin = nullptr;
  // The policy views (the inventory); nullptr: /api/v1/inventory is 409.
  const policy::StateReader* views = nullptr;
  // The witnessing loop and its policy, with --witness-policy; nullptr/nullopt otherwise.
  const Witnessing* witnessing = nullptr;
  std::optional<WitnessPolicy> witness_policy;
  // IANA name of the institution's zone: what a plain date means, and the zone
  // the API reports for showing times.
  std::string time_zone = kDefaultPortalTimeZone;
};

class PortalApi {
 public:
  // INVALID_ARGUMENT for a time zone that cannot be loaded, or a missing log or admin.
  static absl::StatusOr<std::unique_ptr<PortalApi>> Create(PortalOptions options);

  // Adds the routes above to `http`.
  void RegisterRoutes(httplib::Server& http) const;

  // The filter of the query parameters of /api/v1/records and the exports:
  //   account=<platform>/<handle>  (platform: facebook, twitter, instagram,
  //                                 youtube, tiktok, whatsapp, other_platform)
  //   type=<event type>            (ledger/query/event_type.h)
  //   from=YYYY-MM-DD, to=YYYY-MM-DD  event dates, both inclusive, as days of
  //                                 the institution's zone
  // Each optional; INVALID_ARGUMENT (in Spanish, for the portal to show)
  // naming the bad parameter. Exposed for tests.
  absl::StatusOr<v1::QueryFilter> ParseFilter(
      const std::function<std::optional<std::string>(std::string_view)>& param) const;

 private:
  PortalApi(PortalOptions options, absl::TimeZone zone)
      : options_(std::move(options)), zone_(zone) {}

  // A calendar day "YYYY-MM-DD" of the institution's zone: its first instant.
  absl::StatusOr<absl::Time> ParseDay(std::string_view name, std::string_view text) const;
  // The checkpoint a record's proof is given to: the latest cosigned one when
  // it covers `index`, else the latest signed one.
  struct ProofTarget {
    uint64_t size = 0;
    std::string note;
    bool cosigned = false;
  };
  absl::StatusOr<ProofTarget> TargetFor(uint64_t index) const;

  std::string Info() const;
  absl::StatusOr<std::string> Inventory(
      const std::function<std::optional<std::string>(std::string_view)>& param) const;
  absl::StatusOr<std::string> Records(
      const std::function<std::optional<std::string>(std::string_view)>& param) const;
  absl::StatusOr<std::string> Record(std::string_view index_text) const;
  absl::StatusOr<std::string> ExportCsv(const v1::QueryFilter& filter) const;
  absl::StatusOr<std::string> ExportBundle(const v1::QueryFilter& filter) const;

  const PortalOptions options_;
  const absl::TimeZone zone_;
};

// The label of an event type shown to people: policy::EventTypeLabel's
// Spanish one (ledger/policy/event_labels.h).
std::string PortalTypeLabel(std::string_view type);

}  // namespace memoria::server
