#include "ledger/hash.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace memoria {

void InitCrypto() {
  if (sodium_init() < 0) std::abort();  // no usable RNG: nothing is safe to sign
}

Hash Sha256(std::string_view data) {
  Hash out;
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

namespace {
Hash PrefixedHash(uint8_t prefix, std::string_view a, std::string_view b) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, &prefix, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}
}  // namespace

Hash LeafHash(std::string_view leaf_bytes) { return PrefixedHash(0x00, leaf_bytes, {}); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return PrefixedHash(0x01, AsBytes(left), AsBytes(right));
}

Hash EmptyRoot() { return Sha256({}); }

std::string_view AsBytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

absl::StatusOr<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) {
    return absl::InvalidArgumentError("hash must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  Hash out;
  std::memcpy(out.data(), bytes.data(), kHashSize);
  return out;
}

}  // namespace memoria
