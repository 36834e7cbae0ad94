// Transport: how the client talks to a memoria-server — one channel, a stub
// per service (memoria.v1.Ledger, memoria.v1.Policy, memoria.v1.Transparency),
// a deadline per attempt and the retry policy, in one place. It returns what
// the server sends, unchecked: LedgerClient (ledger_client.h) verifies, and
// the CLI's policy commands check erasure receipts themselves.
//
// Retries. Every unary call gets options.timeout as its deadline per attempt
// and is retried on UNAVAILABLE and DEADLINE_EXCEEDED up to
// options.retry.max_attempts times with exponential backoff. A long read
// (ScanLeaves, Export) refused with RESOURCE_EXHAUSTED because the server
// holds as many as it allows ("too many concurrent long reads (N); retry
// later") is retried the same way; after the last attempt that status is
// returned (WatchLeaves, one attempt, returns it at once). Appends (and
// erasures) are retried with the same request bytes (so the same request
// id): the server answers a retry of an entry it already stored with the
// original receipt (and an erasure's deletion is idempotent).
//
// Errors: the server's gRPC status converted once (client/grpc_status.h:
// marked kServer, named after the RPC); INVALID_ARGUMENT for a bad range.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/policy_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"

namespace memoria::client {

struct RetryPolicy {
  // Attempts per call, the first included (1: no retry).
  int max_attempts = 5;
  // Wait before the second attempt; multiplied by `multiplier` after each
  // failure, up to `max_backoff`.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  double multiplier = 2.0;
};

// Deadlines, retries and the size of a long read's calls.
struct CallOptions {
  // Deadline of each attempt of a unary call (and of each stream call).
  absl::Duration timeout = absl::Seconds(10);
  // Records per call of a long read (ScanLeaves, Export), which takes as many
  // calls as it needs; 0: one call. gRPC's flow-control window grows while a
  // reader is slower than the server; one bounded call at a time bounds what
  // waits in its buffers (8,192 records of 1 KiB: about 16 MB with proofs).
  uint64_t records_per_call = 8192;
  RetryPolicy retry;
  // How the client waits between attempts; nullptr: absl::SleepFor. Tests
  // inject one to observe (or act on) retries.
  std::function<void(absl::Duration)> sleep;
};

class Transport {
 public:
  // INVALID_ARGUMENT without a channel, with retry.max_attempts < 1 or a
  // timeout that is not positive.
  static absl::StatusOr<std::unique_ptr<Transport>> Create(CallOptions options,
                                                           std::shared_ptr<grpc::Channel> channel);

  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  const CallOptions& options() const { return options_; }

  // ---- memoria.v1.Ledger ------------------------------------------------------------
  absl::StatusOr<v1::Receipt> Append(const v1::AppendRequest& request);
  absl::StatusOr<v1::AppendBatchResponse> AppendBatch(const v1::AppendBatchRequest& request);
  absl::StatusOr<v1::Info> GetInfo();
  // The server's answer as is (0: the latest).
  absl::StatusOr<v1::CheckpointResponse> FetchCheckpoint(uint64_t tree_size = 0);
  // The latest checkpoint cosigned by the server's witness quorum
  // (GetCheckpoint with witnessed = true), as is: the log's signature line,
  // then the witnesses' cosignature lines. The server answers
  // FAILED_PRECONDITION if it has no witnesses, NOT_FOUND if none is
  // cosigned yet.
  absl::StatusOr<v1::CheckpointResponse> FetchWitnessedCheckpoint();
  // Record bytes as the server sends them.
  absl::StatusOr<std::string> FetchLeaf(uint64_t index);
  // Streams records [begin, end), calling `visit(index, leaf)` in order;
  // stops at (and returns) the first error `visit` returns. One call per
  // records_per_call records; a call broken by a transient error (the
  // per-attempt deadline included) resumes where it stopped, for as long as
  // each round of attempts brings records. A server that sends a record out
  // of order (INTERNAL) or too few (DATA_LOSS) is a server error.
  absl::Status ScanLeaves(uint64_t begin, uint64_t end,
                          const std::function<absl::Status(uint64_t, std::string)>& visit);
  absl::StatusOr<v1::InclusionProof> FetchInclusionProof(uint64_t index, uint64_t tree_size);
  absl::StatusOr<v1::ConsistencyProof> FetchConsistencyProof(uint64_t first, uint64_t second);
  // Follows the log from `start` (the Watch stream), calling `visit(index,
  // leaf)` for every record as the server sends it (the index as sent: the
  // caller checks the order), until `visit` returns false (then OK).
  // Otherwise returns the stream's end: DEADLINE_EXCEEDED once `deadline`
  // passes, the server's status if it ends the stream. One attempt, no retry:
  // the caller decides where to resume.
  absl::Status WatchLeaves(uint64_t start, absl::Time deadline,
                           const std::function<bool(uint64_t, std::string)>& visit);

  // ---- memoria.v1.Policy ------------------------------------------------------------
  absl::StatusOr<v1::Inventory> GetInventory(const v1::InventoryRequest& request);
  absl::StatusOr<v1::Findings> GetFindings(const v1::FindingsRequest& request);
  // `reader_token` is sent as the reader credential.
  absl::StatusOr<v1::PersonalData> GetPersonalData(const v1::GetPersonalDataRequest& request,
                                                   std::string_view reader_token);
  absl::StatusOr<v1::Receipt> ErasePersonalData(const v1::AppendRequest& request);

  // ---- memoria.v1.Transparency --------------------------------------------------------
  // One page of a query, as the server sends it.
  absl::StatusOr<v1::QueryResponse> Query(const v1::QueryRequest& request);
  // Runs an export, calling `visit` with each message in order (the header
  // first, once); stops at (and returns) the first error `visit` returns,
  // cancelling the stream. Reads records_per_call results per call (later
  // calls resume after the last result, at the first call's tree size; a
  // server that sends a result out of order, or another tree size, is an
  // error); sets the request's max_results and results_after itself.
  // `reader_token`, if not empty, is sent as the reader credential. No
  // deadline and no retry (except a call refused with RESOURCE_EXHAUSTED
  // before it sent anything): an export of millions of records takes minutes.
  absl::Status Export(const v1::ExportRequest& request, std::string_view reader_token,
                      const std::function<absl::Status(v1::ExportItem&)>& visit);

 private:
  Transport(CallOptions options, std::shared_ptr<grpc::Channel> channel);

  // Runs `call` with a fresh context and deadline per attempt, retrying
  // transient failures (for a long read, RESOURCE_EXHAUSTED too); the
  // grpc::Status is converted here.
  absl::Status Call(std::string_view rpc,
                    const std::function<grpc::Status(grpc::ClientContext&)>& call,
                    bool long_read = false);
  // Sleeps `backoff` (options.sleep), then grows it for the next attempt.
  void WaitBeforeRetry(absl::Duration& backoff) const;

  const CallOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::Ledger::Stub> ledger_stub_;
  const std::unique_ptr<v1::Policy::Stub> policy_stub_;
  const std::unique_ptr<v1::Transparency::Stub> transparency_stub_;
};

}  // namespace memoria::client
