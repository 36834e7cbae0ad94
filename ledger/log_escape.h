// Text that came from a client (writer names, request ids, and the status
// messages that quote them) as it goes into a server log line: quotes,
// backslashes and every byte that is not printable ASCII are escaped
// (absl::CHexEscape: "\n", "\x01", "\xc3"), so that a client can neither
// forge log lines nor break them.
//
//   spdlog::debug("rejected {}: {}", method, EscapeForLog(status.ToString()));
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/escaping.h"

namespace memoria {

inline std::string EscapeForLog(std::string_view untrusted) {
  return absl::CHexEscape(absl::string_view(untrusted.data(), untrusted.size()));
}

}  // namespace memoria
