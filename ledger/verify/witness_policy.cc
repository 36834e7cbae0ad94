#include "ledger/verify/witness_policy.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "ledger/status.h"

namespace memoria {
namespace {

// The spec's whitespace: ASCII space and tab only.
bool IsPolicySpace(char c) { return c == ' ' || c == '\t'; }

// The spec's character set: tab, newline, 0x20-0x7E and 0x80-0xFF.
bool IsAllowedOctet(unsigned char c) {
  return c == '\t' || c == '\n' || (c >= 0x20 && c <= 0x7E) || c >= 0x80;
}

std::vector<std::string_view> SplitItems(std::string_view line) {
  std::vector<std::string_view> items;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsPolicySpace(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsPolicySpace(line[i])) ++i;
    if (i > start) items.push_back(line.substr(start, i - start));
  }
  return items;
}

// Builds a policy line by line, enforcing each rule as the line is read.
class PolicyBuilder {
 public:
  absl::Status AddLine(const std::vector<std::string_view>& items) {
    const std::string_view keyword = items[0];
    if (keyword == "log") return AddLog(items);
    if (keyword == "witness") return AddWitness(items);
    if (keyword == "group") return AddGroup(items);
    if (keyword == "quorum") return SetQuorum(items);
    return absl::InvalidArgumentError("unknown keyword \"" + std::string(keyword) +
                                      "\" (expected log, witness, group or quorum)");
  }

  absl::StatusOr<WitnessPolicy> Finish() && {
    if (!has_quorum_) return absl::InvalidArgumentError("policy has no quorum line");
    return std::move(policy_);
  }

 private:
  absl::Status AddLog(const std::vector<std::string_view>& items) {
    if (items.size() < 2 || items.size() > 3) {
      return absl::InvalidArgumentError("expected: log <vkey> [<url>]");
    }
    ASSIGN_OR_RETURN(Verifier key, ParseKey(items[1], SignatureType::kEd25519, "log"));
    for (const PolicyLog& log : policy_.logs) {
      if (log.key.public_key() == key.public_key()) {
        return absl::InvalidArgumentError("duplicate log: the key of " + key.name() +
                                          " is already listed as " + log.key.name());
      }
    }
    policy_.logs.push_back(PolicyLog{std::move(key), std::string(Url(items, 2))});
    return absl::OkStatus();
  }

  absl::Status AddWitness(const std::vector<std::string_view>& items) {
    if (items.size() < 3 || items.size() > 4) {
      return absl::InvalidArgumentError("expected: witness <name> <vkey> [<url>]");
    }
    RETURN_IF_ERROR(DefineName(items[1]));
    ASSIGN_OR_RETURN(Verifier key, ParseKey(items[2], SignatureType::kCosignatureV1, "witness"));
    for (const PolicyWitness& witness : policy_.witnesses) {
      if (witness.key.public_key() == key.public_key()) {
        return absl::InvalidArgumentError("duplicate witness: witness " + std::string(items[1]) +
                                          " has the same key as witness " + witness.name);
      }
    }
    names_.insert(std::string(items[1]));
    policy_.witnesses.push_back(
        PolicyWitness{std::string(items[1]), std::move(key), std::string(Url(items, 3))});
    return absl::OkStatus();
  }

  absl::Status AddGroup(const std::vector<std::string_view>& items) {
    if (items.size() < 4) {
      return absl::InvalidArgumentError(
          "expected: group <name> all|any|<k> <name>... (at least one member)");
    }
    RETURN_IF_ERROR(DefineName(items[1]));
    PolicyGroup group;
    group.name = std::string(items[1]);
    std::set<std::string_view> listed;
    for (size_t i = 3; i < items.size(); ++i) {
      const std::string_view member = items[i];
      if (member == kNoWitnessQuorum) {
        return absl::InvalidArgumentError("group " + group.name +
                                          ": \"none\" cannot be a group member");
      }
      if (!names_.contains(std::string(member))) {
        return absl::InvalidArgumentError("group " + group.name + ": member " +
                                          std::string(member) +
                                          " is not a witness or group defined on a preceding line");
      }
      if (!listed.insert(member).second) {
        return absl::InvalidArgumentError("group " + group.name + ": member " +
                                          std::string(member) + " is listed twice");
      }
      group.members.push_back(std::string(member));
    }
    ASSIGN_OR_RETURN(group.threshold, ParseThreshold(items[2], group.members.size()));
    names_.insert(group.name);
    policy_.groups.push_back(std::move(group));
    return absl::OkStatus();
  }

