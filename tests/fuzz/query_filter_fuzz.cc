// Query filters (ledger/query/query.h): the input is a serialized
// memoria.v1.QueryRequest (the filter and order a client sends). ValidateFilter,
// and for a valid filter RecordQuery::Prepare and a first Find over an empty
// log. Property: a valid filter prepares (or is RESOURCE_EXHAUSTED) and finds
// nothing in an empty log.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "ledger/log.h"
#include "ledger/query/query.h"
#include "memoria/v1/query.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const std::string& ScratchDir() {
  static const std::string dir =
      (std::filesystem::temp_directory_path() / ("memoria-query-fuzz-" + std::to_string(::getpid())))
          .string();
  return dir;
}

void RemoveScratch() {
  std::error_code ignored;
  std::filesystem::remove_all(ScratchDir(), ignored);
}

const memoria::Log& EmptyLog() {
  static const memoria::Log* log = [] {
    RemoveScratch();
    std::atexit(RemoveScratch);
    absl::StatusOr<std::unique_ptr<memoria::Log>> opened = memoria::Log::Open(
        {.path = ScratchDir() + "/db", .block_cache_bytes = 1 << 20, .node_memory_bytes = 1 << 20,
         .reserved_disk_bytes = 0},
        memoria::fuzz::LogKey());
    FUZZ_CHECK(opened.ok(), "cannot open the scratch log: " + opened.status().ToString());
    return opened->release();
  }();
  return *log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const Log& log = EmptyLog();
  v1::QueryRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const absl::Status valid = query::ValidateFilter(request.filter());
  if (!valid.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(valid), "ValidateFilter error is not INVALID_ARGUMENT");
    return 0;
  }
  absl::StatusOr<query::RecordQuery> prepared =
      query::RecordQuery::Prepare(log, request.filter(), 0, request.order());
  if (!prepared.ok()) {
    FUZZ_CHECK(absl::IsResourceExhausted(prepared.status()),
               "a valid filter does not prepare: " + prepared.status().ToString());
    return 0;
  }
  absl::StatusOr<query::QueryPage> page = prepared->Find(std::nullopt, 10);
  FUZZ_CHECK(page.ok(), "Find fails on an empty log: " + page.status().ToString());
  FUZZ_CHECK(page->indexes.empty() && !page->next.has_value(), "Find found records in an empty log");
  return 0;
}
