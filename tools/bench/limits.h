// The machine's raw limits, measured in the same run as the figures they bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace memoria::bench {

// SHA-256 (memoria::Sha256 of ledger/hash.h, libcrypto) throughput over
// `chunk`-byte messages, MB/s (10^6 bytes).
double Sha256MegabytesPerSecond(size_t chunk, double seconds);

// Ed25519 (libsodium) signatures or verifications per second over 1 KiB
// messages, with `threads` threads each on its own keys and messages.
double Ed25519SignsPerSecond(int threads, double seconds);
double Ed25519VerifiesPerSecond(int threads, double seconds);

// Records per second written to a fresh RocksDB at `dir` in WriteBatches of
// `batch` records of `record_bytes` bytes each, one synced write per batch,
// with no ledger logic: the bound on durable appends.
double RocksDBSyncedRecordsPerSecond(const std::string& dir, size_t batch, size_t record_bytes,
                                     uint64_t records);

// Directory size in bytes (regular files, recursively).
uint64_t DirectoryBytes(const std::string& dir);

// Resident set size of this process, bytes.
uint64_t ResidentBytes();

}  // namespace memoria::bench
