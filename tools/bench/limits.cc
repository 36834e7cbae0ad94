#include "tools/bench/limits.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/encoding.h"
#include "ledger/hash.h"

namespace memoria::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Runs `op` in `threads` threads for about `seconds`; returns operations/s.
template <typename Op>
double RatePerSecond(int threads, double seconds, Op op) {
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto state = op.Prepare(t);
      uint64_t n = 0;
      while (Seconds(start) < seconds) {
        for (int i = 0; i < 64; ++i) op.Run(state);
        n += 64;
      }
      total += n;
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<double>(total) / Seconds(start);
}

struct Ed25519State {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  unsigned char sig[crypto_sign_BYTES];
  unsigned char message[1024];
};

Ed25519State NewEd25519State() {
  Ed25519State s;
  crypto_sign_keypair(s.pk, s.sk);
  randombytes_buf(s.message, sizeof s.message);
  crypto_sign_detached(s.sig, nullptr, s.message, sizeof s.message, s.sk);
  return s;
}

}  // namespace

double Sha256MegabytesPerSecond(size_t chunk, double seconds) {
  std::string data(chunk, 0x5a);
  uint64_t bytes = 0;
  const auto start = Clock::now();
  while (Seconds(start) < seconds) {
    for (int i = 0; i < 256; ++i) {
      data[0] = static_cast<char>(Sha256(data)[0]);
      bytes += chunk;
    }
  }
  return static_cast<double>(bytes) / Seconds(start) / 1e6;
}

double Ed25519SignsPerSecond(int threads, double seconds) {
  struct Op {
    Ed25519State Prepare(int) const { return NewEd25519State(); }
    void Run(Ed25519State& s) const {
      crypto_sign_detached(s.sig, nullptr, s.message, sizeof s.message, s.sk);
      s.message[0] = s.sig[0];
    }
  };
  return RatePerSecond(threads, seconds, Op{});
}

double Ed25519VerifiesPerSecond(int threads, double seconds) {
  struct Op {
    Ed25519State Prepare(int) const { return NewEd25519State(); }
    void Run(Ed25519State& s) const {
      if (crypto_sign_verify_detached(s.sig, s.message, sizeof s.message, s.pk) != 0) std::abort();
    }
  };
  return RatePerSecond(threads, seconds, Op{});
}

double RocksDBSyncedRecordsPerSecond(const std::string& dir, size_t batch, size_t record_bytes,
                                     uint64_t records) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value(record_bytes, 'r');
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const auto start = Clock::now();
  uint64_t written = 0;
  while (written < records) {
    rocksdb::WriteBatch wb;
    for (size_t i = 0; i < batch; ++i, ++written) {
      value[0] = static_cast<char>(written);
      wb.Put(EncodeBigEndian64(written), value).PermitUncheckedError();
    }
    if (!db->Write(sync, &wb).ok()) return 0;
  }
  const double rate = static_cast<double>(written) / Seconds(start);
  db->Close().PermitUncheckedError();
  db.reset();
  std::filesystem::remove_all(dir);
  return rate;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace memoria::bench
