#include "server/server.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/private_file.h"
#include "ledger/record.h"
#include "ledger/sequencer/entry_validation.h"
#include "ledger/sequencer/sequencer.h"
#include "ledger/sequencer/writer_registry.h"
#include "ledger/status.h"
#include "memoria/v1/entry.pb.h"
#include "server/call_interceptor.h"
#include "server/data_dir.h"
#include "server/ledger_service.h"
#include "server/long_reads.h"
#include "server/policy_service.h"
#include "server/reader_credential.h"
#include "server/server_metrics.h"
#include "server/transparency_service.h"
#include "spdlog/spdlog.h"

namespace memoria::server {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " file ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status CreateDirectory(const std::string& path, fs::perms perms) {
  std::error_code error;
  if (fs::exists(path, error)) return absl::OkStatus();
  if (!fs::create_directories(path, error) && error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create directory ", path, ": ", error.message()));
  }
  fs::permissions(path, perms, error);
  return absl::OkStatus();
}

// Reads the signer key at `path`, or generates one called `name` there when
// the file does not exist.
absl::StatusOr<Signer> LoadOrGenerateKey(const std::string& path, std::string_view name,
                                         const char* what) {
  absl::StatusOr<Signer> key = ReadSignerKeyFile(path);
  if (key.ok() || !absl::IsNotFound(key.status())) return key;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    RETURN_IF_ERROR(CreateDirectory(parent.string(), fs::perms::owner_all));
  }
  ASSIGN_OR_RETURN(Signer generated, Signer::Generate(name));
  RETURN_IF_ERROR(WriteSignerKeyFile(path, generated));
  spdlog::info("generated the {} key {} in {} (mode 0600)", what, generated.verifier().ToString(),
               path);
  return generated;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerConfig& config) {
  if (UsesPlaintext(config)) {
    spdlog::warn(
        "serving PLAINTEXT on {}: traffic can be read and altered on the way; give --tls-cert "
        "and --tls-key for TLS",
        config.listen);
    return grpc::InsecureServerCredentials();
  }
  ASSIGN_OR_RETURN(std::string cert, ReadFile(config.tls_cert_file, "TLS certificate"));
  RETURN_IF_ERROR(CheckPrivateFileMode(config.tls_key_file, "TLS key file"));
  ASSIGN_OR_RETURN(std::string key, ReadFile(config.tls_key_file, "TLS key"));
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!config.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs, ReadFile(config.client_ca_file, "client CA"));
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  return grpc::SslServerCredentials(options);
}

// Idle threads of the blocking handlers kept polling for calls.
constexpr int kMaxIdleSyncThreads = 32;
// Threads for blocking handlers besides the long reads: the idle pollers and
// as many policy reads, queries and erasures at once.
constexpr int kSyncThreadsBesideLongReads = 2 * kMaxIdleSyncThreads;

