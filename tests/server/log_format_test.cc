// --log-format (server/log_format.h): JSON lines that parse, with stable
// fields and untrusted text escaped; the text format as before, with fields.
#include "server/log_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/keys.h"
#include "server/call_interceptor.h"
#include "server/readiness.h"
#include "spdlog/details/log_msg.h"
#include "spdlog/formatter.h"

namespace memoria::server {
namespace {

using ::testing::HasSubstr;
using ::testing::EndsWith;

std::string Format(LogFormat format, spdlog::level::level_enum level, std::string_view text) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "", level,
                               spdlog::string_view_t(text.data(), text.size()));
  msg.time = std::chrono::system_clock::time_point(std::chrono::microseconds(1764790036123456));
  spdlog::memory_buf_t out;
  NewLogFormatter(format)->format(msg, out);
  return std::string(out.data(), out.size());
}

google::protobuf::Struct Parse(const std::string& line) {
  google::protobuf::Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(line, &object);
  EXPECT_TRUE(status.ok()) << status << " in " << line;
  return object;
}

TEST(LogFormatTest, JsonLineHasTimeLevelMessageAndFieldsInOrder) {
  LogFields fields({{"request_id", "abc-1"}, {"method", "/memoria.v1.Ledger/Append"}});
  EXPECT_EQ(Format(LogFormat::kJson, spdlog::level::warn, "the disk is full"),
            "{\"time\":\"2025-12-03T19:27:16.123456Z\",\"level\":\"warn\","
            "\"msg\":\"the disk is full\",\"request_id\":\"abc-1\","
            "\"method\":\"/memoria.v1.Ledger/Append\"}\n");
}

TEST(LogFormatTest, FieldsEndWithTheirScope) {
  {
    LogFields outer({{"a", "1"}});
    {
      LogFields inner({{"b", "2"}});
      EXPECT_THAT(Format(LogFormat::kJson, spdlog::level::info, "x"),
                  HasSubstr("\"a\":\"1\",\"b\":\"2\"}"));
    }
    EXPECT_THAT(Format(LogFormat::kJson, spdlog::level::info, "x"), HasSubstr("\"msg\":\"x\",\"a\":\"1\"}"));
  }
  EXPECT_THAT(Format(LogFormat::kJson, spdlog::level::err, "x"),
              HasSubstr("\"level\":\"error\",\"msg\":\"x\"}"));
}

// A client's text cannot end the line, break the JSON or forge a field.
TEST(LogFormatTest, UntrustedTextCannotBreakOrForgeALine) {
  const std::string evil =
      "writer\"},\n{\"level\":\"critical\",\"msg\":\"forged\x01\x7f\\\xff\xc3\x28 ñ \t\r";
  LogFields fields({{"request_id", evil}});
  const std::string line = Format(LogFormat::kJson, spdlog::level::debug, evil);
  // One line: the only newline is the last byte.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const google::protobuf::Struct object = Parse(line);
  EXPECT_EQ(object.fields().at("level").string_value(), "debug");
  EXPECT_EQ(object.fields().size(), 4u);
  // The valid UTF-8 is kept; the invalid bytes are U+FFFD.
  const std::string decoded = object.fields().at("msg").string_value();
  EXPECT_THAT(decoded, HasSubstr("writer\"},\n{\"level\":\"critical\""));
  EXPECT_THAT(decoded, HasSubstr("\\\xEF\xBF\xBD\xEF\xBF\xBD( ñ \t\r"));
  EXPECT_EQ(object.fields().at("request_id").string_value(), decoded);
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01\x1f\x7f"), "\"a\\\"b\\\\c\\n\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(JsonQuote("\xe2\x82\xac \xed\xa0\x80 \xf0\x9f\x98\x80 \xc0\xaf"),
            "\"\xe2\x82\xac \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80 \\ufffd\\ufffd\"");
}

