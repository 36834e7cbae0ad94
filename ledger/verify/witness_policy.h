// C2SP tlog-policy (https://c2sp.org/tlog-policy): the file that says which
// logs a client accepts, which witnesses it knows, and the quorum of
// cosignatures a checkpoint needs. The file is line based:
//
//   # a comment; blank lines are ignored too
//   log <vkey> [<url>]
//   witness <name> <vkey> [<url>]
//   group <name> all|any|<k> <name>...
//   quorum <name>|none
//
// Parsing follows the spec:
//   - items are separated by spaces and tabs only; leading and trailing
//     whitespace is allowed; the only octets allowed are tab, newline,
//     0x20-0x7E and 0x80-0xFF (high octets are opaque: names are byte strings);
//   - log keys are note signing keys (type 0x01), witness keys Ed25519
//     cosignature/v1 keys (type 0x04, ledger/verify/cosignature.h); two logs,
//     or two witnesses, may not wrap the same public key (whatever their key
//     names);
//   - witnesses and groups share one namespace, where `none` is predefined;
//     a group or the quorum may name only what is defined on a preceding line
//     (so groups cannot be circular); a group lists n >= 1 distinct members,
//     none of them `none`, and needs k of them: `any` is 1, `all` is n, a
//     decimal k must be 1 <= k <= n;
//   - there is exactly one quorum line.
// A last line without its newline is accepted. Every error is
// INVALID_ARGUMENT naming the line ("policy line 7: ...").
//
// Whether a signed checkpoint meets the policy is ledger/verify/witness_quorum.h.
//
// WitnessPolicy is an immutable value once parsed: safe to share between threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/keys.h"

namespace memoria {

// The predefined name of the empty quorum (`quorum none`): no cosignature needed.
inline constexpr std::string_view kNoWitnessQuorum = "none";

struct PolicyLog {
  Verifier key;     // type 0x01; its name is the log's origin
  std::string url;  // empty if not given
};

struct PolicyWitness {
  std::string name;  // the policy's name for it (not necessarily the key's name)
  Verifier key;      // type 0x04
  std::string url;   // empty if not given (for tlog-witness, its submission prefix)
};

struct PolicyGroup {
  std::string name;
  size_t threshold = 0;              // k: 1 <= k <= members.size()
  std::vector<std::string> members;  // names of witnesses and earlier groups
};

struct WitnessPolicy {
  std::vector<PolicyLog> logs;          // may be empty: the log is known from context
  std::vector<PolicyWitness> witnesses; // in file order
  std::vector<PolicyGroup> groups;      // in file order: members precede the group
  std::string quorum;                   // a witness, a group, or kNoWitnessQuorum

  // The witness or group called `name`, or nullptr.
  const PolicyWitness* FindWitness(std::string_view name) const;
  const PolicyGroup* FindGroup(std::string_view name) const;
};

// Parses a policy file's contents. INVALID_ARGUMENT naming the line and the
// problem if it breaks any rule above.
absl::StatusOr<WitnessPolicy> ParseWitnessPolicy(std::string_view text);

// Reads and parses a policy file: NOT_FOUND if it does not exist, the
// parser's errors (prefixed with the path) otherwise.
absl::StatusOr<WitnessPolicy> ReadWitnessPolicyFile(const std::string& path);

}  // namespace memoria
