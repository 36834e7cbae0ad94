// ledger/verify/witness_policy.h: the C2SP tlog-policy file format, one test
// per rule of https://c2sp.org/tlog-policy.
#include "ledger/verify/witness_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "ledger/keys.h"

namespace memoria {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string VkeyOf(std::string_view name, SignatureType type) {
  absl::StatusOr<Signer> signer = Signer::Generate(name, type);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return signer->verifier().ToString();
}
std::string LogVkey(std::string_view name) { return VkeyOf(name, SignatureType::kEd25519); }
std::string WitnessVkey(std::string_view name) {
  return VkeyOf(name, SignatureType::kCosignatureV1);
}

// The same public key as `vkey`, under another key name (so another key ID).
std::string SameKeyRenamed(const std::string& vkey, std::string_view name) {
  absl::StatusOr<Verifier> key = Verifier::Parse(vkey);
  EXPECT_TRUE(key.ok()) << key.status();
  absl::StatusOr<Verifier> renamed = Verifier::FromPublicKey(name, key->public_key(), key->type());
  EXPECT_TRUE(renamed.ok()) << renamed.status();
  return renamed->ToString();
}

void ExpectRefused(const std::string& text, int line, std::string_view problem) {
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(text);
  ASSERT_FALSE(policy.ok()) << "accepted:\n" << text;
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("policy line " + std::to_string(line) + ": "));
  EXPECT_THAT(policy.status().message(), HasSubstr(problem));
}

class WitnessPolicyTest : public ::testing::Test {
 protected:
  std::string log_ = LogVkey("example.com/log");
  std::string w1_ = WitnessVkey("w1.example.org");
  std::string w2_ = WitnessVkey("w2.example.org");
  std::string w3_ = WitnessVkey("w3.example.org");

  // Two witnesses A and B, then `rest`.
  std::string WithAB(const std::string& rest) {
    return "witness A " + w1_ + "\nwitness B " + w2_ + "\n" + rest;
  }
};

// The spec's example policy, with real keys, parses to its structure.
TEST_F(WitnessPolicyTest, SpecExampleParses) {
  std::string keys[6];
  const char* names[6] = {"X1", "X2", "X3", "Y1", "Y2", "Y3"};
  for (int i = 0; i < 6; ++i) keys[i] = WitnessVkey(std::string("witness.example/") + names[i]);
  const std::string text = "log " + log_ + "\n\n" +                               //
                           "witness X1 " + keys[0] + "\n" +                       //
                           "witness X2 " + keys[1] + "\n" +                       //
                           "witness X3 " + keys[2] + "\n" +                       //
                           "group X-witnesses 2 X1 X2 X3\n\n" +                   //
                           "witness Y1 " + keys[3] + "\n" +                       //
                           "witness Y2 " + keys[4] + "\n" +                       //
                           "witness Y3 " + keys[5] + "\n" +                       //
                           "group Y-witnesses any Y1 Y2 Y3\n\n" +                 //
                           "group X-and-Y all X-witnesses Y-witnesses\n" +        //
                           "quorum X-and-Y\n";
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(text);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->logs.size(), 1u);
  EXPECT_EQ(policy->logs[0].key.ToString(), log_);
  EXPECT_EQ(policy->logs[0].key.name(), "example.com/log");
  EXPECT_EQ(policy->logs[0].url, "");
  ASSERT_EQ(policy->witnesses.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(policy->witnesses[i].name, names[i]);
    EXPECT_EQ(policy->witnesses[i].key.ToString(), keys[i]);
    EXPECT_EQ(policy->witnesses[i].key.type(), SignatureType::kCosignatureV1);
  }
  ASSERT_EQ(policy->groups.size(), 3u);
  EXPECT_EQ(policy->groups[0].name, "X-witnesses");
  EXPECT_EQ(policy->groups[0].threshold, 2u);
  EXPECT_THAT(policy->groups[0].members, ElementsAre("X1", "X2", "X3"));
  EXPECT_EQ(policy->groups[1].name, "Y-witnesses");
  EXPECT_EQ(policy->groups[1].threshold, 1u);  // any
  EXPECT_THAT(policy->groups[1].members, ElementsAre("Y1", "Y2", "Y3"));
  EXPECT_EQ(policy->groups[2].name, "X-and-Y");
  EXPECT_EQ(policy->groups[2].threshold, 2u);  // all
  EXPECT_THAT(policy->groups[2].members, ElementsAre("X-witnesses", "Y-witnesses"));
  EXPECT_EQ(policy->quorum, "X-and-Y");
  EXPECT_NE(policy->FindGroup("X-and-Y"), nullptr);
  EXPECT_EQ(policy->FindGroup("X1"), nullptr);
  EXPECT_NE(policy->FindWitness("X1"), nullptr);
}

