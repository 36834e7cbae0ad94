// Errors as values: absl::Status / absl::StatusOr with canonical codes, and the
// two macros that keep call sites short.
//
//   absl::StatusOr<Hash> Root();
//   absl::Status Check() {
//     ASSIGN_OR_RETURN(Hash root, Root());
//     RETURN_IF_ERROR(Compare(root));
//     return absl::OkStatus();
//   }
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MEMORIA_STATUS_CONCAT_INNER(a, b) a##b
#define MEMORIA_STATUS_CONCAT(a, b) MEMORIA_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                                      \
  do {                                                             \
    if (::absl::Status memoria_status_ = (expr); !memoria_status_.ok()) \
      return memoria_status_;                                      \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs` (a declaration
// or an assignable expression).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  MEMORIA_ASSIGN_OR_RETURN_IMPL(MEMORIA_STATUS_CONCAT(memoria_statusor_, __LINE__), lhs, rexpr)

#define MEMORIA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).value()
