// WitnessClient: the log's side of one witness's C2SP tlog-witness API
// (https://c2sp.org/tlog-witness): POST <url>/add-checkpoint over HTTP or
// HTTPS (cpp-httplib's client, the library memoria-witness serves with).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<WitnessClient> client,
//                    WitnessClient::Create(policy_witness, absl::Seconds(5)));
//   ASSIGN_OR_RETURN(WitnessAnswer answer, client->AddCheckpoint(request));
//   if (answer.cosignature) note += *answer.cosignature;   // 200
//   else old_size = answer.witness_size;                    // 409: send again from there
//
// Not thread-safe: one thread uses a client (the witnessing loop gives each
// witness its own thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/add_checkpoint_request.h"
#include "ledger/verify/witness_policy.h"

namespace httplib {
class Client;
}

namespace memoria::server {

// What a witness answered that is not an error.
struct WitnessAnswer {
  // 200: the witness's cosignature line ("— name base64\n"), verified with its
  // key over the checkpoint sent.
  std::optional<std::string> cosignature;
  // 409: the size of the latest checkpoint the witness cosigned for this log
  // (0 if none); the request must be sent again with this old size.
  uint64_t witness_size = 0;
};

class WitnessClient {
 public:
  // INVALID_ARGUMENT if the witness has no URL or it is not http:// or
  // https://host[:port][/prefix]. `timeout` bounds connecting, sending and
  // reading, each.
  static absl::StatusOr<std::unique_ptr<WitnessClient>> Create(const PolicyWitness& witness,
                                                               absl::Duration timeout);
  ~WitnessClient();
  WitnessClient(const WitnessClient&) = delete;
  WitnessClient& operator=(const WitnessClient&) = delete;

  const PolicyWitness& witness() const { return witness_; }

  // Sends the request. A 200 whose body holds no line by the witness's key
  // that verifies over the request's checkpoint is PERMISSION_DENIED; the
  // other statuses become errors whose message has the witness's name, the
  // status and the witness's text: 400 INVALID_ARGUMENT, 403
  // PERMISSION_DENIED, 404 NOT_FOUND, 422 FAILED_PRECONDITION (the witness
  // finds the checkpoint inconsistent with what it cosigned), a 409 whose
  // body is not a size INVALID_ARGUMENT, anything else (and a failure to
  // connect or a timeout) UNAVAILABLE.
  absl::StatusOr<WitnessAnswer> AddCheckpoint(const AddCheckpointRequest& request);

 private:
  WitnessClient(PolicyWitness witness, std::unique_ptr<httplib::Client> http, std::string path);

  const PolicyWitness witness_;
  std::unique_ptr<httplib::Client> http_;
  const std::string path_;  // <prefix>/add-checkpoint
};

}  // namespace memoria::server
