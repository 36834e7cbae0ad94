// Server: a running memoria-server — the Log, the writer registry, the
// sequencer, and the gRPC server (Ledger, grpc.health.v1, reflection) — built
// from a ServerConfig.
//
// Record 0 of a new log is the genesis entry, written at first start and
// signed by the log key: Entry{writer = origin, request_id = "genesis",
// genesis.admin_vkey}. It roots the trust chain auditors replay (log key ->
// administrator -> writers); the server refuses to start with an
// administrator key other than the one genesis names.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::Start(config));
//   ... server->port() ...
//   server->Shutdown();  // or destroy it
//
// Files under config.data_dir:
//   db/             the RocksDB log (with the policy views in its state column)
//   personal/       the erasable store of personal data (ledger/personal_store.h)
//   keys/log.key    the log's private key (0600), generated on first start
//   keys/admin.key  the administrator's private key (0600), generated on first
//                   start unless an admin vkey or another key file is given
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/keys.h"
#include "ledger/log.h"
#include "ledger/personal_store.h"
#include "ledger/policy/policy_views.h"
#include "ledger/policy/state_reader.h"
#include "ledger/query/query_index.h"
#include "ledger/views.h"
#include "server/config.h"

namespace memoria::server {

class LedgerService;
class Sequencer;
class WriterRegistry;

// The name of a generated administrator key.
inline constexpr char kDefaultAdminKeyName[] = "memoria-admin";
// The request id of the genesis entry (record 0).
inline constexpr char kGenesisRequestId[] = "genesis";

struct ServerStats {
  uint64_t tree_size = 0;
  uint64_t appended = 0;    // records appended since start
  uint64_t batches = 0;     // synced batches since start
  uint64_t duplicates = 0;  // retries answered with the original receipt
  uint64_t rejected = 0;    // append calls rejected
};

class Server {
 public:
  // Validates the config, loads or generates the keys, opens the log (creating
  // it on first start), and starts serving. Errors: the config's
  // INVALID_ARGUMENT, key file and Log::Open errors, UNAVAILABLE if the address
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerConfig& config);
  // Shutdown()s.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when the config asked for port 0).
  int port() const { return port_; }
  const ServerConfig& config() const { return config_; }
  const Verifier& log_verifier() const { return log_->verifier(); }
  const Verifier& admin_verifier() const { return admin_; }
  // The erasable personal-data store (tests check erasures through it).
  PersonalStore& personal_store() { return *personal_store_; }
  const Log& log() const { return *log_; }
  ServerStats stats() const;

  // Marks the server NOT_SERVING, stops intake (new appends get UNAVAILABLE),
  // writes and answers every queued append, ends Watch streams, lets in-flight
  // calls finish until config.shutdown_grace (then cancels them). Every
  // acknowledged append is durable; the log closes when the Server is
  // destroyed. Idempotent; blocks until done.
  void Shutdown();

 private:
  Server(const ServerConfig& config, Verifier admin);

  const ServerConfig config_;
  const Verifier admin_;
  int port_ = 0;
  // Destroyed in reverse order: the gRPC server first, the log last.
  std::unique_ptr<Log> log_;
  std::unique_ptr<PersonalStore> personal_store_;
  std::unique_ptr<policy::LogStateReader> views_reader_;
  // The BatchObserver that maintains the policy views; the sequencer calls it.
  std::unique_ptr<policy::PolicyViews> views_;
  std::unique_ptr<query::QueryIndex> query_index_;
  // views_ then query_index_: what the sequencer calls for each record.
  std::unique_ptr<ObserverList> observers_;
  std::unique_ptr<WriterRegistry> registry_;
  std::unique_ptr<Sequencer> sequencer_;
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace memoria::server