TEST(LogFormatTest, TextIsSpdlogsLineWithFieldsEscaped) {
  // spdlog's default pattern, in local time: "[2025-12-03 19:27:16.123] [info] plain".
  const std::string plain = Format(LogFormat::kText, spdlog::level::info, "plain");
  EXPECT_EQ(plain.front(), '[');
  EXPECT_THAT(plain, EndsWith(".123] [info] plain\n"));
  LogFields fields({{"request_id", "id\n1"}});
  EXPECT_THAT(Format(LogFormat::kText, spdlog::level::info, "with"),
              EndsWith(".123] [info] with request_id=id\\n1\n"));
}

TEST(LogFormatTest, ParsesOnlyTextAndJson) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

TEST(RequestIdTest, AcceptsOnlyShortPlainIds) {
  EXPECT_TRUE(ValidRequestId("3f2a9c1e-7d4b-4e8a-9f00-1a2b3c4d5e6f"));
  EXPECT_TRUE(ValidRequestId("req_1.2:3"));
  EXPECT_FALSE(ValidRequestId(""));
  EXPECT_FALSE(ValidRequestId(std::string(65, 'a')));
  EXPECT_TRUE(ValidRequestId(std::string(64, 'a')));
  EXPECT_FALSE(ValidRequestId("has space"));
  EXPECT_FALSE(ValidRequestId("quote\""));
  EXPECT_FALSE(ValidRequestId("new\nline"));
}

TEST(ReadinessTest, QuorumReachableFollowsGroupsAndThresholds) {
  WitnessPolicy policy;
  for (const char* name : {"a", "b", "c"}) {
    absl::StatusOr<Signer> key = Signer::Generate(name);  // its type does not matter here
    ASSERT_TRUE(key.ok());
    policy.witnesses.push_back({.name = name, .key = key->verifier(), .url = ""});
  }
  policy.groups = {{.name = "g", .threshold = 2, .members = {"a", "b", "c"}}};
  policy.quorum = "g";
  EXPECT_TRUE(QuorumReachable(policy, {"a", "c"}));
  EXPECT_FALSE(QuorumReachable(policy, {"b"}));
  EXPECT_FALSE(QuorumReachable(policy, {}));
  policy.quorum = "b";
  EXPECT_TRUE(QuorumReachable(policy, {"b"}));
  EXPECT_FALSE(QuorumReachable(policy, {"a", "c"}));
  policy.quorum = std::string(kNoWitnessQuorum);
  EXPECT_TRUE(QuorumReachable(policy, {}));
}

TEST(ReadinessTest, JsonNamesWhatIsNotReadyAndServicesNeedTheirChecks) {
  Readiness readiness;
  readiness.checks = {{"store", true, "open"}, {"tree", true, "loaded"},
                      {"witnesses", false, "failing: w1 (\"refused\")"}, {"serving", true, "ok"}};
  EXPECT_FALSE(readiness.ready());
  EXPECT_FALSE(readiness.ReadyFor("memoria.v1.Ledger"));
  EXPECT_TRUE(readiness.ReadyFor("memoria.v1.Policy"));
  EXPECT_TRUE(readiness.ReadyFor("memoria.v1.Transparency"));
  const google::protobuf::Struct object = Parse(readiness.ToJson());
  EXPECT_FALSE(object.fields().at("ready").bool_value());
  ASSERT_EQ(object.fields().at("not_ready").list_value().values_size(), 1);
  EXPECT_EQ(object.fields().at("not_ready").list_value().values(0).string_value(), "witnesses");
  EXPECT_EQ(object.fields().at("checks").list_value().values(2).struct_value().fields().at(
                "detail").string_value(),
            "failing: w1 (\"refused\")");
  readiness.checks[1].ready = false;  // the tree
  EXPECT_FALSE(readiness.ReadyFor("memoria.v1.Transparency"));
  EXPECT_TRUE(readiness.ReadyFor("memoria.v1.Policy"));
}

}  // namespace
}  // namespace memoria::server
