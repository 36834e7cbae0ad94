// The witness of C2SP tlog-witness (https://c2sp.org/tlog-witness): for each
// configured log, the latest checkpoint it cosigned; add-checkpoint cosigns a
// new checkpoint only if it is consistent with that one.
//
//   ASSIGN_OR_RETURN(auto witness, Witness::Open(key, logs, data_dir, SystemClock()));
//   WitnessResponse response = witness->AddCheckpoint(request_body);  // an HTTP answer
//
// add-checkpoint's rules, in the order they are applied:
//   400  the request body is malformed (old size line, proof lines, the
//        note's syntax);
//   404  the checkpoint's origin is not a configured log;
//   403  no signature by a key trusted for the origin, or one that fails
//        (signatures by other keys are ignored);
//   400  the checkpoint body is malformed, or the old size exceeds its size;
//   409  the old size is not the size of the latest cosigned checkpoint (zero
//        if none): body "<stored size>\n", Content-Type text/x.tlog.size;
//   422  a size-zero checkpoint whose root is not the empty tree's; a proof
//        given with old size zero; old size == size with another root; a
//        consistency proof (RFC 6962 2.1.2) that does not verify;
//   200  otherwise: the new checkpoint is stored (synced) and the body is the
//        witness's cosignature line (Ed25519 cosignature/v1, timestamped).
// The check against the stored size and the store of the new one are done
// under the log's mutex, so two requests can never roll a log back (the race
// the spec describes). A 422 over a correctly signed checkpoint keeps evidence
// (the submitted note, the old size and proof, and the stored note), listed
// by ListEvidence. A failure to persist answers 500 and changes nothing.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "witness/witness_store.h"
#include "witness/witnessed_log.h"

namespace memoria::witness {

// HTTP statuses of add-checkpoint.
inline constexpr int kStatusOk = 200;
inline constexpr int kStatusBadRequest = 400;
inline constexpr int kStatusForbidden = 403;
inline constexpr int kStatusNotFound = 404;
inline constexpr int kStatusConflict = 409;
inline constexpr int kStatusUnprocessable = 422;
inline constexpr int kStatusInternalError = 500;

inline constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";

struct WitnessResponse {
  int status = kStatusOk;
  std::string content_type{kTextContentType};
  std::string body;  // cosignature lines; the stored size (409); else a reason
};

class Witness {
 public:
  // `key` must be of type 0x04 (cosignature/v1). Loads each log's stored
  // checkpoint from `data_dir` (created if missing). INVALID_ARGUMENT for a
  // wrong key type or a log configured twice; UNAVAILABLE or DATA_LOSS if
  // the stored state cannot be read or parsed.
  static absl::StatusOr<std::unique_ptr<Witness>> Open(Signer key, std::vector<WitnessedLog> logs,
                                                       std::string data_dir, const Clock& clock);

  // add-checkpoint with a request body (ledger/add_checkpoint_request.h).
  WitnessResponse AddCheckpoint(std::string_view request_body);
  // add-checkpoint with its parts already parsed.
  WitnessResponse AddCheckpoint(uint64_t old_size, std::span<const Hash> proof,
                                std::string_view signed_checkpoint);

  // The latest cosigned checkpoint of the log whose origin hashes (hex
  // SHA-256, lowercase) to `origin_hash`: its note with the log's verified
  // signatures and the witness's cosignature. nullopt if unknown or none yet.
  std::optional<std::string> LatestCheckpoint(std::string_view origin_hash) const;
  // The size of the latest cosigned checkpoint of `origin` (0 if none);
  // NOT_FOUND if the origin is not configured.
  absl::StatusOr<uint64_t> CosignedSize(std::string_view origin) const;

  absl::StatusOr<std::vector<std::string>> ListEvidence() const { return store_.ListEvidence(); }
  absl::StatusOr<std::string> ReadEvidence(std::string_view name) const {
    return store_.ReadEvidence(name);
  }

  const Verifier& verifier() const { return key_.verifier(); }

 private:
  struct LogState {
    WitnessedLog config;
    mutable absl::Mutex mu;
    uint64_t size ABSL_GUARDED_BY(mu) = 0;
    Hash root ABSL_GUARDED_BY(mu){};
    std::string note ABSL_GUARDED_BY(mu);  // empty until the first cosignature
  };

  Witness(Signer key, WitnessStore store, const Clock& clock)
      : key_(std::move(key)), store_(std::move(store)), clock_(clock) {}
  // Keeps the evidence of a correctly signed but inconsistent submission.
  void KeepEvidence(const LogState& log, std::string_view stored_note, uint64_t old_size,
                    std::span<const Hash> proof, std::string_view submitted,
                    std::string_view reason);

  const Signer key_;
  WitnessStore store_;
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<LogState>, std::less<>> logs_;  // by origin; fixed
  std::map<std::string, const LogState*, std::less<>> by_origin_hash_;
};

}  // namespace memoria::witness
