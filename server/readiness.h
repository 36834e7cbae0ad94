// Readiness: whether memoria-server can do its work now, check by check, as
// HTTP /readyz (server/health_routes.cc) and gRPC health (per service) tell
// it. Liveness (/healthz) is only that the process answers.
//
// Checks (name: ready when):
//   store      the log store is open (always, once the server started)
//   writable   appends are not suspended by a failed write (a full disk,
//              an I/O error: Log::WriteFailed)
//   tree       the tree's hashes held in memory are loaded (after a start,
//              a few seconds at 10^7 records; proofs read the store meanwhile)
//   witnesses  with --witness-policy: the witnesses whose last request
//              succeeded meet the policy's quorum (a witness that failed is
//              counted again once it cosigns)
//   serving    the server is not shutting down
//
// Per gRPC service: memoria.v1.Ledger needs every check; memoria.v1.Transparency
// store, tree and serving; memoria.v1.Policy store and serving; the server
// as a whole ("") every check.
//
// Thread-safe (reads the components' own thread-safe state).
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/log.h"
#include "ledger/verify/witness_policy.h"
#include "server/witnessing.h"

namespace memoria::server {

struct ReadinessCheck {
  std::string name;
  bool ready = false;
  std::string detail;  // what was found, in English, for the operator
};

struct Readiness {
  std::vector<ReadinessCheck> checks;

  bool ready() const;
  // Ready for the checks `service` needs (see above; "" is every check).
  bool ReadyFor(std::string_view service) const;
  // {"ready":false,"not_ready":["witnesses"],"checks":[{"name":"store",
  // "ready":true,"detail":"open"},...]} and a newline.
  std::string ToJson() const;
};

// True if the witnesses named in `reachable` meet `policy`'s quorum.
bool QuorumReachable(const WitnessPolicy& policy, const std::set<std::string>& reachable);

class ReadinessProbe {
 public:
  // `witnessing` may be null (no witnesses). Both must outlive the probe.
  ReadinessProbe(const Log& log, const Witnessing* witnessing)
      : log_(log), witnessing_(witnessing) {}

  Readiness Check() const;
  // From now on the `serving` check fails.
  void SetShuttingDown() { shutting_down_.store(true, std::memory_order_relaxed); }

 private:
  const Log& log_;
  const Witnessing* const witnessing_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace memoria::server
