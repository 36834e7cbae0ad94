// Shared by the fuzz targets of tests/fuzz/: fixed keys (so that inputs
// signed by them, from the seed corpora, reach the code past signature
// checks), and FUZZ_CHECK, which aborts on a broken property (libFuzzer then
// saves the input as a crash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/keys.h"
#include "ledger/note.h"

namespace memoria::fuzz {

// Deterministic keys: seed = SHA-256("memoria fuzz key " || name). The log's
// name is the origin of the checkpoints the corpora hold.
inline constexpr std::string_view kLogSkey =
    "PRIVATE+KEY+memoria.fuzz/log+8e80cfd2+AfYsbfMtit2xbrf+sv+06bR1fYvOwsQpAYFcgRHBZAQ7";
inline constexpr std::string_view kAdminSkey =
    "PRIVATE+KEY+memoria.fuzz/admin+66a290e9+AQq4/EuJDYEypyq8p8LDCnPjai351oKixTgxonF3y4e5";
inline constexpr std::string_view kWriterSkey =
    "PRIVATE+KEY+svc-fuzz+66c0666f+AXIEXNC7zIQdNFWsUzmjaai0qhjWudn3i/myH3eE4rDQ";
// Witnesses: cosignature/v1 keys (type 0x04).
inline constexpr std::string_view kWitness1Skey =
    "PRIVATE+KEY+witness.fuzz/w1+0845a962+BDH6mL//pNXp1j+uzzxF3rnU23WxDU+jZNvwg98hjApC";
inline constexpr std::string_view kWitness2Skey =
    "PRIVATE+KEY+witness.fuzz/w2+152190d9+BLTUTrOGI/6HJuu9rNm4iUHCs9Ajk7462cucBMwiFXbx";

// The keys above, parsed once (InitCrypto() is called first).
const Signer& LogKey();
const Signer& AdminKey();
const Signer& WriterKey();
const Signer& Witness1Key();
const Signer& Witness2Key();

// The fuzz input as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A signed note from its parts: text, blank line, one line per signature
// (name, key ID and signature bytes as ParseNote reports them).
std::string FormatNote(const OpenedNote& note);

// Prints `what` and the input's size, then aborts.
[[noreturn]] void Fail(const char* file, int line, const std::string& what);

}  // namespace memoria::fuzz

#define FUZZ_CHECK(condition, what)                                          \
  do {                                                                       \
    if (!(condition)) ::memoria::fuzz::Fail(__FILE__, __LINE__, (what));    \
  } while (false)
