// Numeric command-line flags never take negative numbers: CLI11 parses "-1"
// into an unsigned option as 2^64-1 (`memoria get --index -1` asked for
// record 18446744073709551615). One validator, applied to every numeric
// option of an app (memoria, memoria-audit) after its options are declared.
//
//   RefuseNegativeNumbers(app);  // before app.parse(...)
//
// A negative value is then a CLI11 ValidationError, "--index: must not be
// negative (got -1)", which both binaries turn into exit code 2.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace memoria::client::cli {

// Refuses a value that starts with '-'.
inline const CLI::Validator& NonNegative() {
  static const CLI::Validator validator(
      [](std::string& value) -> std::string {
        const size_t first = value.find_first_not_of(" \t");
        if (first == std::string::npos || value[first] != '-') return "";
        return "must not be negative (got " + value + ")";
      },
      "");
  return validator;
}

// Adds NonNegative() to every integer and floating-point option of `app` and
// of its subcommands, recursively.
inline void RefuseNegativeNumbers(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    if (type == "UINT" || type == "INT" || type == "FLOAT") option->check(NonNegative());
  }
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    RefuseNegativeNumbers(*command);
  }
}

}  // namespace memoria::client::cli
