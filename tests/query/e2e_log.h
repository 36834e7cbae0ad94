// Shared by the end-to-end tests of transparency-law requests
// (query_service_test.cc, request_cli_test.cc): an in-process memoria-server
// on loopback with a reader credential, and a log written through the real
// Append RPC of policy events (several accounts, platforms, actors, writers
// and kinds; replies and blocks carry personal-data commitments with their
// openings) and generic events. Every record's attributes are kept, so tests
// compute what a filter must return without asking the server.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/entry_signer.h"
#include "google/protobuf/descriptor.h"
#include "ledger/encoding.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/policy/commitment.h"
#include "ledger/record.h"
#include "memoria/v1/entry.pb.h"
#include "memoria/v1/ledger_service.grpc.pb.h"
#include "memoria/v1/policy_service.grpc.pb.h"
#include "memoria/v1/transparency_service.grpc.pb.h"
#include "server/config.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "tests/server/server_test_util.h"

namespace memoria::query::testing {

inline constexpr char kReaderToken[] = "e2e-reader-token-0123456789abcdef0123456789";
// 2026-03-01T00:00:00Z; the i-th appended event happened i * 37 hours later.
inline constexpr int64_t kBaseEventTime = 1772323200000000;
inline constexpr int64_t kEventStep = int64_t{37} * 3600 * 1000000;
inline constexpr char kWriterA[] = "community-manager";
inline constexpr char kWriterB[] = "secretaria-salud";
inline constexpr char kActorA[] = "comunicaciones@pasto.gov.co";
inline constexpr char kActorB[] = "Prensa.Salud@pasto.gov.co";

// What the test knows of one record of the log.
struct Known {
  uint64_t index = 0;
  std::string leaf;
  std::string writer;        // Entry.writer
  std::string type;          // genesis, writer_registered, post_published, generic, ...
  std::string generic_type;  // GenericEvent.type
  v1::Platform platform = v1::PLATFORM_UNSPECIFIED;
  std::string handle;  // as appended
  std::string actor;   // as appended
  int64_t event_time = 0;
  int64_t integrated = 0;
  std::vector<std::string> findings;  // record rules it trips
  std::vector<v1::PersonalDataOpening> openings;
  uint64_t receipt_tree_size = 0;  // the tree size of its receipt (a signed size)
};

// A signer for tests (abort on failure).
inline Signer MustGenerate(const std::string& name) {
  return server::testing::NewWriterKey(name);
}

class E2eLog {
 public:
  // Starts a server under `dir` (data in dir/data, the reader token in
  // dir/reader.token, mode 0600); `adjust` may change its config first.
  void Start(const std::string& dir,
             const std::function<void(server::ServerConfig&)>& adjust = nullptr) {
    spdlog::set_level(spdlog::level::warn);
    dir_ = dir;
    config_ = server::testing::TestServerConfig(dir + "/data");
    config_.log_level = "warn";
    config_.reader_token_file = dir + "/reader.token";
    {
      std::ofstream out(config_.reader_token_file);
      out << kReaderToken << "\n";
    }
    ::chmod(config_.reader_token_file.c_str(), 0600);
    if (adjust) adjust(config_);
    absl::StatusOr<std::unique_ptr<server::Server>> server = server::Server::Start(config_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server::testing::NewLocalStub(server_->port());
    policy_stub_ = server::testing::NewLocalPolicyStub(server_->port());
    transparency_stub_ = server::testing::NewLocalTransparencyStub(server_->port());
    absl::StatusOr<Signer> admin = ReadSignerKeyFile(config_.data_dir + "/keys/admin.key");
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::make_unique<Signer>(*std::move(admin));
  }

  // Registers a writer (through Append, signed by the administrator).
  const Signer& AddWriter(const std::string& name) {
    writers_.push_back(std::make_unique<Signer>(MustGenerate(name)));
    MustAppend(server::testing::RegisterWriterEntry(*admin_, writers_.back()->verifier(),
                                                    "register-" + name));
    return *writers_.back();
  }

  void RevokeWriter(const Signer& writer) {
    MustAppend(server::testing::RevokeWriterEntry(*admin_, writer.verifier(), "revoke-" + writer.name()));
  }

  // The standard log: two writers, then `count` events cycling through the
  // kinds below. Fetches every record afterwards (Refresh).
  void AppendStandard(int count) {
    const Signer& a = AddWriter(kWriterA);
    const Signer& b = AddWriter(kWriterB);
    struct Account {
      v1::Platform platform;
      const char* handle;
    };
    const Account accounts[] = {{v1::FACEBOOK, "AlcaldiaPasto"},
                                {v1::TWITTER, "AlcaldiaPasto"},
                                {v1::INSTAGRAM, "SaludPasto"}};
    for (int i = 0; i < count; ++i) {
      const Signer& writer = i % 2 == 0 ? a : b;
      const Account& account = accounts[(i / 6 + i) % 3];  // every kind on every account
      const std::string actor = (i / 3) % 2 == 0 ? kActorA : kActorB;
      const int64_t time = kBaseEventTime + i * kEventStep;
      switch (i % 6) {
        case 0: {
          v1::PolicyEvent event = Base(account.platform, account.handle, actor);
          event.mutable_post_published()->set_platform_post_id(absl::StrCat("post-", i));
          event.mutable_post_published()->set_content_sha256(
              std::string(AsBytes(Sha256(absl::StrCat("content ", i)))));
          AppendPolicy(writer, absl::StrCat("e", i), time, event, {}, {});
          break;
        }
        case 1: {
          v1::PolicyEvent event = Base(account.platform, account.handle, actor);
          event.mutable_reply_published()->set_platform_comment_id(absl::StrCat("comment-", i));
          event.mutable_reply_published()->set_reply_text("Gracias por escribirnos.");
          AppendPolicy(writer, absl::StrCat("e", i), time, event, {}, {
              {"citizen_handle", absl::StrCat("@vecina.privada.", 7000 + i)},
              {"comment_text", absl::StrCat("Vivo en la calle 18 # 25-", i,
                                            ", barrio Las Cuadras; mi cédula es ", 91000000 + i)},
          });
          break;
        }
        case 2: {
          v1::PolicyEvent event = Base(account.platform, account.handle, actor);
          event.mutable_user_blocked()->set_reason("insultos");
          AppendPolicy(writer, absl::StrCat("e", i), time, event, {"user_blocked"},
                       {{"citizen_handle", absl::StrCat("@ciudadano.bloqueado.", 8000 + i)}});
          break;
        }
        case 3: {
          v1::PolicyEvent event = Base(account.platform, account.handle, actor);
          const bool deleted = (i / 6) % 2 == 0;
          event.mutable_post_removed()->set_platform_post_id(absl::StrCat("post-", i - 3));
          event.mutable_post_removed()->set_action(deleted ? v1::DELETED : v1::HIDDEN);
          event.mutable_post_removed()->set_reason("error de redacción");
          AppendPolicy(writer, absl::StrCat("e", i), time, event,
                       deleted ? std::vector<std::string>{"post_deleted"} : std::vector<std::string>{},
                       {});
          break;
        }
        case 4:
        case 5: {
          const std::string type = i % 6 == 4 ? "post.published" : "ticket.opened";
          v1::Entry entry;
          entry.set_writer(writer.name());
          entry.set_request_id(absl::StrCat("e", i));
          entry.set_event_time_micros(time);
          entry.mutable_generic()->set_type(type);
          (*entry.mutable_generic()->mutable_attributes())["n"] = absl::StrCat(i);
          Known known;
          known.type = "generic";
          known.generic_type = type;
          MustAppend(client::SignEntry(writer, entry), std::move(known));
          break;
        }
      }
    }
    Refresh();
  }

  // A policy event's common part.
  static v1::PolicyEvent Base(v1::Platform platform, const std::string& handle,
                              const std::string& actor) {
    v1::PolicyEvent event;
    event.mutable_actor()->set_email(actor);
    event.mutable_actor()->set_dependency("Oficina de Comunicación Social");
    event.mutable_account()->set_platform(platform);
    event.mutable_account()->set_handle(handle);
    return event;
  }

  // Appends a policy event committing to `personal` (field, value) pairs,
  // with their openings beside the entry. Returns the receipt.
  v1::Receipt AppendPolicy(const Signer& writer, const std::string& request_id, int64_t time,
                           v1::PolicyEvent event, std::vector<std::string> findings,
                           const std::vector<std::pair<std::string, std::string>>& personal,
                           v1::Ledger::Stub* stub = nullptr) {
    std::vector<v1::PersonalDataOpening> openings;
    for (const auto& [field, value] : personal) {
      openings.push_back(policy::NewOpening(field, value, [this](size_t n) { return Salt(n); }));
      *event.add_personal_data() = policy::CommitmentOf(openings.back());
    }
    v1::Entry entry;
    entry.set_writer(writer.name());
    entry.set_request_id(request_id);
    entry.set_event_time_micros(time);
    *entry.mutable_policy() = event;
    v1::SignedEntry signed_entry = client::SignEntry(writer, entry);
    for (const v1::PersonalDataOpening& opening : openings) *signed_entry.add_personal_data() = opening;
    Known known;
    known.type = std::string(PolicyKindName(event));
    known.platform = event.account().platform();
    known.handle = event.account().handle();
    known.actor = event.actor().email();
    known.findings = std::move(findings);
    known.openings = std::move(openings);
    return MustAppend(signed_entry, std::move(known), stub);
  }

  // Appends through `stub` (default: the shared one); the record is known
  // under its index once appended.
  v1::Receipt MustAppend(const v1::SignedEntry& entry, Known known = {},
                         v1::Ledger::Stub* stub = nullptr) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    *request.mutable_entry() = entry;
    v1::Receipt receipt;
    grpc::Status status = (stub != nullptr ? *stub : *stub_).Append(&context, request, &receipt);
    EXPECT_TRUE(status.ok()) << server::testing::StatusText(status);
    if (!status.ok()) return receipt;
    if (known.type.empty()) {  // administration records: from the entry
      v1::Entry parsed;
      parsed.ParseFromString(entry.entry());
      known.type = parsed.has_writer_registered() ? "writer_registered"
                   : parsed.has_writer_revoked()  ? "writer_revoked"
                   : parsed.has_generic()         ? "generic"
                                                  : "?";
      if (parsed.has_generic()) known.generic_type = parsed.generic().type();
    }
    known.index = receipt.index();
    known.receipt_tree_size = receipt.tree_size();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (records_.size() <= known.index) records_.resize(known.index + 1);
      records_[known.index] = std::move(known);
    }
    return receipt;
  }

