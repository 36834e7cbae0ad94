// A small JSON writer for the CLI's --json output: objects keep the order in
// which fields are added, so output matches the documented interop shapes
// ({"index":I,"tree_size":N,...}) field for field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memoria::client::cli {

// (Strings are quoted with memoria::JsonQuote, ledger/verify/bundle.h, which also
// has the parser, memoria::JsonWriter.)

class JsonWriter {
 public:
  JsonWriter& AddString(std::string_view key, std::string_view value);
  JsonWriter& AddUint(std::string_view key, uint64_t value);
  JsonWriter& AddInt(std::string_view key, int64_t value);
  JsonWriter& AddBool(std::string_view key, bool value);
  JsonWriter& AddStringArray(std::string_view key, const std::vector<std::string>& values);
  // `json` must be valid JSON (an object, array, number, ...).
  JsonWriter& AddRaw(std::string_view key, std::string_view json);
  JsonWriter& AddObject(std::string_view key, const JsonWriter& object) {
    return AddRaw(key, object.ToString());
  }

  // Compact: {"a":1,"b":"x"}
  std::string ToString() const;

 private:
  void Key(std::string_view key);
  std::string body_;
};

// A JSON array of already-serialized values.
std::string JsonArray(const std::vector<std::string>& json_values);

}  // namespace memoria::client::cli
