// Reading a C2SP tlog-tiles log (ledger/tile_path.h) without trusting whoever
// serves it: the checkpoint opened under the pinned log key, hash tiles and
// entry bundles fetched from a TileSource (ledger/verify/tile_source.h), every
// byte used checked against the signed root.
//
//   TiledLog log(*source, log_key);
//   ASSIGN_OR_RETURN(TrustedCheckpoint latest, log.FetchCheckpoint());
//   // consistency with a checkpoint trusted before, from the tiles:
//   ASSIGN_OR_RETURN(auto proof, log.ConsistencyProof(trusted.size, latest.checkpoint.size));
//   // every entry from `from` on, in order, streamed:
//   RETURN_IF_ERROR(log.ReadEntries(latest.checkpoint, from, [&](uint64_t i, std::string leaf) {...}));
//   // one entry, by its inclusion proof:
//   ASSIGN_OR_RETURN(ProvenLeaf leaf, log.ReadLeaf(index, latest.checkpoint));
//
// What is checked:
//   - the checkpoint is a signed note of the log key (OpenCheckpoint);
//   - every tile and entry bundle has exactly the length its width promises
//     (a partial tile of a tree of size s at level L has floor(s/256^L) mod
//     256 hashes; a bundle exactly that many entries, nothing after them);
//   - ReadEntries: every entry hashes (RFC 6962 leaf hash) to the hash at its
//     position in its level-0 tile, and the root of the tree of the entries
//     before `from` (the trusted CompactRange given, or the perfect subtrees
//     read from the tiles) extended with every entry read equals the signed
//     root. The callback sees each entry as soon as its bundle is checked;
//     the root check comes after the last one: act on entries only once
//     ReadEntries returned OK (LogAuditor does: it compares roots itself);
//   - ReadLeaf and the proofs: hashes of perfect subtrees taken from the
//     tiles (Nodes) make RFC 9162 proofs, which the caller (ReadLeaf itself)
//     verifies against signed roots; a tile that lies makes a proof fail.
//
// Only what is needed is fetched: ReadEntries fetches the level-0 tiles and
// bundles from `from` on (and, without a trusted range, the few tiles holding
// the perfect subtrees of the first `from` entries); ReadLeaf one bundle and
// the tiles on one path. Partial tiles are asked for only at the width a
// verified checkpoint requires; when a partial resource is gone (a later full
// one replaced it), the full one is read instead and its first W hashes used.
//
// Resources are fetched in parallel: up to `parallel` bundles (each with its
// level-0 tile) in flight, and memory stays bounded by that window whatever
// the log's size.
//
// Errors: DATA_LOSS for anything that disagrees with the signed checkpoint (a
// hash, a length, a width, the root), naming the resource; the checkpoint's
// own (PERMISSION_DENIED: another key's signature, INVALID_ARGUMENT: not a
// checkpoint) prefixed "checkpoint: "; NOT_FOUND for a missing resource, and
// the source's transport errors, naming the resource; the callback's errors
// as they are.
//
// Thread-safety: one TiledLog is used from one thread (its fetches run on
// threads of its own); the source must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/verify/checkpoint_tracker.h"
#include "ledger/verify/tile_source.h"

namespace memoria {

// The entries of an entry bundle of `width` entries (big-endian uint16
// length, then the bytes, each); DATA_LOSS if it is cut short, holds more or
// fewer entries, or bytes after the last.
absl::StatusOr<std::vector<std::string>> ParseEntryBundle(std::string_view bytes, uint64_t width);

// An entry proven by its inclusion proof into a signed checkpoint.
struct ProvenLeaf {
  uint64_t index = 0;
  std::string leaf;  // the record's bytes
  Hash leaf_hash{};
  std::vector<Hash> proof;  // RFC 9162 inclusion proof into the checkpoint
};

class TiledLog {
 public:
  static constexpr int kDefaultParallel = 8;

  TiledLog(TileSource& source, Verifier log_key, int parallel = kDefaultParallel);

  const Verifier& log_key() const { return log_key_; }
  TileSource& source() const { return source_; }

  // Fetches and opens the checkpoint.
  absl::StatusOr<TrustedCheckpoint> FetchCheckpoint();

  // Hashes of perfect subtrees of the tree of `tree_size` leaves, read from
  // its tiles (unchecked: what they prove is checked against a signed root).
  // INVALID_ARGUMENT for a node outside that tree.
  NodeSource Nodes(uint64_t tree_size);

  // The consistency proof from `size1` to `size2` leaves, from the tiles of
  // the tree of `size2` (unchecked: VerifyConsistency checks it).
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2);

  // Entry `index` of the tree of `checkpoint` (opened under the log key),
  // verified by its inclusion proof. OUT_OF_RANGE if index >= its size.
  absl::StatusOr<ProvenLeaf> ReadLeaf(uint64_t index, const Checkpoint& checkpoint);

  // Streams the entries [before.size(), checkpoint.size) in index order to
  // `on_entry`, which may stop the read by returning an error (returned as
  // is). `before`: the trusted tree of the first entries (a state's).
  using EntryCallback = std::function<absl::Status(uint64_t index, std::string leaf)>;
  absl::Status ReadEntries(const Checkpoint& checkpoint, CompactRange before,
                           const EntryCallback& on_entry);
  // The same from entry `from`, the tree before it read from the tiles.
  absl::Status ReadEntries(const Checkpoint& checkpoint, uint64_t from,
                           const EntryCallback& on_entry);

  // Resources fetched and their bytes, since construction.
  uint64_t resources_fetched() const { return resources_.load(); }
  uint64_t bytes_fetched() const { return bytes_.load(); }

 private:
  struct Bundle;
  // The hashes of tile (level, index) of a tree of `tree_size` leaves.
  absl::StatusOr<std::vector<Hash>> FetchTile(uint8_t level, uint64_t index, uint64_t tree_size);
  // The entries of bundle `index` of a tree of `tree_size` leaves.
  absl::StatusOr<std::vector<std::string>> FetchBundle(uint64_t index, uint64_t tree_size);
  // The resource at `partial_path` when `partial`, or at `full_path` when not
  // or when the partial one is gone (`*from_full` then set).
  absl::StatusOr<std::string> FetchResource(const std::string& full_path,
                                            const std::string& partial_path, bool partial,
                                            bool* from_full);
  absl::StatusOr<Bundle> FetchCheckedBundle(uint64_t index, uint64_t tree_size);
  std::string Name(const std::string& path) const;

  TileSource& source_;
  const Verifier log_key_;
  const int parallel_;
  std::atomic<uint64_t> resources_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace memoria
