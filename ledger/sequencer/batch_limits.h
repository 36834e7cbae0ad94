// BatchLimits: when the sequencer closes a batch (ledger/sequencer/sequencer.h).
// memoria-server sets them from its flags (server/config.h).
#pragma once

#include <cstddef>

#include "absl/time/time.h"

namespace memoria {

// Bounds of one sequenced batch (one synced write, one checkpoint signature).
struct BatchLimits {
  // At most this many entries per batch (an AppendBatch call is never split,
  // so a single call may exceed it up to ServerConfig::max_batch_entries).
  size_t max_entries = 1000;
  // At most about this many entry bytes per batch.
  size_t max_bytes = 4 << 20;
  // How long the sequencer waits for more entries, counted from the arrival of
  // the oldest queued request, before writing a batch that is not yet full.
  absl::Duration max_wait = absl::Milliseconds(2);
};

}  // namespace memoria