  absl::Status SetQuorum(const std::vector<std::string_view>& items) {
    if (items.size() != 2) return absl::InvalidArgumentError("expected: quorum <name>");
    if (has_quorum_) {
      return absl::InvalidArgumentError("a second quorum line (exactly one is allowed)");
    }
    const std::string name(items[1]);
    if (name != kNoWitnessQuorum && !names_.contains(name)) {
      return absl::InvalidArgumentError("quorum " + name +
                                        " is not a witness or group defined on a preceding line");
    }
    policy_.quorum = name;
    has_quorum_ = true;
    return absl::OkStatus();
  }

  // A name may be defined once, and `none` is predefined.
  absl::Status DefineName(std::string_view name) const {
    if (name == kNoWitnessQuorum) {
      return absl::InvalidArgumentError("\"none\" is predefined and cannot be redefined");
    }
    if (names_.contains(std::string(name))) {
      return absl::InvalidArgumentError("duplicate name " + std::string(name) +
                                        " (witnesses and groups share one namespace)");
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<Verifier> ParseKey(std::string_view vkey, SignatureType type,
                                           std::string_view role) {
    absl::StatusOr<Verifier> key = Verifier::Parse(vkey);
    if (!key.ok()) {
      return absl::InvalidArgumentError("bad " + std::string(role) +
                                        " vkey: " + std::string(key.status().message()));
    }
    if (key->type() != type) {
      return absl::InvalidArgumentError(
          std::string(role) + " key " + key->name() + " must be of signature type " +
          (type == SignatureType::kEd25519 ? "0x01 (Ed25519 note signatures)"
                                           : "0x04 (Ed25519 cosignature/v1)"));
    }
    return key;
  }

  static absl::StatusOr<size_t> ParseThreshold(std::string_view k, size_t members) {
    if (k == "any") return size_t{1};
    if (k == "all") return members;
    size_t value = 0;
    const auto [end, error] = std::from_chars(k.data(), k.data() + k.size(), value);
    // from_chars takes digits only: no sign, no base prefix, no spaces.
    if (error != std::errc() || end != k.data() + k.size()) {
      return absl::InvalidArgumentError("threshold \"" + std::string(k) +
                                        "\" must be all, any or a decimal number");
    }
    if (value < 1 || value > members) {
      return absl::InvalidArgumentError("threshold " + std::string(k) + " must be between 1 and " +
                                        std::to_string(members) + " (the number of members)");
    }
    return value;
  }

  static std::string_view Url(const std::vector<std::string_view>& items, size_t index) {
    return index < items.size() ? items[index] : std::string_view();
  }

  WitnessPolicy policy_;
  std::set<std::string> names_;  // witnesses and groups defined so far
  bool has_quorum_ = false;
};

}  // namespace

const PolicyWitness* WitnessPolicy::FindWitness(std::string_view name) const {
  for (const PolicyWitness& witness : witnesses) {
    if (witness.name == name) return &witness;
  }
  return nullptr;
}

const PolicyGroup* WitnessPolicy::FindGroup(std::string_view name) const {
  for (const PolicyGroup& group : groups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

absl::StatusOr<WitnessPolicy> ParseWitnessPolicy(std::string_view text) {
  PolicyBuilder builder;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    const auto at_line = [line_number](const absl::Status& status) {
      return absl::InvalidArgumentError("policy line " + std::to_string(line_number) + ": " +
                                        std::string(status.message()));
    };
    for (const char c : line) {
      if (!IsAllowedOctet(static_cast<unsigned char>(c))) {
        return at_line(absl::InvalidArgumentError(
            "control character " + std::to_string(static_cast<unsigned char>(c)) +
            " (only tab and newline are allowed)"));
      }
    }
    const std::vector<std::string_view> items = SplitItems(line);
    if (items.empty() || items[0].front() == '#') continue;
    if (absl::Status s = builder.AddLine(items); !s.ok()) return at_line(s);
  }
  return std::move(builder).Finish();
}

absl::StatusOr<WitnessPolicy> ReadWitnessPolicyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) return absl::NotFoundError("witness policy " + path + " does not exist");
    return absl::InvalidArgumentError("cannot read witness policy " + path + ": " +
                                      std::strerror(errno));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return absl::InvalidArgumentError("cannot read witness policy " + path);
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(contents.str());
  if (!policy.ok()) {
    return absl::Status(policy.status().code(),
                        path + ": " + std::string(policy.status().message()));
  }
  return policy;
}

}  // namespace memoria
