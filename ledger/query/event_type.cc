#include "ledger/query/event_type.h"

#include <algorithm>

#include "google/protobuf/descriptor.h"
#include "memoria/v1/policy.pb.h"

namespace memoria::query {
namespace {

constexpr std::string_view kGeneric = "generic";

// The name of the field set in `oneof` of `message`, or "".
std::string_view OneofFieldName(const google::protobuf::Message& message,
                                std::string_view oneof_name) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::OneofDescriptor* oneof =
      descriptor->FindOneofByName(std::string(oneof_name));
  const google::protobuf::FieldDescriptor* field =
      message.GetReflection()->GetOneofFieldDescriptor(message, oneof);
  return field == nullptr ? std::string_view() : std::string_view(field->name());
}

std::vector<std::string> CollectNames() {
  std::vector<std::string> names;
  const auto add_oneof = [&](const google::protobuf::Descriptor* descriptor,
                             const char* oneof_name) {
    const google::protobuf::OneofDescriptor* oneof = descriptor->FindOneofByName(oneof_name);
    for (int i = 0; i < oneof->field_count(); ++i) {
      const std::string& name = oneof->field(i)->name();
      if (name != "policy") names.push_back(name);  // policy: its kinds below
    }
  };
  add_oneof(v1::Entry::descriptor(), "event");
  add_oneof(v1::PolicyEvent::descriptor(), "kind");
  return names;
}

}  // namespace

std::string_view EventTypeName(const v1::Entry& entry) {
  switch (entry.event_case()) {
    case v1::Entry::kPolicy:
      return OneofFieldName(entry.policy(), "kind");
    case v1::Entry::kGeneric:
      return kGeneric;
    default:
      return OneofFieldName(entry, "event");
  }
}

std::string_view GenericTypeName(const v1::Entry& entry) {
  return entry.has_generic() ? std::string_view(entry.generic().type()) : std::string_view();
}

const std::vector<std::string>& EventTypeNames() {
  static const std::vector<std::string> names = CollectNames();
  return names;
}

bool IsEventTypeName(std::string_view name) {
  const std::vector<std::string>& names = EventTypeNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace memoria::query
