#include "server/witness_client.h"

#include <httplib.h>

#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/verify/cosignature.h"

namespace memoria::server {
namespace {

constexpr int kOk = 200;
constexpr int kBadRequest = 400;
constexpr int kForbidden = 403;
constexpr int kNotFound = 404;
constexpr int kConflict = 409;
constexpr int kUnprocessable = 422;

// The first line of a witness's text, bounded: it is shown in the server's log.
std::string Excerpt(std::string_view body) {
  body = body.substr(0, body.find('\n'));
  if (body.size() > 200) body = body.substr(0, 200);
  std::string text;
  for (const char c : body) text.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WitnessClient>> WitnessClient::Create(const PolicyWitness& witness,
                                                                     absl::Duration timeout) {
  const std::string& url = witness.url;
  if (url.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness ", witness.name, " has no URL in the witness policy"));
  }
  const size_t scheme_end = url.find("://");
  const std::string_view scheme =
      scheme_end == std::string::npos ? std::string_view() : std::string_view(url).substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat("witness ", witness.name, " URL \"", url,
                                                   "\" is not http:// or https://"));
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (origin.size() <= scheme_end + 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness ", witness.name, " URL \"", url, "\" has no host"));
  }
  auto http = std::make_unique<httplib::Client>(origin);
  if (!http->is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness ", witness.name, " URL \"", url, "\" is not usable"));
  }
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  const time_t seconds = static_cast<time_t>(micros / 1000000);
  const time_t rest = static_cast<time_t>(micros % 1000000);
  http->set_connection_timeout(seconds, rest);
  http->set_read_timeout(seconds, rest);
  http->set_write_timeout(seconds, rest);
  http->set_keep_alive(true);
  return std::unique_ptr<WitnessClient>(
      new WitnessClient(witness, std::move(http), prefix + "/add-checkpoint"));
}

WitnessClient::WitnessClient(PolicyWitness witness, std::unique_ptr<httplib::Client> http,
                             std::string path)
    : witness_(std::move(witness)), http_(std::move(http)), path_(std::move(path)) {}

WitnessClient::~WitnessClient() = default;

absl::StatusOr<WitnessAnswer> WitnessClient::AddCheckpoint(const AddCheckpointRequest& request) {
  const std::string who = absl::StrCat("witness ", witness_.name);
  httplib::Result result =
      http_->Post(path_, FormatAddCheckpointRequest(request), "text/plain; charset=utf-8");
  if (!result) {
    return absl::UnavailableError(absl::StrCat(who, " (", witness_.url, ") did not answer: ",
                                               httplib::to_string(result.error()), " error"));
  }
  const int status = result->status;
  const std::string& body = result->body;
  WitnessAnswer answer;
  if (status == kOk) {
    // The body is one or more signature lines; ours is the first by the
    // witness's key that verifies over what we sent.
    absl::Status last = absl::NotFoundError("no signature line");
    size_t start = 0;
    while (start < body.size() && !answer.cosignature) {
      size_t end = body.find('\n', start);
      if (end == std::string::npos) end = body.size();
      const std::string line = body.substr(start, end - start) + "\n";
      absl::StatusOr<uint64_t> verified =
          VerifyCosignature(request.checkpoint + line, witness_.key);
      if (verified.ok()) {
        answer.cosignature = line;
      } else if (!absl::IsNotFound(verified.status()) || absl::IsNotFound(last)) {
        last = verified.status();
      }
      start = end + 1;
    }
    if (!answer.cosignature) {
      return absl::PermissionDeniedError(
          absl::StrCat(who, " answered 200 without a valid cosignature: ", last.message()));
    }
    return answer;
  }
  if (status == kConflict) {
    absl::StatusOr<uint64_t> size = ParseTlogSize(body);
    if (!size.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " answered 409 with a body that is not a size: \"", Excerpt(body), "\""));
    }
    answer.witness_size = *size;
    return answer;
  }
  const std::string message = absl::StrCat(who, " answered ", status, ": ", Excerpt(body));
  switch (status) {
    case kBadRequest:
      return absl::InvalidArgumentError(message);
    case kForbidden:
      return absl::PermissionDeniedError(message);
    case kNotFound:
      return absl::NotFoundError(message);
    case kUnprocessable:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace memoria::server
