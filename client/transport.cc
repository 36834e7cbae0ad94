#include "client/transport.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/grpc_status.h"
#include "ledger/status.h"

namespace memoria::client {
namespace {

// Failures worth another attempt after a backoff: the server unreachable or
// slow and, for a long read (GetRecords, Export), no place for it on the
// server right now (RESOURCE_EXHAUSTED "too many concurrent long reads",
// answered before anything is sent).
bool IsTransient(const grpc::Status& status, bool long_read = false) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         (long_read && status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoMicroseconds(timeout);
}

// Sends the reader credential (GetPersonalData, a disclosing Export), if any.
void AddReaderCredential(grpc::ClientContext& context, std::string_view reader_token) {
  if (!reader_token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", std::string(reader_token)));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Transport>> Transport::Create(
    CallOptions options, std::shared_ptr<grpc::Channel> channel) {
  if (channel == nullptr) return absl::InvalidArgumentError("no channel");
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError("retry.max_attempts must be at least 1");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the timeout must be positive");
  }
  return std::unique_ptr<Transport>(new Transport(std::move(options), std::move(channel)));
}

Transport::Transport(CallOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      ledger_stub_(v1::Ledger::NewStub(channel_)),
      policy_stub_(v1::Policy::NewStub(channel_)),
      transparency_stub_(v1::Transparency::NewStub(channel_)) {}

absl::Status Transport::Call(std::string_view rpc,
                             const std::function<grpc::Status(grpc::ClientContext&)>& call,
                             bool long_read) {
  absl::Duration backoff = options_.retry.initial_backoff;
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(options_.timeout));
    status = call(context);
    if (status.ok() || !IsTransient(status, long_read) || attempt >= options_.retry.max_attempts) {
      break;
    }
    WaitBeforeRetry(backoff);
  }
  return FromGrpcStatus(status, rpc);
}

void Transport::WaitBeforeRetry(absl::Duration& backoff) const {
  if (options_.sleep) {
    options_.sleep(backoff);
  } else {
    absl::SleepFor(backoff);
  }
  backoff = std::min(backoff * options_.retry.multiplier, options_.retry.max_backoff);
}

// ---- memoria.v1.Ledger ------------------------------------------------------------

absl::StatusOr<v1::Receipt> Transport::Append(const v1::AppendRequest& request) {
  v1::Receipt receipt;
  RETURN_IF_ERROR(Call("Append", [&](grpc::ClientContext& context) {
    receipt.Clear();
    return ledger_stub_->Append(&context, request, &receipt);
  }));
  return receipt;
}

absl::StatusOr<v1::AppendBatchResponse> Transport::AppendBatch(
    const v1::AppendBatchRequest& request) {
  v1::AppendBatchResponse response;
  RETURN_IF_ERROR(Call("AppendBatch", [&](grpc::ClientContext& context) {
    response.Clear();
    return ledger_stub_->AppendBatch(&context, request, &response);
  }));
  return response;
}

absl::StatusOr<v1::Info> Transport::GetInfo() {
  v1::Info info;
  RETURN_IF_ERROR(Call("GetInfo", [&](grpc::ClientContext& context) {
    info.Clear();
    return ledger_stub_->GetInfo(&context, v1::GetInfoRequest(), &info);
  }));
  return info;
}

absl::StatusOr<v1::CheckpointResponse> Transport::FetchCheckpoint(uint64_t tree_size) {
  v1::GetCheckpointRequest request;
  request.set_tree_size(tree_size);
  v1::CheckpointResponse response;
  RETURN_IF_ERROR(Call("GetCheckpoint", [&](grpc::ClientContext& context) {
    response.Clear();
    return ledger_stub_->GetCheckpoint(&context, request, &response);
  }));
  return response;
}

absl::StatusOr<v1::CheckpointResponse> Transport::FetchWitnessedCheckpoint() {
  v1::GetCheckpointRequest request;
  request.set_witnessed(true);
  v1::CheckpointResponse response;
  RETURN_IF_ERROR(Call("GetCheckpoint (witnessed)", [&](grpc::ClientContext& context) {
    response.Clear();
    return ledger_stub_->GetCheckpoint(&context, request, &response);
  }));
  return response;
}

absl::StatusOr<std::string> Transport::FetchLeaf(uint64_t index) {
  v1::GetRecordRequest request;
  request.set_index(index);
  v1::RecordResponse response;
  RETURN_IF_ERROR(Call("GetRecord", [&](grpc::ClientContext& context) {
    response.Clear();
    return ledger_stub_->GetRecord(&context, request, &response);
  }));
  return std::move(*response.mutable_leaf());
}

absl::Status Transport::ScanLeaves(
    uint64_t begin, uint64_t end,
    const std::function<absl::Status(uint64_t, std::string)>& visit) {
  if (begin > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("records [", begin, ", ", end, ") is not a range"));
  }
  uint64_t next = begin;
  absl::Status visit_status;
  uint64_t call_end = begin;
  auto stream = [&](grpc::ClientContext& context) {
    v1::GetRecordsRequest request;
    request.set_start(next);
    request.set_end(call_end);
    std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader =
        ledger_stub_->GetRecords(&context, request);
    v1::RecordResponse response;
    while (reader->Read(&response)) {
      if (response.index() != next || next >= call_end) {
        context.TryCancel();
        reader->Finish();
        return grpc::Status(grpc::StatusCode::INTERNAL,
                            absl::StrCat("the stream sent record ", response.index(), " where ",
                                         next, " was expected"));
      }
      visit_status = visit(next, std::move(*response.mutable_leaf()));
      if (!visit_status.ok()) {
        context.TryCancel();
        reader->Finish();
        return grpc::Status::OK;
      }
      ++next;
    }
    return reader->Finish();
  };
  while (next < end) {
    const uint64_t left = end - next;
    const uint64_t per_call = options_.records_per_call;
    call_end = next + (per_call == 0 ? left : std::min(left, per_call));
    for (;;) {
      const uint64_t before = next;
      absl::Status streamed = Call("GetRecords", stream, /*long_read=*/true);
      // A long scan outlives the per-attempt deadline: resume for as long as
      // each round of attempts brings records.
      const bool transient = absl::IsUnavailable(streamed) || absl::IsDeadlineExceeded(streamed);
      if (streamed.ok() || !transient || next == before || !visit_status.ok()) {
        RETURN_IF_ERROR(streamed);
        break;
      }
    }
    RETURN_IF_ERROR(visit_status);
    if (next != call_end) {
      return MarkServerError(absl::DataLossError(absl::StrCat(
          "GetRecords: the server sent ", next - begin, " records of [", begin, ", ", end, ")")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::InclusionProof> Transport::FetchInclusionProof(uint64_t index,
                                                                   uint64_t tree_size) {
  v1::GetInclusionProofRequest request;
  request.set_index(index);
  request.set_tree_size(tree_size);
  v1::InclusionProof proof;
  RETURN_IF_ERROR(Call("GetInclusionProof", [&](grpc::ClientContext& context) {
    proof.Clear();
    return ledger_stub_->GetInclusionProof(&context, request, &proof);
  }));
  return proof;
}

absl::StatusOr<v1::ConsistencyProof> Transport::FetchConsistencyProof(uint64_t first,
                                                                       uint64_t second) {
  v1::GetConsistencyProofRequest request;
  request.set_first(first);
  request.set_second(second);
  v1::ConsistencyProof proof;
  RETURN_IF_ERROR(Call("GetConsistencyProof", [&](grpc::ClientContext& context) {
    proof.Clear();
    return ledger_stub_->GetConsistencyProof(&context, request, &proof);
  }));
  return proof;
}

absl::Status Transport::WatchLeaves(uint64_t start, absl::Time deadline,
                                    const std::function<bool(uint64_t, std::string)>& visit) {
  grpc::ClientContext context;
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
  v1::WatchRequest request;
  request.set_start(start);
  std::unique_ptr<grpc::ClientReader<v1::RecordResponse>> reader = ledger_stub_->Watch(&context, request);
  v1::RecordResponse response;
  while (reader->Read(&response)) {
    if (!visit(response.index(), std::move(*response.mutable_leaf()))) {
      context.TryCancel();
      reader->Finish();
      return absl::OkStatus();
    }
  }
  return FromGrpcStatus(reader->Finish(), "Watch");
}

// ---- memoria.v1.Policy ------------------------------------------------------------

absl::StatusOr<v1::Inventory> Transport::GetInventory(const v1::InventoryRequest& request) {
  v1::Inventory inventory;
  RETURN_IF_ERROR(Call("GetInventory", [&](grpc::ClientContext& context) {
    inventory.Clear();
    return policy_stub_->GetInventory(&context, request, &inventory);
  }));
  return inventory;
}

absl::StatusOr<v1::Findings> Transport::GetFindings(const v1::FindingsRequest& request) {
  v1::Findings findings;
  RETURN_IF_ERROR(Call("GetFindings", [&](grpc::ClientContext& context) {
    findings.Clear();
    return policy_stub_->GetFindings(&context, request, &findings);
  }));
  return findings;
}

absl::StatusOr<v1::PersonalData> Transport::GetPersonalData(
    const v1::GetPersonalDataRequest& request, std::string_view reader_token) {
  v1::PersonalData data;
  RETURN_IF_ERROR(Call("GetPersonalData", [&](grpc::ClientContext& context) {
    data.Clear();
    AddReaderCredential(context, reader_token);
    return policy_stub_->GetPersonalData(&context, request, &data);
  }));
  return data;
}

absl::StatusOr<v1::Receipt> Transport::ErasePersonalData(const v1::AppendRequest& request) {
  v1::Receipt receipt;
  RETURN_IF_ERROR(Call("ErasePersonalData", [&](grpc::ClientContext& context) {
    receipt.Clear();
    return policy_stub_->ErasePersonalData(&context, request, &receipt);
  }));
  return receipt;
}

// ---- memoria.v1.Transparency --------------------------------------------------------

absl::StatusOr<v1::QueryResponse> Transport::Query(const v1::QueryRequest& request) {
  v1::QueryResponse response;
  RETURN_IF_ERROR(Call("Query", [&](grpc::ClientContext& context) {
    response.Clear();
    return transparency_stub_->Query(&context, request, &response);
  }));
  return response;
}

absl::Status Transport::Export(const v1::ExportRequest& request, std::string_view reader_token,
                               const std::function<absl::Status(v1::ExportItem&)>& visit) {
  v1::ExportRequest call = request;
  call.clear_results_after();
  call.set_max_results(options_.records_per_call);
  bool first_call = true;
  // Attempts of the current call refused for want of a place on the server.
  int attempt = 1;
  absl::Duration backoff = options_.retry.initial_backoff;
  for (;;) {
    grpc::ClientContext context;
    AddReaderCredential(context, reader_token);
    std::unique_ptr<grpc::ClientReader<v1::ExportItem>> reader =
        transparency_stub_->Export(&context, call);
    uint64_t results = 0;
    uint64_t limit = 0;  // as the call's header says the server applied it
    // The last result seen; every result must be above it.
    std::optional<uint64_t> last;
    if (call.has_results_after()) last = call.results_after();
    // Checks one message of this call; then passes it on, the header only
    // from the first call.
    auto take = [&](v1::ExportItem& item) -> absl::Status {
      if (item.has_header()) {
        limit = item.header().max_results();
        if (first_call) {
          call.set_tree_size(item.header().tree_size());
        } else if (item.header().tree_size() != call.tree_size()) {
          return MarkServerError(absl::DataLossError(absl::StrCat(
              "Export: a resumed call answered at tree size ", item.header().tree_size(),
              ", not ", call.tree_size())));
        }
      }
      for (const v1::ExportedRecord& record : item.records()) {
        if (record.trust() && !first_call) {
          return MarkServerError(absl::DataLossError(absl::StrCat(
              "Export: a resumed call sent trust record ", record.index(), " again")));
        }
        if (record.trust()) continue;
        if (last.has_value() && record.index() <= *last) {
          return MarkServerError(absl::DataLossError(absl::StrCat(
              "Export: the server sent result ", record.index(), " out of order")));
        }
        last = record.index();
        ++results;
      }
      if (!first_call) {
        item.clear_header();
        if (item.records().empty()) return absl::OkStatus();
      }
      return visit(item);
    };
    v1::ExportItem item;
    bool received = false;
    while (reader->Read(&item)) {
      received = true;
      if (absl::Status status = take(item); !status.ok()) {
        context.TryCancel();
        reader->Finish();
        return status;
      }
    }
    const grpc::Status finished = reader->Finish();
    if (!received && finished.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
        attempt < options_.retry.max_attempts) {
      // No place for the call yet; nothing of it was received: call again.
      ++attempt;
      WaitBeforeRetry(backoff);
      continue;
    }
    RETURN_IF_ERROR(FromGrpcStatus(finished, "Export"));
    attempt = 1;
    backoff = options_.retry.initial_backoff;
    if (limit != 0 && results > limit) {
      return MarkServerError(absl::DataLossError(absl::StrCat(
          "Export: the server sent ", results, " results in a call of at most ", limit)));
    }
    if (limit == 0 || results < limit) return absl::OkStatus();
    call.set_results_after(*last);
    first_call = false;
  }
}

}  // namespace memoria::client
