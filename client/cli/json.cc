#include "client/cli/json.h"

#include "ledger/verify/bundle.h"

namespace memoria::client::cli {

void JsonWriter::Key(std::string_view key) {
  if (!body_.empty()) body_ += ',';
  body_ += JsonQuote(key);
  body_ += ':';
}

JsonWriter& JsonWriter::AddString(std::string_view key, std::string_view value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}

JsonWriter& JsonWriter::AddUint(std::string_view key, uint64_t value) {
  Key(key);
  body_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::AddInt(std::string_view key, int64_t value) {
  Key(key);
  body_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::AddBool(std::string_view key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::AddStringArray(std::string_view key,
                                       const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const std::string& value : values) quoted.push_back(JsonQuote(value));
  return AddRaw(key, JsonArray(quoted));
}

JsonWriter& JsonWriter::AddRaw(std::string_view key, std::string_view json) {
  Key(key);
  body_ += json;
  return *this;
}

std::string JsonWriter::ToString() const { return "{" + body_ + "}"; }

std::string JsonArray(const std::vector<std::string>& json_values) {
  std::string out = "[";
  for (size_t i = 0; i < json_values.size(); ++i) {
    if (i > 0) out += ',';
    out += json_values[i];
  }
  out += ']';
  return out;
}

}  // namespace memoria::client::cli
