// Helpers shared by the ledger unit tests: a scratch directory per test, the
// published signed-note vectors, and small conversions that fail the test
// (rather than return a status) when their input is wrong.
#pragma once

#include <string>
#include <string_view>

#include "ledger/hash.h"
#include "tests/support/temp_dir.h"

namespace memoria::testing {

// A fresh directory per test, removed afterwards.
using ScopedTempDir = TempDir;

// The root of the shared test vectors (MEMORIA_TESTDATA).
std::string TestDataDir();

// Whole-file read; fails the test (and returns "") if it cannot.
std::string ReadFileOrDie(const std::string& path);

// Standard padded base64 and lowercase hex of test constants, implemented here
// independently of ledger/encoding.h. The decoders abort the test binary on a
// typo in a constant.
std::string Unbase64(std::string_view text);
std::string Base64(std::string_view bytes);
std::string Unhex(std::string_view text);
Hash HashFromHex(std::string_view hex);
// `bytes` must be 32 bytes long.
Hash ToHash(std::string_view bytes);

// Signed-note vector 1 (golang.org/x/mod/sumdb/note) and vector 2 (C2SP spec),
// as given in testdata/signed-note.md.
inline constexpr std::string_view kVector1Skey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
inline constexpr std::string_view kVector1Vkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
inline constexpr std::string_view kVector1Text =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
inline constexpr std::string_view kVector1Note =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

inline constexpr std::string_view kVector2Vkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
inline constexpr std::string_view kVector2Text = "This is an example message.\n";
inline constexpr std::string_view kVector2Note =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

// U+2014 EM DASH and a space: how every signature line starts.
inline constexpr std::string_view kSignatureLinePrefix = "\xe2\x80\x94 ";

}  // namespace memoria::testing
