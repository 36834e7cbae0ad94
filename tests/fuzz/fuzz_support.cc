#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>

#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria::fuzz {
namespace {

const Signer& Parsed(std::string_view skey) {
  InitCrypto();
  absl::StatusOr<Signer> signer = Signer::Parse(skey);
  if (!signer.ok()) {
    std::fprintf(stderr, "fuzz key does not parse: %s\n", signer.status().ToString().c_str());
    std::abort();
  }
  return *new Signer(*std::move(signer));
}

}  // namespace

const Signer& LogKey() {
  static const Signer& key = Parsed(kLogSkey);
  return key;
}
const Signer& AdminKey() {
  static const Signer& key = Parsed(kAdminSkey);
  return key;
}
const Signer& WriterKey() {
  static const Signer& key = Parsed(kWriterSkey);
  return key;
}
const Signer& Witness1Key() {
  static const Signer& key = Parsed(kWitness1Skey);
  return key;
}
const Signer& Witness2Key() {
  static const Signer& key = Parsed(kWitness2Skey);
  return key;
}

std::string FormatNote(const OpenedNote& note) {
  std::string out = note.text;
  out.push_back('\n');
  auto add = [&out](const NoteSignature& signature) {
    out.append("\xe2\x80\x94 ");
    out.append(signature.name);
    out.push_back(' ');
    out.append(Base64Encode(EncodeBigEndian32(signature.key_id) + signature.signature));
    out.push_back('\n');
  };
  for (const NoteSignature& signature : note.verified) add(signature);
  for (const NoteSignature& signature : note.unverified) add(signature);
  return out;
}

void Fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace memoria::fuzz
