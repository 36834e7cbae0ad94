#include "ledger/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace memoria {
namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "memoria: libcrypto SHA-256 failed: %s\n", what);
  std::abort();
}

// Fetched once: an explicit fetch spares every digest OpenSSL 3's lookup by
// name (half the cost of a 65-byte node hash).
const EVP_MD* Algorithm() {
  static EVP_MD* const algorithm = [] {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) Fail("no SHA256 implementation");
    return md;
  }();
  return algorithm;
}

EVP_MD_CTX* NewContext() {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) Fail("out of memory");
  return context;
}

}  // namespace

void Sha256Hasher::FreeContext::operator()(evp_md_ctx_st* context) const {
  EVP_MD_CTX_free(context);
}

Sha256Hasher::Sha256Hasher() : context_(NewContext()) {
  if (EVP_DigestInit_ex2(context_.get(), Algorithm(), nullptr) != 1) Fail("init");
}

Sha256Hasher::Sha256Hasher(const Sha256Hasher& other) {
  if (other.context_ == nullptr) return;  // a copy of a spent hasher is spent
  context_.reset(NewContext());
  if (EVP_MD_CTX_copy_ex(context_.get(), other.context_.get()) != 1) Fail("copy");
}

Sha256Hasher& Sha256Hasher::operator=(const Sha256Hasher& other) {
  if (this != &other) *this = Sha256Hasher(other);
  return *this;
}

void Sha256Hasher::Update(std::string_view data) {
  if (context_ == nullptr) Fail("Update() on a hasher after Final() or a move");
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) Fail("update");
}

Hash Sha256Hasher::Final() && {
  if (context_ == nullptr) Fail("Final() on a hasher after Final() or a move");
  Hash out;
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_.get(), out.data(), &size) != 1 || size != out.size()) {
    Fail("final");
  }
  context_.reset();
  return out;
}

}  // namespace memoria