// What one client, or many, may hold of the server: threads of the blocking
// handlers (long reads are capped below this by LongReads; past it gRPC
// answers RESOURCE_EXHAUSTED "Server Threadpool Exhausted"), gRPC's buffer
// memory, calls per connection, and how long dead or idle connections live.
void ApplyTransportBounds(const ServerConfig& config, grpc::ServerBuilder& builder) {
  grpc::ResourceQuota quota("memoria-server");
  quota.SetMaxThreads(static_cast<int>(config.max_long_reads) + kSyncThreadsBesideLongReads);
  quota.Resize(config.grpc_memory_mib << 20);
  builder.SetResourceQuota(quota);
  const auto milliseconds = [](absl::Duration duration) {
    return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX));
  };
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config.max_streams_per_connection));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, milliseconds(config.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             milliseconds(config.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             milliseconds(config.connection_idle_timeout));
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return absl::PermissionDeniedError(absl::StrCat("cannot write ", temporary));
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot rename ", temporary, " to ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

// The administrator key named by the genesis record (record 0), which is
// written here, signed by the log key, when the log is new. The configured
// administrator key must be that one: rotating it is not supported.
absl::StatusOr<Verifier> EstablishAdministrator(const ServerConfig& config, const Signer& log_key,
                                                Log& log) {
  std::optional<Verifier> genesis_admin;
  if (log.Size() > 0) {
    ASSIGN_OR_RETURN(std::string bytes, log.GetRecord(0));
    ASSIGN_OR_RETURN(v1::Record record, DecodeRecord(bytes));
    v1::Entry entry;
    if (!entry.ParseFromString(record.entry()) || !entry.has_genesis()) {
      return absl::FailedPreconditionError("record 0 of the log is not a genesis entry");
    }
    absl::StatusOr<Verifier> named = Verifier::Parse(entry.genesis().admin_vkey());
    if (!named.ok()) {
      return absl::DataLossError(
          absl::StrCat("the genesis administrator key is malformed: ", named.status().message()));
    }
    genesis_admin = *std::move(named);
  }

  std::optional<Verifier> configured;
  if (!config.admin_vkey.empty()) {
    absl::StatusOr<Verifier> parsed = Verifier::Parse(config.admin_vkey);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--admin-vkey: ", parsed.status().message()));
    }
    configured = *std::move(parsed);
  } else if (!genesis_admin.has_value() || fs::exists(config.AdminKeyPath())) {
    ASSIGN_OR_RETURN(Signer admin_key, LoadOrGenerateKey(config.AdminKeyPath(),
                                                         kDefaultAdminKeyName, "administrator"));
    configured = admin_key.verifier();
  }
  if (genesis_admin.has_value()) {
    if (configured.has_value() && configured->ToString() != genesis_admin->ToString()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the log's genesis record names the administrator key ", genesis_admin->ToString(),
          " but the configured one is ", configured->ToString()));
    }
    return *genesis_admin;
  }

  v1::Entry entry;
  entry.set_writer(log_key.name());
  entry.set_request_id(kGenesisRequestId);
  entry.set_event_time_micros(SystemClock().NowMicros());
  entry.mutable_genesis()->set_admin_vkey(configured->ToString());
  PendingEntry genesis;
  genesis.writer_key_id = log_key.key_id();
  genesis.entry = entry.SerializeAsString();
  genesis.writer_signature = log_key.Sign(EntrySignedMessage(genesis.entry));
  genesis.dedup_key = DedupKey(log_key.key_id(), log_key.name(), kGenesisRequestId);
  // Not indexed here: CatchUpQueryIndex, next in Server::Start, indexes it.
  ASSIGN_OR_RETURN(AppendResult appended, log.Append({&genesis, 1}));
  spdlog::info("wrote the genesis record naming the administrator key {}",
               configured->ToString());
  return *configured;
}

}  // namespace

