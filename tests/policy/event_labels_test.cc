// Event-type labels: every built-in type of the .proto files has a Spanish and
// an English label, distinct from each other type's.
#include "ledger/policy/event_labels.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::policy {
namespace {

// Every built-in event type, read from the descriptors (not from a list kept
// beside the table): Entry's `event` fields but `policy`, and PolicyEvent's
// `kind` fields.
std::vector<std::string> TypesInTheProto() {
  std::vector<std::string> types;
  const google::protobuf::OneofDescriptor* event =
      v1::Entry::descriptor()->FindOneofByName("event");
  for (int i = 0; i < event->field_count(); ++i) {
    if (event->field(i)->name() != "policy") types.push_back(event->field(i)->name());
  }
  const google::protobuf::OneofDescriptor* kind =
      v1::PolicyEvent::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < kind->field_count(); ++i) types.push_back(kind->field(i)->name());
  return types;
}

TEST(EventLabelsTest, EveryTypeOfTheProtoHasALabelInBothLanguages) {
  const std::vector<std::string> types = TypesInTheProto();
  ASSERT_GE(types.size(), 25u);
  std::set<std::string_view> es, en;
  for (const std::string& type : types) {
    EXPECT_TRUE(HasEventTypeLabel(type)) << type;
    const std::string_view spanish = EventTypeLabel(type, Language::kEs);
    const std::string_view english = EventTypeLabel(type, Language::kEn);
    EXPECT_NE(spanish, type) << type << " has no Spanish label";
    EXPECT_NE(english, type) << type << " has no English label";
    EXPECT_FALSE(spanish.empty()) << type;
    EXPECT_TRUE(es.insert(spanish).second) << "two types read \"" << spanish << "\"";
    EXPECT_TRUE(en.insert(english).second) << "two types read \"" << english << "\"";
  }
}

TEST(EventLabelsTest, KnownLabels) {
  EXPECT_EQ(EventTypeLabel("pqrd_received", Language::kEs), "PQRD recibida");
  EXPECT_EQ(EventTypeLabel("pqrd_received", Language::kEn), "PQRD received");
  EXPECT_EQ(EventTypeLabel("post_published", Language::kEs), "Publicación");
  EXPECT_EQ(EventTypeLabel("live_stream_authorized", Language::kEs),
            "Autorización de transmisión en vivo");
  EXPECT_EQ(EventTypeLabel("generic", Language::kEn), "Generic event");
}

TEST(EventLabelsTest, AnUnknownTypeShowsAsItself) {
  EXPECT_FALSE(HasEventTypeLabel("made_up"));
  EXPECT_EQ(EventTypeLabel("made_up", Language::kEs), "made_up");
  EXPECT_EQ(EventTypeLabel("", Language::kEn), "");
}

TEST(EventLabelsTest, ParseLanguage) {
  EXPECT_EQ(*ParseLanguage("es"), Language::kEs);
  EXPECT_EQ(*ParseLanguage("EN"), Language::kEn);
  absl::StatusOr<Language> bad = ParseLanguage("fr");
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("es"));
}

}  // namespace
}  // namespace memoria::policy
