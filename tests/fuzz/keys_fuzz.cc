// Verifier and signer keys (ledger/keys.h): Verifier::Parse, Signer::Parse,
// ValidateKeyName and ReadSignerKeyFile. Properties: a parsed key's text
// parses to the same key; a signer's verifier verifies what it signs; a key
// file (mode 0600) reads exactly as Signer::Parse reads its first line.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ledger/hash.h"
#include "ledger/keys.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool SameVerifier(const memoria::Verifier& a, const memoria::Verifier& b) {
  return a.name() == b.name() && a.key_id() == b.key_id() && a.public_key() == b.public_key() &&
         a.type() == b.type();
}

// A key file of this process, rewritten for each input.
void RemoveKeyFile();

const std::string& KeyFilePath() {
  static const std::string* path = [] {
    auto* p = new std::string("/tmp/memoria-keys-fuzz-" + std::to_string(::getpid()) + ".key");
    std::atexit(RemoveKeyFile);
    return p;
  }();
  return *path;
}

void RemoveKeyFile() { ::unlink(KeyFilePath().c_str()); }

bool WriteKeyFile(std::string_view bytes) {
  ::unlink(KeyFilePath().c_str());
  const int fd = ::open(KeyFilePath().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string_view input = fuzz::AsText(data, size);
  InitCrypto();

  absl::StatusOr<Verifier> verifier = Verifier::Parse(input);
  if (verifier.ok()) {
    FUZZ_CHECK(ValidateKeyName(verifier->name()).ok(), "a parsed vkey has an invalid name");
    FUZZ_CHECK(verifier->key_id() == KeyId(verifier->name(), verifier->public_key(),
                                           verifier->type()),
               "a parsed vkey's key ID does not match its key");
    absl::StatusOr<Verifier> again = Verifier::Parse(verifier->ToString());
    FUZZ_CHECK(again.ok(), "ToString() of a vkey does not parse: " + again.status().ToString());
    FUZZ_CHECK(SameVerifier(*again, *verifier), "vkey round trip changed the key");
    absl::StatusOr<Verifier> rebuilt =
        Verifier::FromPublicKey(verifier->name(), verifier->public_key(), verifier->type());
    FUZZ_CHECK(rebuilt.ok() && SameVerifier(*rebuilt, *verifier),
               "FromPublicKey does not rebuild a parsed vkey");
  }

  absl::StatusOr<Signer> signer = Signer::Parse(input);
  if (signer.ok()) {
    absl::StatusOr<Signer> again = Signer::Parse(signer->ToString());
    FUZZ_CHECK(again.ok(), "ToString() of a signer key does not parse");
    FUZZ_CHECK(SameVerifier(again->verifier(), signer->verifier()),
               "signer key round trip changed the key");
    FUZZ_CHECK(signer->verifier().Verify(input, signer->Sign(input)),
               "a parsed signer's signature does not verify");
  }

  // ValidateKeyName on the input as a name.
  (void)ValidateKeyName(input);

  // The key file: the first line is the key.
  if (WriteKeyFile(input)) {
    absl::StatusOr<Signer> from_file = ReadSignerKeyFile(KeyFilePath());
    const std::string_view first_line = input.substr(0, input.find('\n'));
    absl::StatusOr<Signer> from_line = Signer::Parse(first_line);
    FUZZ_CHECK(from_file.ok() == from_line.ok(),
               "ReadSignerKeyFile and Signer::Parse of its first line disagree: " +
                   from_file.status().ToString() + " vs " + from_line.status().ToString());
    if (from_file.ok()) {
      FUZZ_CHECK(SameVerifier(from_file->verifier(), from_line->verifier()),
                 "ReadSignerKeyFile read another key");
    }
  }
  return 0;
}
