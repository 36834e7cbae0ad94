// The memoria-audit commands as functions from options to an exit code, so
// that main.cc only parses flags. Output: findings and a summary on stdout
// (or one JSON object with --json), errors and alerts on stderr, a progress
// bar on stderr when it is a terminal.
//
// Exit codes: 0 everything verified; 1 an integrity failure (any finding:
// a bad record, signature, chain link, root, checkpoint, rollback, fork);
// 2 a usage or I/O error (unreachable server, unreadable, garbled or
// truncated bundle or state file, a store that does not open).
#pragma once

#include <cstdint>
#include <string>

#include "client/connection.h"
#include "client/tile_http_source.h"
#include "ledger/verify/log_auditor.h"

namespace memoria::audit {

inline constexpr int kExitOk = 0;
inline constexpr int kExitIntegrity = 1;
inline constexpr int kExitUsage = 2;

enum class SourceKind { kServer, kBundle, kData, kTiles };

// A C2SP tlog-tiles log (memoria-server --tiles-dir, served by --http-listen
// or any web server, or a local copy of the directory): read with the
// verifying reader of ledger/verify/tiled_log.h.
struct TilesOptions {
  std::string location;  // http(s):// URL prefix, file:// URL or directory
  client::TileHttpOptions http;
  int parallel = 8;  // bundles (with their level-0 tiles) fetched at once
};

// With a --state FILE, the tiles modes keep beside it, in FILE.auditor, the
// auditor's resume point at the trusted checkpoint (ledger/verify/
// auditor_resume.h: the tree's right edge, the chain's tip, the trust
// chain), so that a later run reads and audits only the records added since:
// it is used when its size and root are the trusted checkpoint's, and the
// new checkpoint is proven consistent with the trusted one from the tiles;
// otherwise the log is replayed from record 0 (a note on stderr says why).
std::string AuditorResumePath(const std::string& state_path);

struct VerifyOptions {
  SourceKind source = SourceKind::kServer;
  // kServer; with kBundle (optional): where a request answer's searched
  // range is read from to check it complete (completeness.h).
  client::ConnectionOptions connection;
  std::string bundle_path;               // kBundle
  std::string data_dir;                  // kData: the server's data dir or its db/ directory
  TilesOptions tiles;                    // kTiles
  std::string log_vkey;                  // the pinned log key
  // Optional trusted state file (client::TrustedState: the signed note of
  // the last checkpoint verified, the format of the memoria CLI's --state).
  std::string state_path;
  // Optional C2SP tlog-policy file (kServer only): verify up to the server's
  // latest witnessed checkpoint, which must meet the policy's quorum (a
  // `witness` finding naming the missing witnesses otherwise).
  std::string witness_policy_path;
  bool json = false;
  bool progress = true;  // only drawn when stderr is a terminal
  AuditOptions audit;
};
int RunVerify(const VerifyOptions& options);

struct MonitorOptions {
  client::ConnectionOptions connection;  // the server, unless tiles.location is set
  TilesOptions tiles;                    // follow a tiled log instead of a server
  std::string log_vkey;
  std::string state_path;  // as VerifyOptions::state_path
  // Optional C2SP tlog-policy file: follow the server's witnessed checkpoints
  // (records are taken only once one covers them), each of which must meet
  // the policy's quorum (an alert naming the missing witnesses otherwise).
  std::string witness_policy_path;
  double interval_seconds = 5;  // checkpoint polling when idle
  bool once = false;            // stop once caught up with the latest checkpoint
  double max_seconds = 0;       // stop (exit 0 if all verified) after this long; 0: never
  bool json = false;
  AuditOptions audit;
};
int RunMonitor(const MonitorOptions& options);

// receipt: a saved receipt checked offline. It must carry its leaf (the
// record's bytes: "leaf" in the JSON, `extra` in tlog-proof text), whose hash
// is recomputed; its checkpoint must open under the log key and its inclusion
// proof lead to the checkpoint's root. The entry the record holds (writer,
// request id, event type) is printed, and checked against what the auditor
// expects: the record must be signed by `writer_vkey` (its key ID and a valid
// signature) and carry `request_id`, each if given. A mismatch is an
// integrity failure, "receipt is for another entry: ...".
struct ReceiptOptions {
  std::string log_vkey;
  // The receipt JSON of `memoria append --json`, or the c2sp.org/tlog-proof
  // text `memoria append` prints.
  std::string path;
  std::string writer_vkey;  // optional: the writer the entry must be by
  std::string request_id;   // optional: the request id the entry must carry
  // Optional C2SP tlog-policy file: the receipt's checkpoint must meet its
  // quorum (otherwise an integrity failure naming the missing witnesses).
  std::string witness_policy_path;
  bool json = false;
};
int RunReceipt(const ReceiptOptions& options);

}  // namespace memoria::audit
