#include "server/tiles_publisher.h"

#include <utility>

#include "ledger/status.h"
#include "server/round_throttle.h"
#include "spdlog/spdlog.h"

namespace memoria::server {
namespace {

constexpr absl::Duration kPollPeriod = absl::Milliseconds(10);

}  // namespace

TilesPublisher::TilesPublisher(const Log& log, const Witnessing* witnessing,
                               TilesPublisherOptions options, std::unique_ptr<TileWriter> writer)
    : log_(log), witnessing_(witnessing), options_(std::move(options)),
      writer_(std::move(writer)) {}

absl::StatusOr<std::unique_ptr<TilesPublisher>> TilesPublisher::Create(
    const Log& log, const Witnessing* witnessing, TilesPublisherOptions options) {
  if (options.interval <= absl::ZeroDuration() || options.idle <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--tiles-interval must be positive");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<TileWriter> writer, TileWriter::Open(log, options.directory));
  return std::unique_ptr<TilesPublisher>(
      new TilesPublisher(log, witnessing, std::move(options), std::move(writer)));
}

TilesPublisher::~TilesPublisher() { Stop(); }

void TilesPublisher::Start() {
  spdlog::info("tiles: publishing to {} (checkpoint of size {} there)", writer_->directory(),
               writer_->published_size());
  thread_ = std::thread([this] { Loop(); });
}

void TilesPublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_requested_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

std::pair<std::string, uint64_t> TilesPublisher::Latest() const {
  if (witnessing_ != nullptr) {
    std::optional<CosignedCheckpoint> cosigned = witnessing_->LatestCosigned();
    if (!cosigned.has_value()) return {"", 0};
    return {std::move(cosigned->note), cosigned->size};
  }
  SignedHead head = log_.Head();
  return {std::move(head.note), head.checkpoint.size};
}

void TilesPublisher::Loop() {
  RoundThrottle throttle(options_.interval, options_.idle);
  std::string last_error;
  const auto cancelled = [this] { return stop_requested_.load(std::memory_order_acquire); };
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kPollPeriod);
      if (stopping_) return;
    }
    auto [note, size] = Latest();
    const absl::Time now = absl::Now();
    if (size < writer_->published_size() || !throttle.Due(note, now)) continue;
    throttle.Started(now);
    const uint64_t from = writer_->published_size();
    const absl::Time started = absl::Now();
    const absl::Status status = writer_->Publish(note, cancelled);
    if (status.ok()) {
      throttle.Done(note);
      if (!last_error.empty()) spdlog::info("tiles: publishing works again");
      last_error.clear();
      const absl::Duration took = absl::Now() - started;
      if (size - from > 100'000 || took > absl::Seconds(1)) {
        spdlog::info("tiles: published {} records (size {} to {}) in {}", size - from, from, size,
                     absl::FormatDuration(took));
      }
      continue;
    }
    if (absl::IsCancelled(status)) return;
    failures_.fetch_add(1, std::memory_order_relaxed);
    const std::string error(status.message());
    if (error != last_error) {
      spdlog::error("tiles: cannot publish the checkpoint of size {} to {}: {} (retrying every {})",
                    size, writer_->directory(), status.ToString(),
                    absl::FormatDuration(options_.interval));
    }
    last_error = error;
    // A record too large for a bundle will not shrink: retrying would
    // rewrite the same files forever. Wait for a restart.
    if (absl::IsFailedPrecondition(status) || absl::IsDataLoss(status)) throttle.Done(note);
  }
}

}  // namespace memoria::server