Server::Server(const ServerConfig& config, Verifier admin)
    : config_(config), admin_(std::move(admin)) {}

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerConfig& config) {
  RETURN_IF_ERROR(ValidateServerConfig(config));
  InitCrypto();
  // What the config names outside the data directory is read before the
  // directory is touched: a bad file leaves an --init directory empty.
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(config));
  std::optional<ReaderCredential> reader;
  if (!config.reader_token_file.empty()) {
    ASSIGN_OR_RETURN(reader, ReaderCredential::FromFile(config.reader_token_file));
  }
  // Then the data directory's lock, then whether it holds a log (or, with
  // --init, nothing at all).
  ASSIGN_OR_RETURN(DataDir data_dir, DataDir::Open(config.data_dir, config.init));

  // Keys are generated only for a new log: an existing log's key is never replaced.
  ASSIGN_OR_RETURN(Signer log_key, config.init
                                       ? LoadOrGenerateKey(config.LogKeyPath(), config.origin, "log")
                                       : ReadSignerKeyFile(config.LogKeyPath()));
  if (log_key.name() != config.origin) {
    spdlog::warn("the log key in {} is named {}, not --origin {}; the key's name is the origin",
                 config.LogKeyPath(), log_key.name(), config.origin);
  }
  LogOptions log_options;
  log_options.path = data_dir.LogStorePath();
  log_options.high_water_mark_path = data_dir.HighWaterMarkPath();
  log_options.create_if_missing = config.init;
  log_options.node_memory_bytes = config.tree_memory_mib << 20;
  log_options.reserved_disk_bytes = uint64_t{config.reserved_disk_mib} << 20;
  ASSIGN_OR_RETURN(std::unique_ptr<Log> log, Log::Open(log_options, log_key));
  if (log->Size() == 0 && !config.init) {
    // A store whose records were lost (its write-ahead log gone before a
    // flush): a genesis here would start another log under the same key.
    return NoLogStoreError(config.data_dir,
                           absl::StrCat("its log store ", log_options.path,
                                        " holds no records, not even the genesis record"));
  }
  ASSIGN_OR_RETURN(Verifier admin, EstablishAdministrator(config, log_key, *log));

  std::unique_ptr<Server> server(new Server(config, std::move(admin)));
  server->data_dir_ = std::make_unique<DataDir>(std::move(data_dir));
  server->log_ = std::move(log);
  // The query index covers every record the sequencer's observers did not
  // see: the genesis just written, or a log of a version without the index.
  ASSIGN_OR_RETURN(uint64_t indexed, query::CatchUpQueryIndex(*server->log_));
  if (indexed > 1) spdlog::info("the query index caught up with {} records", indexed);
  ASSIGN_OR_RETURN(server->registry_, WriterRegistry::Load(*server->log_));
  ASSIGN_OR_RETURN(server->personal_store_,
                   PersonalStore::Open(server->data_dir_->PersonalStorePath()));
  server->views_reader_ = std::make_unique<policy::LogStateReader>(*server->log_);
  server->views_ = std::make_unique<policy::PolicyViews>(*server->views_reader_);
  server->query_index_ = std::make_unique<query::QueryIndex>();
  server->observers_ = std::make_unique<ObserverList>(
      std::vector<BatchObserver*>{server->views_.get(), server->query_index_.get()});
  // The sequencer calls the policy views and the query index (BatchObservers,
  // ledger/views.h) for each record of each batch and writes their puts in
  // the same batch.
  server->batch_metrics_ = std::make_unique<BatchMetrics>();
  server->call_metrics_ = std::make_shared<CallMetrics>();
  server->sequencer_ = std::make_unique<Sequencer>(*server->log_, *server->registry_, config.batch,
                                                   server->observers_.get(),
                                                   server->batch_metrics_->Observer());
  if (!config.witness_policy_file.empty()) {
    WitnessingOptions witnessing;
    ASSIGN_OR_RETURN(witnessing.policy, ReadWitnessPolicyFile(config.witness_policy_file));
    witnessing.interval = config.witness_interval;
    witnessing.timeout = config.witness_timeout;
    witnessing.state_file = server->data_dir_->WitnessedCheckpointPath();
    ASSIGN_OR_RETURN(server->witnessing_,
                     Witnessing::Create(*server->log_, std::move(witnessing)));
    // Before serving: a witness that holds more than this log, or refuses its
    // latest checkpoint, means acknowledged records were lost or the history
    // forked.
    RETURN_IF_ERROR(server->witnessing_->CheckWitnesses());
  }
  if (!config.tiles_dir.empty()) {
    TilesPublisherOptions tiles;
    tiles.directory = config.tiles_dir;
    tiles.interval = config.tiles_interval;
    ASSIGN_OR_RETURN(server->tiles_, TilesPublisher::Create(*server->log_,
                                                            server->witnessing_.get(), tiles));
  }
  server->long_reads_ =
      std::make_unique<LongReads>(config.max_long_reads, config.stream_stall_timeout);
  LedgerServiceOptions ledger_options;
  ledger_options.validation.max_entry_bytes = config.max_entry_bytes;
  ledger_options.validation.min_event_time = config.min_event_time;
  ledger_options.validation.max_event_time_ahead = config.max_event_time_ahead;
  ledger_options.max_batch_entries = config.max_batch_entries;
  ledger_options.personal_store = server->personal_store_.get();
  ledger_options.witnessing = server->witnessing_.get();
  server->ledger_service_ = std::make_unique<LedgerService>(
      *server->log_, *server->registry_, *server->sequencer_, server->admin_,
      *server->long_reads_, ledger_options);
  PolicyServiceOptions policy_options;
  policy_options.personal_store = server->personal_store_.get();
  policy_options.views = server->views_reader_.get();
  policy_options.reader = std::move(reader);
  policy_options.findings.allowed_email_domains = config.allowed_email_domains;
  policy_options.findings.pqrd_referral_business_days = config.pqrd_referral_business_days;
  policy_options.findings.alternate_inactive_days = config.alternate_inactive_days;
  policy_options.findings.credentials_rotation_days = config.credentials_rotation_days;
  policy_options.findings.responsible_notification_business_days =
      config.responsible_notification_business_days;
  policy_options.findings.password_change_after_employment_days =
      config.password_change_after_employment_days;
  for (const std::string& day : config.non_working_days) {
    absl::CivilDay parsed;
    if (absl::ParseCivilTime(day, &parsed)) {  // validated by ValidateServerConfig
      policy_options.findings.extra_non_working_days.push_back(parsed);
    }
  }
  server->policy_service_ = std::make_unique<PolicyService>(
      *server->log_, *server->ledger_service_, policy_options);
  server->transparency_service_ = std::make_unique<TransparencyService>(
      *server->log_, server->admin_, *server->long_reads_, policy_options,
      config.max_event_time_ahead);

  grpc::EnableDefaultHealthCheckService(true);
  if (config.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  // gRPC sets SO_REUSEPORT by default: a second server on the same address
  // would then bind too and take a share of the connections to another log.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Keep idle handler threads polling instead of exiting: with the default (2)
  // gRPC destroys and re-creates a thread every few concurrent blocking calls
  // (measured when appends were blocking handlers: about 20% of the server's
  // CPU per single-entry append; the streams and the policy's reads still are).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              kMaxIdleSyncThreads);
  ApplyTransportBounds(config, builder);
  // Request ids, per-method counts and latencies, the "call ended" lines.
  builder.experimental().SetInterceptorCreators(CallInterceptors(server->call_metrics_));
  // Three services, one port: the same log, credentials and limits.
  builder.RegisterService(server->ledger_service_.get());
  builder.RegisterService(server->policy_service_.get());
  builder.RegisterService(server->transparency_service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    server->grpc_server_.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", config.listen,
        ": the address is in use (another memoria-server, or another program, listens there) "
        "or is not an address of this host; stop the other one or give another --listen"));
  }
  server->readiness_ =
      std::make_unique<ReadinessProbe>(*server->log_, server->witnessing_.get());
  server->metrics_ = std::make_unique<MetricsRegistry>();
  AddServerCollectors(*server->metrics_,
                      {.log = server->log_.get(),
                       .sequencer = server->sequencer_.get(),
                       .long_reads = server->long_reads_.get(),
                       .calls = server->call_metrics_.get(),
                       .batches = server->batch_metrics_.get(),
                       .readiness = server->readiness_.get(),
                       .witnessing = server->witnessing_.get(),
                       .tiles = server->tiles_.get(),
                       .version = MEMORIA_VERSION});
  AddProcessCollector(*server->metrics_);
  // gRPC health: the server as a whole ("") and each service by its full
  // name, as their readiness checks say (server/readiness.h).
  server->UpdateHealth();
  server->health_thread_ = std::thread([raw = server.get()] { raw->FollowReadiness(); });
  if (!config.http_listen.empty()) {
    if (config.portal) {
      PortalOptions portal;
      portal.log = server->log_.get();
      portal.admin = &server->admin_;
      portal.views = server->views_reader_.get();
      portal.witnessing = server->witnessing_.get();
      if (!config.witness_policy_file.empty()) {
        ASSIGN_OR_RETURN(portal.witness_policy, ReadWitnessPolicyFile(config.witness_policy_file));
      }
      portal.time_zone = config.portal_time_zone;
      ASSIGN_OR_RETURN(server->portal_, PortalApi::Create(std::move(portal)));
    }
    const MetricsRegistry* metrics = server->metrics_.get();
    const ReadinessProbe* readiness = server->readiness_.get();
    ASSIGN_OR_RETURN(
        server->http_,
        HttpListener::Start(
            {.listen = config.http_listen,
             .tiles_dir = config.tiles_dir,
             .metrics = [metrics] { return metrics->Scrape(); },
             .readiness = [readiness] {
               const Readiness now = readiness->Check();
               return std::make_pair(now.ready(), now.ToJson());
             },
             .portal = server->portal_.get()}));
  }
  if (server->witnessing_ != nullptr) server->witnessing_->Start();
  if (server->tiles_ != nullptr) server->tiles_->Start();
  if (!config.port_file.empty()) RETURN_IF_ERROR(WritePortFile(config.port_file, server->port_));
  return server;
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.tree_size = log_->Size();
  const SequencerStats sequenced = sequencer_->stats();
  stats.appended = sequenced.appended;
  stats.batches = sequenced.batches;
  stats.duplicates = sequenced.duplicates;
  stats.rejected = ledger_service_->rejected();
  return stats;
}

