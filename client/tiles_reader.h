// The verified reads of LedgerClient (client/ledger_client.h) from a log's
// C2SP tlog-tiles alone: no gRPC, no server of ours, only static files served
// by memoria-server --http-listen, nginx, a CDN, or a local copy of
// --tiles-dir (client/tile_http_source.h).
//
//   ASSIGN_OR_RETURN(auto reader, TilesReader::Open("https://example.org/log", log_key, "memoria.state"));
//   ASSIGN_OR_RETURN(VerifiedRecord record, reader->GetRecord(42));
//   ASSIGN_OR_RETURN(VerifiedRecord held, reader->VerifyReceipt(receipt));
//
// Trust model, as LedgerClient's: a trusted checkpoint (TrustedState, the
// same state file format) that every new one must extend. Update fetches the
// tiles' checkpoint, which must open under the pinned log key and be
// consistent with the trusted one (a smaller one is a rollback, the same size
// with another root a fork, a larger one needs an RFC 9162 consistency proof,
// computed from the tiles and verified against both signed roots); it is then
// trusted (persisted first). Records are read by their inclusion proofs,
// computed from the tiles, into that checkpoint (ledger/verify/tiled_log.h).
//
// Errors carry their kind (client/errors.h): verification failures (a
// checkpoint by another key, a rollback, a fork, a tile or bundle that does
// not lead to the signed root); server errors for what the tiles' host
// answered or did not (NOT_FOUND naming the missing resource, UNAVAILABLE,
// DEADLINE_EXCEEDED); local errors otherwise (the state file).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/ledger_client.h"
#include "client/tile_http_source.h"
#include "client/trusted_state.h"
#include "ledger/keys.h"
#include "ledger/verify/receipt.h"
#include "ledger/verify/tile_source.h"
#include "ledger/verify/tiled_log.h"
#include "memoria/v1/ledger.pb.h"

namespace memoria::client {

class TilesReader {
 public:
  // `location`: OpenTileSource's. `state_file`: TrustedState::Load's (empty:
  // nothing trusted, nothing kept).
  static absl::StatusOr<std::unique_ptr<TilesReader>> Open(const std::string& location,
                                                           const Verifier& log_key,
                                                           const std::string& state_file,
                                                           const TileHttpOptions& http = {});
  TilesReader(std::unique_ptr<TileSource> source, Verifier log_key, TrustedState state);

  // The tiles' checkpoint, checked against the trusted one and then trusted.
  absl::StatusOr<TrustedCheckpoint> Update();

  // Record `index` of the checkpoint Update trusts (Update first),
  // verified by its inclusion proof. OUT_OF_RANGE (local) beyond its size.
  absl::StatusOr<VerifiedRecord> GetRecord(uint64_t index);

  // A saved receipt (ParseSavedReceipt, ReceiptFromProto: it must carry its
  // leaf) checked against the tiles: VerifyReceipt (its
  // checkpoint, proof and leaf), then the tiles' log (Update) must still
  // hold it: the receipt's checkpoint consistent with the tiles' (a proof
  // from the tiles; a smaller tiles' checkpoint is a rollback), and the record
  // at its index there its leaf. Returns that record.
  absl::StatusOr<VerifiedRecord> VerifyReceipt(const Receipt& receipt);

  const std::optional<TrustedCheckpoint>& trusted() const { return state_.current(); }

 private:
  std::unique_ptr<TileSource> source_;
  const Verifier log_key_;
  TrustedState state_;
  TiledLog tiles_;
};

}  // namespace memoria::client
