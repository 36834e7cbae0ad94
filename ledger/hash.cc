#include "ledger/hash.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "ledger/sha256.h"

namespace memoria {

void InitCrypto() {
  if (sodium_init() < 0) std::abort();  // no usable RNG: nothing is safe to sign
}

Hash Sha256(std::string_view data) {
  Sha256Hasher hasher;
  hasher.Update(data);
  return std::move(hasher).Final();
}

namespace {
Hash PrefixedHash(char prefix, std::string_view a, std::string_view b) {
  Sha256Hasher hasher;
  hasher.Update({&prefix, 1});
  hasher.Update(a);
  hasher.Update(b);
  return std::move(hasher).Final();
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
