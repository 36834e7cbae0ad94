#include "ledger/store_check.h"

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/encoding.h"
#include "ledger/high_water_mark.h"
#include "ledger/merkle.h"
#include "ledger/status.h"
#include "ledger/store.h"

namespace memoria {
namespace {

// Reads the store into `auditor` and `out`; RocksDB's errors as they are.
absl::Status ReadStore(const std::string& data_dir, LogAuditor& auditor,
                       const StoreCheckHooks& hooks, StoreCheck& out) {
  namespace fs = std::filesystem;
  std::string path = data_dir;
  if (fs::exists(fs::path(path) / "db" / "CURRENT")) path = (fs::path(path) / "db").string();
  if (!fs::exists(fs::path(path) / "CURRENT")) {
    return absl::NotFoundError(absl::StrCat("no RocksDB store in ", data_dir));
  }
  out.path = path;
  const Verifier& log_key = auditor.log_key();
  fs::path store_dir = fs::absolute(path).lexically_normal();
  if (store_dir.filename().empty()) store_dir = store_dir.parent_path();
  const std::string mark_path = (store_dir.parent_path() / kHighWaterMarkFile).string();
  absl::StatusOr<std::optional<MarkedCheckpoint>> mark = ReadHighWaterMark(mark_path, log_key);
  if (absl::IsDataLoss(mark.status())) {
    auditor.Report(0, FindingKind::kDamaged, std::string(mark.status().message()));
  } else if (!mark.ok()) {
    return mark.status();
  }
  const std::optional<MarkedCheckpoint> marked =
      mark.ok() ? *std::move(mark) : std::optional<MarkedCheckpoint>();

  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open({.path = path, .create_if_missing = false}));
  RETURN_IF_ERROR(store->CheckFormat());

  if (absl::StatusOr<std::string> vkey = store->Get(Column::kMeta, kMetaLogKey); vkey.ok()) {
    if (*vkey != log_key.ToString()) {
      auditor.Report(0, FindingKind::kCheckpoint,
                     absl::StrCat("the store was created for log key ", *vkey, ", not the pinned one"));
    }
  }

  // Every stored checkpoint: it must open and sign the size it is stored under.
  struct Stored {
    uint64_t size;
    Hash root;
  };
  std::vector<Stored> checkpoints;
  std::optional<uint64_t> largest_key;
  std::string latest_note;
  RETURN_IF_ERROR(store->Scan(Column::kCheckpoints, "", "", [&](std::string_view key, std::string_view note) {
    if (key.size() != 8) {
      auditor.Report(0, FindingKind::kCheckpoint,
                     absl::StrCat("stored checkpoint key of ", key.size(), " bytes (not 8)"));
      return true;
    }
    const uint64_t size = DecodeBigEndian64(key);
    largest_key = size;
    absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(note, log_key);
    if (!checkpoint.ok()) {
      auditor.Report(size, FindingKind::kCheckpoint,
                     absl::StrCat("stored checkpoint ", size, " does not open under the log key: ",
                                  std::string(checkpoint.status().message())));
      return true;
    }
    if (checkpoint->size != size) {
      auditor.Report(size, FindingKind::kCheckpoint,
                     absl::StrCat("stored checkpoint under size ", size, " signs size ", checkpoint->size));
      return true;
    }
    checkpoints.push_back({size, checkpoint->root});
    latest_note = std::string(note);
    out.checkpoint = *checkpoint;
    out.checkpoint_note = latest_note;
    return true;
  }));
  if (!largest_key.has_value()) {
    auditor.Report(0, FindingKind::kCheckpoint, "the store holds no checkpoint");
  }
  if (out.checkpoint.has_value() && hooks.before_records) {
    hooks.before_records(auditor, {*out.checkpoint, out.checkpoint_note});
  }