TEST_F(WitnessPolicyTest, OnlyTheQuorumIsMandatory) {
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy("quorum none\n");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->logs.empty());
  EXPECT_TRUE(policy->witnesses.empty());
  EXPECT_EQ(policy->quorum, kNoWitnessQuorum);
}

TEST_F(WitnessPolicyTest, UrlsAreKept) {
  absl::StatusOr<WitnessPolicy> policy =
      ParseWitnessPolicy("log " + log_ + " https://log.example/\nwitness A " + w1_ +
                         " https://w1.example/prefix\nquorum A\n");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->logs[0].url, "https://log.example/");
  EXPECT_EQ(policy->witnesses[0].url, "https://w1.example/prefix");
  EXPECT_EQ(policy->quorum, "A");
}

TEST_F(WitnessPolicyTest, CommentsBlankLinesAndSpaceOrTabWhitespace) {
  const std::string text = "# a policy\n"
                           "   \t \n"
                           "\t  # an indented comment\n"
                           "\n"
                           "  witness\tA \t " + w1_ + "  \t\n"
                           "group\t G  any   A\t\n"
                           "quorum G";  // the last line's newline may be missing
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(text);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->witnesses[0].name, "A");
  EXPECT_EQ(policy->witnesses[0].key.ToString(), w1_);
  EXPECT_THAT(policy->groups[0].members, ElementsAre("A"));
  EXPECT_EQ(policy->quorum, "G");
}

// Names are opaque octets: "K" and a Kelvin sign are two names, and a
// non-ASCII space is part of a name, not whitespace.
TEST_F(WitnessPolicyTest, NonAsciiNamesAreOpaqueOctets) {
  const std::string kelvin = "\xE2\x84\xAA";
  const std::string nbsp_name = "A\xC2\xA0" "B";
  absl::StatusOr<WitnessPolicy> policy =
      ParseWitnessPolicy("witness K " + w1_ + "\nwitness " + kelvin + " " + w2_ + "\nwitness " +
                         nbsp_name + " " + w3_ + "\ngroup G all K " + kelvin + " " + nbsp_name +
                         "\nquorum G\n");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_THAT(policy->groups[0].members, ElementsAre("K", kelvin, nbsp_name));
  EXPECT_EQ(policy->groups[0].threshold, 3u);
}

TEST_F(WitnessPolicyTest, ThirtyTwoOfEachAreSupported) {
  std::string text;
  for (int i = 0; i < 32; ++i) {
    text += "log " + LogVkey("log" + std::to_string(i)) + "\n";
    text += "witness W" + std::to_string(i) + " " + WitnessVkey("w" + std::to_string(i)) + "\n";
    text += "group G" + std::to_string(i) + " any W" + std::to_string(i) +
            (i > 0 ? " G" + std::to_string(i - 1) : "") + "\n";
  }
  text += "quorum G31\n";
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(text);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->logs.size(), 32u);
  EXPECT_EQ(policy->witnesses.size(), 32u);
  EXPECT_EQ(policy->groups.size(), 32u);
}

