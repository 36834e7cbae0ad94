// The HTTP surface of memoria-witness, as C2SP tlog-witness specifies it
// (https://c2sp.org/tlog-witness), on a cpp-httplib server:
//
//   POST /add-checkpoint           the request body of ledger/add_checkpoint_request.h;
//                                  200 with the cosignature line(s), or 400,
//                                  403, 404, 409 (text/x.tlog.size), 422
//   GET  /<origin hash>/checkpoint the latest cosigned checkpoint of a log
//                                  (hex SHA-256 of the origin); 404 if none
//   GET  /evidence                 the names of the evidence kept, one a line
//   GET  /evidence/<name>          one piece of evidence
//
// cpp-httplib (Debian's libcpp-httplib-dev) was chosen because it is a small,
// well-kept HTTP server with keep-alive and a thread pool, one header and one
// library, with no event-loop framework to integrate: the witness answers
// each request synchronously, which is all tlog-witness needs.
//
// Thread-safety: the routes call `witness` from cpp-httplib's worker
// threads; Witness is thread-safe. `witness` must outlive `server`.
#pragma once

#include <cstddef>

namespace httplib {
class Server;
}

namespace memoria::witness {

class Witness;

// The largest request body accepted (a checkpoint with many signatures and
// 63 proof lines is well below it).
inline constexpr size_t kMaxRequestBytes = 64 * 1024;

void RegisterWitnessRoutes(httplib::Server& server, Witness& witness);

}  // namespace memoria::witness