  // Tree hashes: compared in batches with the recomputed ones.
  std::vector<std::pair<NodeId, Hash>> pending;
  absl::Status tree_status = absl::OkStatus();
  auto flush_nodes = [&]() {
    if (pending.empty() || !tree_status.ok()) return;
    std::vector<std::string> keys;
    keys.reserve(pending.size());
    for (const auto& [node, hash] : pending) keys.push_back(TreeKey(node));
    absl::StatusOr<std::vector<std::optional<std::string>>> values = store->MultiGet(Column::kTree, keys);
    if (!values.ok()) {
      tree_status = values.status();
      return;
    }
    for (size_t i = 0; i < pending.size(); ++i) {
      const auto& [node, hash] = pending[i];
      const std::optional<std::string>& value = (*values)[i];
      const uint64_t first = node.index << node.level;
      const std::string where = absl::StrCat("stored tree hash of node (level ", node.level, ", index ",
                                             node.index, ") covering records [", first, ", ",
                                             first + (uint64_t{1} << node.level), ")");
      if (!value.has_value()) {
        auditor.Report(first, FindingKind::kTree, absl::StrCat(where, " is missing"));
      } else if (*value != AsBytes(hash)) {
        auditor.Report(first, FindingKind::kTree,
                       absl::StrCat(where, value->size() == kHashSize ? " differs from the recomputed hash"
                                                                      : " is not 32 bytes",
                                    node.level == 0 ? " (the record bytes or the stored leaf hash were altered)" : ""));
      }
    }
    pending.clear();
  };
  auditor.SetNodeObserver([&](const NodeId& node, const Hash& hash) {
    pending.emplace_back(node, hash);
  });

  size_t next_checkpoint = 0;
  auto check_roots = [&]() {
    while (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint].size <= auditor.size()) {
      const Stored& stored = checkpoints[next_checkpoint++];
      if (stored.size < auditor.size()) continue;  // a gap in the records: reported by the auditor
      if (auditor.Root() != stored.root) {
        auditor.Report(stored.size, FindingKind::kCheckpoint,
                       absl::StrCat("stored checkpoint ", stored.size,
                                    ": its root differs from the root recomputed from the records"));
      }
    }
  };
  check_roots();
  std::optional<Hash> root_at_mark;
  auto check_mark = [&]() {
    if (marked.has_value() && auditor.size() == marked->checkpoint.size) root_at_mark = auditor.Root();
  };
  check_mark();
  const uint64_t total = largest_key.value_or(0);
  RETURN_IF_ERROR(store->Scan(Column::kRecords, "", "", [&](std::string_view key, std::string_view leaf) {
    if (key.size() != 8) {
      auditor.Report(auditor.size(), FindingKind::kMalformed,
                     absl::StrCat("stored record key of ", key.size(), " bytes (not 8)"));
      return true;
    }
    auditor.Add(DecodeBigEndian64(key), std::string(leaf));
    if (hooks.after_record) hooks.after_record(auditor);
    check_roots();
    check_mark();
    if (pending.size() >= 8192) flush_nodes();
    if (hooks.progress) hooks.progress(auditor.size(), total);
    return true;
  }));
  flush_nodes();
  RETURN_IF_ERROR(tree_status);
  if (marked.has_value()) {
    const uint64_t size = marked->checkpoint.size;
    if (auditor.size() < size) {
      auditor.Report(auditor.size(), FindingKind::kRollback,
                     absl::StrCat("the store holds ", auditor.size(), " records but the high-water mark ",
                                  mark_path, " records that the log acknowledged and signed ", size,
                                  ": the store came back shorter (restore it from a backup or a mirror)"));
    } else if (root_at_mark != marked->checkpoint.root) {
      auditor.Report(size, FindingKind::kFork,
                     absl::StrCat("the root recomputed from the stored records at size ", size,
                                  " differs from the checkpoint of that size in the high-water mark ",
                                  mark_path));
    }
  }
  if (next_checkpoint < checkpoints.size()) {
    auditor.Report(auditor.size(), FindingKind::kTruncated,
                   absl::StrCat("stored checkpoints sign up to ", checkpoints.back().size,
                                " records but the store holds ", auditor.size()));
  }
  if (out.checkpoint.has_value() && auditor.size() > out.checkpoint->size) {
    auditor.Report(out.checkpoint->size, FindingKind::kCheckpoint,
                   absl::StrCat("the store holds ", auditor.size(),
                                " records, more than its latest checkpoint signs (",
                                out.checkpoint->size, ")"));
  }
  if (largest_key.has_value() && out.checkpoint.has_value() &&
      *largest_key != out.checkpoint->size) {
    out.checkpoint.reset();  // the latest stored checkpoint is corrupt: none to trust
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoreCheck> CheckStore(const std::string& data_dir, LogAuditor& auditor,
                                      const StoreCheckHooks& hooks) {
  StoreCheck check;
  absl::Status status = ReadStore(data_dir, auditor, hooks, check);
  if (!absl::IsDataLoss(status)) {
    RETURN_IF_ERROR(status);
    return check;
  }
  // Damage RocksDB finds (a write-ahead log record or a table file failing
  // its checksum) is an integrity failure of the store, not an I/O error.
  auditor.Report(auditor.size(), FindingKind::kDamaged, std::string(status.message()));
  check.checkpoint.reset();
  return check;
}

}  // namespace memoria
