// Page tokens (ledger/query/query.h): the input is a serialized
// memoria.v1.QueryRequest; its page_token is decoded for its filter and
// order. Properties: a decoded token, encoded again, decodes to the same
// token; a token never decodes for another order, nor for an order outside
// the enum; tokens made of the input's numbers round-trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/query/query.h"
#include "memoria/v1/query.pb.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  v1::QueryRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) {
    // Not a request: the bytes as a token of the empty filter.
    (void)query::DecodePageToken(fuzz::AsText(data, size), v1::QueryFilter(), v1::OLDEST_FIRST);
    return 0;
  }
  const v1::QueryFilter& filter = request.filter();
  const v1::QueryOrder order = request.order();
  const v1::QueryOrder other = order == v1::OLDEST_FIRST ? v1::NEWEST_FIRST : v1::OLDEST_FIRST;
  if (!query::ValidateOrder(order).ok()) {
    // An order outside the enum: no token decodes for it.
    FUZZ_CHECK(!query::DecodePageToken(request.page_token(), filter, order).ok(),
               "a page token decodes for an order outside the enum");
    return 0;
  }

  absl::StatusOr<query::PageToken> token = query::DecodePageToken(request.page_token(), filter, order);
  if (token.ok()) {
    FUZZ_CHECK(token->next < token->tree_size, "a decoded token starts beyond its tree");
    absl::StatusOr<query::PageToken> again =
        query::DecodePageToken(query::EncodePageToken(filter, order, *token), filter, order);
    FUZZ_CHECK(again.ok() && again->tree_size == token->tree_size && again->next == token->next,
               "page token round trip changed the token");
    FUZZ_CHECK(!query::DecodePageToken(request.page_token(), filter, other).ok(),
               "a page token decodes for another order");
  }

  // A token of the request's own numbers.
  const query::PageToken made{.tree_size = request.page_size() + uint64_t{1},
                              .next = request.page_size()};
  absl::StatusOr<query::PageToken> decoded =
      query::DecodePageToken(query::EncodePageToken(filter, order, made), filter, order);
  FUZZ_CHECK(decoded.ok() && decoded->tree_size == made.tree_size && decoded->next == made.next,
             "a token made here does not decode: " + decoded.status().ToString());
  return 0;
}
