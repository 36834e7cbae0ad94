#include "server/readiness.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/log_format.h"

namespace memoria::server {
namespace {

// The checks each service needs besides "store" and "serving".
bool Needs(std::string_view service, std::string_view check) {
  if (service.empty() || service == "memoria.v1.Ledger") return true;
  if (check == "store" || check == "serving") return true;
  if (service == "memoria.v1.Transparency") return check == "tree";
  return false;
}

bool Reachable(const WitnessPolicy& policy, std::string_view name,
               const std::set<std::string>& reachable, int depth) {
  if (name == kNoWitnessQuorum) return true;
  if (depth > 64) return false;  // the parser refuses cycles; belt and braces
  if (policy.FindWitness(name) != nullptr) return reachable.count(std::string(name)) > 0;
  const PolicyGroup* group = policy.FindGroup(name);
  if (group == nullptr) return false;
  size_t met = 0;
  for (const std::string& member : group->members) {
    met += Reachable(policy, member, reachable, depth + 1) ? 1 : 0;
  }
  return met >= group->threshold;
}

}  // namespace

bool QuorumReachable(const WitnessPolicy& policy, const std::set<std::string>& reachable) {
  return Reachable(policy, policy.quorum, reachable, 0);
}

bool Readiness::ready() const { return ReadyFor(""); }

bool Readiness::ReadyFor(std::string_view service) const {
  return std::all_of(checks.begin(), checks.end(), [&](const ReadinessCheck& check) {
    return check.ready || !Needs(service, check.name);
  });
}

std::string Readiness::ToJson() const {
  std::vector<std::string> not_ready;
  std::vector<std::string> listed;
  for (const ReadinessCheck& check : checks) {
    if (!check.ready) not_ready.push_back(JsonQuote(check.name));
    listed.push_back(absl::StrCat("{\"name\":", JsonQuote(check.name),
                                  ",\"ready\":", check.ready ? "true" : "false",
                                  ",\"detail\":", JsonQuote(check.detail), "}"));
  }
  return absl::StrCat("{\"ready\":", ready() ? "true" : "false", ",\"not_ready\":[",
                      absl::StrJoin(not_ready, ","), "],\"checks\":[",
                      absl::StrJoin(listed, ","), "]}\n");
}

Readiness ReadinessProbe::Check() const {
  Readiness readiness;
  readiness.checks.push_back({"store", true, "open"});
  const bool write_failed = log_.WriteFailed();
  readiness.checks.push_back(
      {"writable", !write_failed,
       write_failed ? "appends are suspended: a write failed (a full disk or an I/O error; they "
                      "resume once the store is writable)"
                    : "appends are accepted"});
  const Log::NodeMemoryStats tree = log_.node_memory();
  std::string tree_detail = tree.loaded ? absl::StrCat(tree.nodes, " hashes in memory")
                                        : "the tree's hashes are still loading";
  if (!tree.load_error.empty()) {
    tree_detail = absl::StrCat("the load stopped short (proofs read the store): ", tree.load_error);
  }
  // A load that failed is done too: proofs read the rest from the store.
  readiness.checks.push_back(
      {"tree", tree.loaded || !tree.load_error.empty(), std::move(tree_detail)});
  if (witnessing_ != nullptr) {
    std::set<std::string> reachable;
    std::vector<std::string> failing;
    for (const WitnessStatus& witness : witnessing_->Status()) {
      if (witness.last_error.empty()) {
        reachable.insert(witness.name);
      } else {
        failing.push_back(absl::StrCat(witness.name, " (", witness.last_error, ")"));
      }
    }
    const bool met = QuorumReachable(witnessing_->policy(), reachable);
    std::string detail =
        met ? "the reachable witnesses meet the quorum"
            : "the reachable witnesses do not meet the quorum " + witnessing_->policy().quorum;
    if (!failing.empty()) absl::StrAppend(&detail, "; failing: ", absl::StrJoin(failing, ", "));
    readiness.checks.push_back({"witnesses", met, std::move(detail)});
  }
  const bool stopping = shutting_down_.load(std::memory_order_relaxed);
  readiness.checks.push_back({"serving", !stopping, stopping ? "shutting down" : "serving"});
  return readiness;
}

}  // namespace memoria::server
