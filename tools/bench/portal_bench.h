// The citizens' portal over HTTP (server/portal/): part of the query bench
// (`memoria-bench --query`), on its server of --records policy events,
// started with --http-listen. Measured with a plain HTTP client on loopback:
//   - page load: GET /, /portal.js, /portal.css, /favicon.svg and
//     /api/v1/info in turn (what a first visit fetches; no rendering), 50 times;
//   - search: /api/v1/records pages of 50 for four filters (type; account;
//     account + type + a 60-day date window; a second page by its token),
//     50 each, p50 and p95;
//   - a record page's API answer (/api/v1/records/<N>, record, proof,
//     checkpoint) for random N, 100 times.
// With MEMORIA_BENCH_PORTAL_HOOK set, that command is then run with the
// portal's base URL and a record index as arguments, while the server is up
// (tests/portal/measure.mjs: page load and verification in a real browser).
#pragma once

#include <cstdint>
#include <string>

#include "tools/bench/report.h"

namespace memoria::bench {

void RunPortalBench(int http_port, Report& report);

// A loopback port free a moment ago (0 if none), for --http-listen.
int FreeLoopbackPort();

}  // namespace memoria::bench
