// Text encodings used by the interop formats: standard base64 (RFC 4648, with
// padding, as in C2SP notes and RFC 6962 JSON) and lowercase hex.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace memoria {

std::string Base64Encode(std::string_view bytes);
// Strict: standard alphabet, padding required, no whitespace; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

// Decodes UTF-8 (rejecting overlong forms, surrogates and code points past
// U+10FFFF) and calls `visit` on each code point while it returns true.
// Returns false if `text` is not valid UTF-8 or `visit` returned false.
bool ForEachCodePoint(std::string_view text, const std::function<bool(uint32_t)>& visit);

std::string HexEncode(std::string_view bytes);
// INVALID_ARGUMENT unless `text` is an even number of hex digits.
absl::StatusOr<std::string> HexDecode(std::string_view text);

// Big-endian fixed-width integers, as used in RocksDB keys (so that byte order
// is numeric order) and in key IDs.
std::string EncodeBigEndian64(uint64_t value);
uint64_t DecodeBigEndian64(std::string_view eight_bytes);
std::string EncodeBigEndian32(uint32_t value);
uint32_t DecodeBigEndian32(std::string_view four_bytes);

}  // namespace memoria
