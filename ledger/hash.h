// RFC 6962 / RFC 9162 hashing (SHA-256: ledger/sha256.h).
//
//   leaf hash = SHA-256(0x00 || leaf bytes)
//   node hash = SHA-256(0x01 || left || right)
//   root of the empty tree = SHA-256("")
//
// All functions are pure and thread-safe. Call InitCrypto() once before using
// keys (ledger/keys.h): it initializes libsodium.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace memoria {

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

// Initializes libsodium; safe to call many times and from many threads.
// Aborts the process if libsodium cannot be initialized (no usable RNG).
void InitCrypto();

Hash Sha256(std::string_view data);
Hash LeafHash(std::string_view leaf_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// The 32 bytes of `hash` as a string_view (valid while `hash` lives).
std::string_view AsBytes(const Hash& hash);
// INVALID_ARGUMENT unless `bytes` is exactly 32 bytes long.
absl::StatusOr<Hash> HashFromBytes(std::string_view bytes);

}  // namespace memoria
