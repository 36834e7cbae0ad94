// A loopback TCP port for a server a test starts with a fixed port (nginx,
// Prometheus, --http-listen): one that was free a moment ago.
#pragma once

namespace memoria::testing {

// 0 if none could be found.
int FreePort();

}  // namespace memoria::testing