namespace {
constexpr const char* kHealthServices[] = {"", "memoria.v1.Ledger", "memoria.v1.Policy",
                                           "memoria.v1.Transparency"};
}  // namespace

void Server::UpdateHealth() {
  grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService();
  if (health == nullptr) return;
  const Readiness readiness = readiness_->Check();
  for (size_t i = 0; i < std::size(kHealthServices); ++i) {
    const bool ready = readiness.ReadyFor(kHealthServices[i]);
    if (health_set_[i] == ready) continue;
    health_set_[i] = ready;
    // By name, "" included: SetServingStatus(bool) would set every service.
    health->SetServingStatus(kHealthServices[i], ready);
  }
}

void Server::FollowReadiness() {
  absl::MutexLock lock(&health_mu_);
  while (!health_stop_) {
    health_mu_.AwaitWithTimeout(absl::Condition(&health_stop_), absl::Milliseconds(250));
    if (health_stop_) break;
    health_mu_.Unlock();
    UpdateHealth();
    health_mu_.Lock();
  }
}

void Server::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (readiness_ != nullptr) readiness_->SetShuttingDown();
  if (health_thread_.joinable()) {
    {
      absl::MutexLock health_lock(&health_mu_);
      health_stop_ = true;
    }
    health_thread_.join();
  }
  if (grpc_server_ != nullptr) {
    if (grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService()) {
      health->SetServingStatus(false);
    }
  }
  // Intake stops and queued appends are written and answered; Watch streams
  // see the sequencer stopped and end.
  if (sequencer_ != nullptr) sequencer_->Stop();
  if (grpc_server_ != nullptr) {
    const std::chrono::system_clock::time_point deadline =
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            absl::ToChronoNanoseconds(config_.shutdown_grace));
    grpc_server_->Shutdown(deadline);
    grpc_server_->Wait();
  }
  if (http_ != nullptr) http_->Stop();
  if (tiles_ != nullptr) tiles_->Stop();
  if (witnessing_ != nullptr) witnessing_->Stop();
  // Every batch was written with sync=true; the log closes with the Server.
}

absl::StatusOr<Backup> Server::TakeBackup() const {
  BackupSources sources{
      .log = log_.get(),
      .personal_store = personal_store_.get(),
      .high_water_mark_path = data_dir_->HighWaterMarkPath(),
      .witnessed_checkpoint_path = data_dir_->WitnessedCheckpointPath(),
  };
  std::error_code error;
  sources.key_files.push_back(config_.LogKeyPath());
  if (config_.admin_vkey.empty() && std::filesystem::exists(config_.AdminKeyPath(), error)) {
    sources.key_files.push_back(config_.AdminKeyPath());
  }
  return WriteBackup(sources, {.dir = config_.backup_dir, .include_keys = config_.backup_keys});
}

}  // namespace memoria::server
