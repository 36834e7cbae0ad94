// The server's log lines (--log-format text|json) and the fields a line
// carries besides its message (the request id of the call it is about).
//
//   SetLogFormat(LogFormat::kJson);              // spdlog's default logger
//   {
//     LogFields fields({{"request_id", id}, {"method", "Append"}});
//     spdlog::debug("rejected: {}", why);        // carries both fields
//   }
//
// text (the default): spdlog's usual "[2026-12-03 19:27:16.123] [info] msg",
//   then " key=value" for each field (values escaped as EscapeForLog does).
// json: one object per line, fields in this order:
//   {"time":"2026-12-03T19:27:16.123456Z","level":"info","msg":"...",<fields>}
//   time is RFC 3339 in UTC with microseconds; level is one of trace, debug,
//   info, warn, error, critical; every value is a JSON string, escaped by
//   JsonQuote (so no message or field can end its line or forge another).
//
// Fields are per thread (a LogFields lives on the stack of the thread that
// logs): a line logged on another thread does not carry them. Thread-safe.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace spdlog {
class formatter;
}

namespace memoria::server {

enum class LogFormat { kText, kJson };

// "text" or "json"; INVALID_ARGUMENT otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name);

// A formatter for `format` (tests format log_msgs with it).
std::unique_ptr<spdlog::formatter> NewLogFormatter(LogFormat format);
// Installs NewLogFormatter(format) on spdlog's default logger.
void SetLogFormat(LogFormat format);

// `text` as a JSON string, quotes included: ", \ and control characters
// escaped (\n, \t, \u0001, ...), bytes that are not valid UTF-8 replaced by
// U+FFFD; valid UTF-8 (accents, ñ) kept as it is.
std::string JsonQuote(std::string_view text);

// Adds fields to every line this thread logs while it lives (nested ones
// add theirs after the outer ones'). Names are fixed by the code (snake_case);
// values may be untrusted.
class LogFields {
 public:
  LogFields(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  ~LogFields();
  LogFields(const LogFields&) = delete;
  LogFields& operator=(const LogFields&) = delete;

 private:
  size_t added_ = 0;
};

}  // namespace memoria::server
