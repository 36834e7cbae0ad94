#include "tools/bench/audit_bench.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "ledger/verify/log_auditor.h"
#include "ledger/checkpoint.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "tools/bench/limits.h"

namespace memoria::bench {

namespace {

struct SignedEntry {
  std::string bytes;
  std::string signature;
};

SignedEntry Sign(const Signer& key, const v1::Entry& entry) {
  SignedEntry out{entry.SerializeAsString(), {}};
  out.signature = key.Sign(EntrySignedMessage(out.bytes));
  return out;
}

}  // namespace

void RunAuditBench(const AuditBenchOptions& options, Report& report) {
  const Signer log_key = *Signer::Generate("bench.memoria/log");
  const Signer admin = *Signer::Generate("bench-admin");
  const Signer writer = *Signer::Generate("bench-writer");

  std::vector<std::string> leaves;
  leaves.reserve(options.records);
  CompactRange tree;
  Hash last{};
  int64_t time = 1'700'000'000'000'000;
  auto append = [&](const Signer& key, const SignedEntry& entry) {
    RecordPrefix prefix(key.key_id(), entry.bytes, entry.signature);
    RecordPrefix::Leaf leaf = prefix.Complete(leaves.size(), last, ++time);
    last = leaf.hash;
    tree.Append(leaf.hash, [](const NodeId&, const Hash&) {});
    leaves.push_back(std::move(leaf.bytes));
  };
  v1::Entry genesis;
  genesis.set_writer(log_key.name());
  genesis.set_request_id("genesis");
  genesis.mutable_genesis()->set_admin_vkey(admin.verifier().ToString());
  append(log_key, Sign(log_key, genesis));
  v1::Entry registration;
  registration.set_writer(admin.name());
  registration.set_request_id("register");
  registration.mutable_writer_registered()->set_vkey(writer.verifier().ToString());
  append(admin, Sign(admin, registration));
  std::vector<SignedEntry> pool;
  for (int i = 0; i < 4096; ++i) {
    v1::Entry entry;
    entry.set_writer(writer.name());
    entry.set_request_id("req-" + std::to_string(i));
    entry.set_event_time_micros(time);
    entry.mutable_generic()->set_type("post.published");
    (*entry.mutable_generic()->mutable_attributes())["content"] =
        std::string(options.entry_bytes > 80 ? options.entry_bytes - 80 : 1, 'x');
    pool.push_back(Sign(writer, entry));
  }
  while (leaves.size() < options.records) append(writer, pool[leaves.size() % pool.size()]);
  const std::string note =
      *SignCheckpoint({.origin = log_key.name(), .size = tree.size(), .root = tree.Root()}, log_key);
  uint64_t bytes = 0;
  for (const std::string& leaf : leaves) bytes += leaf.size();

  // The limit is measured right before and right after the run (the machine
  // may be shared), and the mean is what the run is compared with.
  const double verify_before = Ed25519VerifiesPerSecond(options.threads, 2.0);
  const auto start = std::chrono::steady_clock::now();
  LogAuditor auditor(log_key.verifier(), {.threads = options.threads});
  for (uint64_t i = 0; i < leaves.size(); ++i) auditor.Add(i, std::move(leaves[i]));
  (void)auditor.CheckCheckpoint(note);
  const AuditReport result = auditor.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) std::fprintf(stderr, "audit bench: the log did not verify!\n");

  const std::string n = std::to_string(options.records);
  const double rate = static_cast<double>(options.records) / seconds;
  const double verify_after = Ed25519VerifiesPerSecond(options.threads, 2.0);
  const double verify_limit = (verify_before + verify_after) / 2;
  const std::string limit_name =
      "Ed25519 verify, " + std::to_string(options.threads) + " threads, around the run";
  report.Add({.section = "audit", .name = limit_name, .value = verify_limit, .unit = "ops/s"});
  report.Add({.section = "audit",
              .name = "LogAuditor verify, " + n + " records, " + std::to_string(options.threads) + " threads",
              .value = rate,
              .unit = "records/s",
              .limit_name = limit_name,
              .limit_value = verify_limit,
              .target = ">= 70% of the limit",
              .target_met = verify_limit > 0 && rate >= 0.7 * verify_limit});
  report.Add({.section = "audit",
              .name = "LogAuditor verify, " + n + " records, bytes",
              .value = static_cast<double>(bytes) / seconds / 1e6,
              .unit = "MB/s",
              .limit_name = "SHA-256, 1 KiB messages",
              .limit_value = report.Value("SHA-256, 1 KiB messages")});
}

}  // namespace memoria::bench