TEST_F(WitnessPolicyTest, DecimalThresholdsInRange) {
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(WithAB("group G 2 A B\nquorum G\n"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->groups[0].threshold, 2u);
  policy = ParseWitnessPolicy(WithAB("group G 1 A B\nquorum G\n"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->groups[0].threshold, 1u);
}

// --- every malformed case, refused with its line ----------------------------

TEST_F(WitnessPolicyTest, RefusesUnknownKeyword) {
  ExpectRefused("quorum none\nwitnesses A " + w1_ + "\n", 2, "unknown keyword \"witnesses\"");
}

TEST_F(WitnessPolicyTest, RefusesControlCharacters) {
  ExpectRefused("# ok\nquorum none\r\n", 2, "control character");
  ExpectRefused("# comment with a \x01 in it\nquorum none\n", 1, "control character");
  ExpectRefused("quorum none\n\x7F\n", 2, "control character");
}

TEST_F(WitnessPolicyTest, RefusesMissingQuorum) {
  absl::StatusOr<WitnessPolicy> policy = ParseWitnessPolicy(WithAB("group G any A B\n"));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("no quorum line"));
  EXPECT_FALSE(ParseWitnessPolicy("").ok());
}

TEST_F(WitnessPolicyTest, RefusesASecondQuorumLine) {
  ExpectRefused(WithAB("quorum A\nquorum B\n"), 4, "second quorum line");
  ExpectRefused("quorum none\nquorum none\n", 2, "second quorum line");
}

TEST_F(WitnessPolicyTest, RefusesQuorumNamingUndefinedOrLaterNames) {
  ExpectRefused(WithAB("quorum C\n"), 3, "quorum C is not a witness or group defined");
  ExpectRefused("quorum A\nwitness A " + w1_ + "\n", 1, "quorum A is not a witness or group");
}

TEST_F(WitnessPolicyTest, RefusesMalformedQuorumLine) {
  ExpectRefused(WithAB("quorum\n"), 3, "expected: quorum <name>");
  ExpectRefused(WithAB("quorum A B\n"), 3, "expected: quorum <name>");
}

TEST_F(WitnessPolicyTest, RefusesMalformedLogLines) {
  ExpectRefused("log\nquorum none\n", 1, "expected: log <vkey> [<url>]");
  ExpectRefused("log " + log_ + " https://a/ extra\nquorum none\n", 1, "expected: log");
  ExpectRefused("quorum none\nlog not-a-vkey\n", 2, "bad log vkey");
}

TEST_F(WitnessPolicyTest, RefusesALogKeyOfTheCosignatureType) {
  ExpectRefused("quorum none\nlog " + w1_ + "\n", 2, "must be of signature type 0x01");
}

TEST_F(WitnessPolicyTest, RefusesDuplicateLogsEvenUnderAnotherKeyName) {
  ExpectRefused("log " + log_ + "\nlog " + SameKeyRenamed(log_, "other.example/log") +
                    "\nquorum none\n",
                2, "duplicate log");
}

TEST_F(WitnessPolicyTest, RefusesMalformedWitnessLines) {
  ExpectRefused("witness A\nquorum none\n", 1, "expected: witness <name> <vkey> [<url>]");
  ExpectRefused("witness A " + w1_ + " https://a/ extra\nquorum none\n", 1, "expected: witness");
  ExpectRefused("witness A not-a-vkey\nquorum none\n", 1, "bad witness vkey");
}

TEST_F(WitnessPolicyTest, RefusesAWitnessKeyOfTheNoteType) {
  ExpectRefused("witness A " + log_ + "\nquorum A\n", 1, "must be of signature type 0x04");
}

TEST_F(WitnessPolicyTest, RefusesDuplicateWitnessKeysEvenUnderAnotherKeyName) {
  ExpectRefused("witness A " + w1_ + "\nwitness B " + SameKeyRenamed(w1_, "elsewhere.example") +
                    "\nquorum A\n",
                2, "duplicate witness");
}

TEST_F(WitnessPolicyTest, RefusesDuplicateNames) {
  ExpectRefused("witness A " + w1_ + "\nwitness A " + w2_ + "\nquorum A\n", 2, "duplicate name A");
  // Witnesses and groups share one namespace.
  ExpectRefused(WithAB("group A any B\nquorum A\n"), 3, "duplicate name A");
  ExpectRefused(WithAB("group G any A\ngroup G any B\nquorum G\n"), 4, "duplicate name G");
}

TEST_F(WitnessPolicyTest, RefusesRedefiningNone) {
  ExpectRefused("witness none " + w1_ + "\nquorum none\n", 1, "\"none\" is predefined");
  ExpectRefused(WithAB("group none any A\nquorum none\n"), 3, "\"none\" is predefined");
}

TEST_F(WitnessPolicyTest, RefusesGroupsWithoutMembers) {
  ExpectRefused(WithAB("group G any\nquorum A\n"), 3, "at least one member");
  ExpectRefused(WithAB("group G\nquorum A\n"), 3, "at least one member");
}

TEST_F(WitnessPolicyTest, RefusesUndefinedGroupMembers) {
  ExpectRefused(WithAB("group G any A C\nquorum G\n"), 3, "member C is not a witness or group");
}

// A group may only name what precedes it: no forward references, so no cycles.
TEST_F(WitnessPolicyTest, RefusesForwardReferencesAndCycles) {
  ExpectRefused("group G any A\nwitness A " + w1_ + "\nquorum G\n", 1,
                "member A is not a witness or group defined on a preceding line");
  ExpectRefused(WithAB("group G any A H\ngroup H any B G\nquorum G\n"), 3,
                "member H is not a witness or group");
  ExpectRefused(WithAB("group G any A G\nquorum G\n"), 3, "member G is not a witness or group");
}

TEST_F(WitnessPolicyTest, RefusesNoneAsAGroupMember) {
  ExpectRefused(WithAB("group G any A none\nquorum G\n"), 3, "\"none\" cannot be a group member");
}

TEST_F(WitnessPolicyTest, RefusesAMemberListedTwice) {
  ExpectRefused(WithAB("group G 2 A B A\nquorum G\n"), 3, "member A is listed twice");
}

TEST_F(WitnessPolicyTest, RefusesThresholdsOutOfRange) {
  ExpectRefused(WithAB("group G 0 A B\nquorum G\n"), 3, "must be between 1 and 2");
  ExpectRefused(WithAB("group G 3 A B\nquorum G\n"), 3, "must be between 1 and 2");
  ExpectRefused(WithAB("group G 99999999999999999999999 A B\nquorum G\n"), 3, "threshold");
}

TEST_F(WitnessPolicyTest, RefusesThresholdsNotInDecimal) {
  for (const char* k : {"+1", "-1", "0x1", "1.0", "one", "ALL", "Any", "2a"}) {
    SCOPED_TRACE(k);
    ExpectRefused(WithAB(std::string("group G ") + k + " A B\nquorum G\n"), 3,
                  "must be all, any or a decimal number");
  }
}

TEST(WitnessPolicyFileTest, ReadsAFileAndNamesItInErrors) {
  const std::string path = ::testing::TempDir() + "/witness_policy_test.policy";
  EXPECT_EQ(ReadWitnessPolicyFile(path + ".missing").status().code(), absl::StatusCode::kNotFound);
  {
    std::ofstream(path) << "quorum none\n";
  }
  absl::StatusOr<WitnessPolicy> policy = ReadWitnessPolicyFile(path);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->quorum, kNoWitnessQuorum);
  {
    std::ofstream(path) << "quorum nobody\n";
  }
  policy = ReadWitnessPolicyFile(path);
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr(path + ": policy line 1: "));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace memoria