  // Reads every record back (GetRecords) and completes what the test knows:
  // leaf bytes, writer, event and integration times; record 0 is the genesis.
  void Refresh() {
    grpc::ClientContext context;
    auto reader = stub_->GetRecords(&context, v1::GetRecordsRequest());
    v1::RecordResponse response;
    std::lock_guard<std::mutex> lock(mu_);
    while (reader->Read(&response)) {
      const uint64_t index = response.index();
      if (records_.size() <= index) records_.resize(index + 1);
      Known& known = records_[index];
      known.index = index;
      known.leaf = response.leaf();
      absl::StatusOr<v1::Record> record = DecodeRecord(response.leaf());
      ASSERT_TRUE(record.ok()) << record.status();
      v1::Entry entry;
      ASSERT_TRUE(entry.ParseFromString(record->entry()));
      known.writer = entry.writer();
      known.event_time = entry.event_time_micros();
      known.integrated = record->integration_time_micros();
      if (index == 0) {
        ASSERT_TRUE(entry.has_genesis());
        known.type = "genesis";
      }
    }
    grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << server::testing::StatusText(status);
  }

  // The indexes of the known records (below `size`, if given) for which
  // `match` holds, oldest first.
  std::vector<uint64_t> Where(const std::function<bool(const Known&)>& match,
                              uint64_t size = UINT64_MAX) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<uint64_t> out;
    for (const Known& known : records_) {
      if (known.index < size && !known.type.empty() && match(known)) out.push_back(known.index);
    }
    return out;
  }

  // Every personal value and salt appended, in every form the tests search for.
  std::vector<std::string> SecretsInEveryForm() const {
    std::vector<std::string> out;
    for (const Known& known : records_) {
      for (const v1::PersonalDataOpening& opening : known.openings) {
        out.push_back(opening.value());
        out.push_back(opening.salt());
        out.push_back(Base64Encode(opening.salt()));
        out.push_back(HexEncode(opening.salt()));
      }
    }
    return out;
  }

  static std::string_view PolicyKindName(const v1::PolicyEvent& event) {
    const google::protobuf::FieldDescriptor* field = event.GetReflection()->GetOneofFieldDescriptor(
        event, v1::PolicyEvent::descriptor()->FindOneofByName("kind"));
    return field == nullptr ? std::string_view() : std::string_view(field->name());
  }

  // Handles compare case-insensitively, '@' optional.
  static bool SameHandle(std::string a, std::string b) {
    if (!a.empty() && a[0] == '@') a.erase(0, 1);
    if (!b.empty() && b[0] == '@') b.erase(0, 1);
    return absl::AsciiStrToLower(a) == absl::AsciiStrToLower(b);
  }

  std::vector<Known> records() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  const Known& at(uint64_t index) const { return records_.at(index); }
  uint64_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  server::Server& server() { return *server_; }
  v1::Ledger::Stub& stub() { return *stub_; }
  v1::Policy::Stub& policy_stub() { return *policy_stub_; }
  v1::Transparency::Stub& transparency_stub() { return *transparency_stub_; }
  const Signer& admin() const { return *admin_; }
  const Signer& writer(size_t i) const { return *writers_.at(i); }
  const server::ServerConfig& config() const { return config_; }
  std::string target() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::string log_key() const { return server_->log_verifier().ToString(); }

 private:
  std::string Salt(size_t n) {
    std::lock_guard<std::mutex> lock(salt_mu_);
    std::string salt(n, '\0');
    for (char& c : salt) c = static_cast<char>(random_() & 0xff);
    return salt;
  }

  std::string dir_;
  server::ServerConfig config_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::unique_ptr<v1::Policy::Stub> policy_stub_;
  std::unique_ptr<v1::Transparency::Stub> transparency_stub_;
  std::unique_ptr<Signer> admin_;
  std::vector<std::unique_ptr<Signer>> writers_;
  mutable std::mutex mu_;
  std::vector<Known> records_;
  std::mutex salt_mu_;
  std::mt19937_64 random_{20260301};
};

}  // namespace memoria::query::testing
