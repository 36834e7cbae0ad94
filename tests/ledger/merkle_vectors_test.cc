// The RFC 6962 / RFC 9162 Merkle tree: the transparency-dev/merkle proof
// vectors, regressions for known verifier bugs, and proof construction from
// perfect subtrees checked hash for hash against a naive RFC 6962 reference.
#include "ledger/merkle.h"

#include <algorithm>
#include <random>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/hash.h"
#include "tests/ledger/test_support.h"

namespace memoria {
namespace {

using ::memoria::testing::HashFromHex;
using ::memoria::testing::ReadFileOrDie;
using ::memoria::testing::TestDataDir;
using ::memoria::testing::ToHash;
using ::memoria::testing::Unbase64;
using ::memoria::testing::Unhex;
using ::testing::AnyOf;
using ::testing::ElementsAreArray;

std::string HashHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : hash) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

// ---- The vector files ----------------------------------------------------------

std::string VectorDir(const std::string& kind) { return TestDataDir() + "/rfc6962/" + kind; }

// Every rfc6962/<kind>/<dir>/*.json, sorted.
std::vector<std::string> ListVectorFiles(const std::string& kind) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& dir : std::filesystem::directory_iterator(VectorDir(kind), error)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      if (file.path().extension() == ".json") {
        files.push_back(std::filesystem::relative(file.path(), VectorDir(kind)).string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A gtest-safe parameter name for each file ("1/modified-proof[0]-bit-@3.json"
// -> "1_modified_proof_0_bit_3"), unique within the list.
std::string VectorName(const std::string& file) {
  std::string name;
  for (char c : file.substr(0, file.size() - 5)) {  // drop ".json"
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name.push_back(c);
    } else if (!name.empty() && name.back() != '_') {
      name.push_back('_');
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name;
}

std::string VectorParamName(const ::testing::TestParamInfo<std::string>& param_info) {
  return VectorName(param_info.param);
}

google::protobuf::Struct ParseJson(const std::string& text, const std::string& path) {
  google::protobuf::Struct json;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &json);
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  return json;
}

// One vector file: its text (for exact integers) and its parsed form.
struct VectorFile {
  explicit VectorFile(const std::string& path)
      : text(ReadFileOrDie(path)), json(ParseJson(text, path)) {}
  std::string text;
  google::protobuf::Struct json;
};

const google::protobuf::Value& Field(const google::protobuf::Struct& json, const std::string& key) {
  static const google::protobuf::Value kNull;
  const auto it = json.fields().find(key);
  EXPECT_NE(it, json.fields().end()) << "missing field " << key;
  return it == json.fields().end() ? kNull : it->second;
}

// An unsigned integer field, read from the JSON text itself: Struct keeps
// numbers as doubles, which cannot hold the vectors' 18446744073709551615.
uint64_t NumberField(const std::string& json_text, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  size_t pos = json_text.find(quoted);
  EXPECT_NE(pos, std::string::npos) << "missing field " << key;
  if (pos == std::string::npos) return 0;
  pos = json_text.find(':', pos + quoted.size());
  while (pos != std::string::npos && pos + 1 < json_text.size() &&
         std::isspace(static_cast<unsigned char>(json_text[pos + 1]))) {
    ++pos;
  }
  uint64_t value = 0;
  const char* begin = json_text.data() + pos + 1;
  const auto [end, error] = std::from_chars(begin, json_text.data() + json_text.size(), value);
  EXPECT_TRUE(error == std::errc() && end != begin) << "field " << key << " is not a uint64";
  return value;
}

// A hash from the vectors, as raw bytes (some are deliberately not 32 bytes).
std::string BytesField(const google::protobuf::Struct& json, const std::string& key) {
  return Unbase64(Field(json, key).string_value());
}

// "proof": null or a list of base64 strings.
std::vector<std::string> ProofField(const google::protobuf::Struct& json) {
  std::vector<std::string> proof;
  const google::protobuf::Value& value = Field(json, "proof");
  if (value.kind_case() != google::protobuf::Value::kListValue) return proof;
  for (const auto& element : value.list_value().values()) {
    proof.push_back(Unbase64(element.string_value()));
  }
  return proof;
}

// Our API takes 32-byte Hash values, so a vector hash of another length can
// only reach the verifier through HashFromBytes, which must reject it. To still
// exercise the verifier on such a vector, it gets a stand-in: a hash no real
// tree produces, equal for equal bytes and different for different bytes.
struct VectorHashes {
  std::vector<Hash> hashes;
  bool all_32_bytes = true;
};

VectorHashes ToVectorHashes(const std::vector<std::string>& bytes) {
  VectorHashes out;
  for (const std::string& b : bytes) {
    absl::StatusOr<Hash> hash = HashFromBytes(b);
    if (b.size() == kHashSize) {
      EXPECT_TRUE(hash.ok()) << hash.status();
      out.hashes.push_back(ToHash(b));
    } else {
      EXPECT_EQ(hash.status().code(), absl::StatusCode::kInvalidArgument)
          << "HashFromBytes accepted " << b.size() << " bytes";
      out.all_32_bytes = false;
      out.hashes.push_back(Sha256("memoria test stand-in for a " + std::to_string(b.size()) +
                                  "-byte hash: " + b));
    }
  }
  return out;
}

// Vectors that a correct verifier rejects only because one of their hashes is
// not 32 bytes long (which HashFromBytes rejects); their stand-ins are
// consistent, so the verifier's own answer on them is not checked.
const std::set<std::string> kRejectedOnlyForHashLength = {
    // Root and leaf are both "" (equal), index 0 of 1 with an empty proof.
    "single-entry/empty-root-and-leaf.json",
    // Sizes 0 and 0 with equal (12-byte) roots and an empty proof.
    "additional/sizes-are-equal-zero-and-proof-is-empty.json",
};

TEST(MerkleVectorFilesTest, AllVectorFilesAreFound) {
  // 86 inclusion and 98 consistency files in transparency-dev/merkle@417fb0c.
  EXPECT_EQ(ListVectorFiles("inclusion").size(), 86u) << VectorDir("inclusion");
  EXPECT_EQ(ListVectorFiles("consistency").size(), 98u) << VectorDir("consistency");
}

class InclusionVectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InclusionVectorTest, VerifiesOrRejectsAsTheVectorSays) {
  const std::string& file = GetParam();
  const VectorFile vector(VectorDir("inclusion") + "/" + file);
  const google::protobuf::Struct& json = vector.json;
  const uint64_t index = NumberField(vector.text, "leafIdx");
  const uint64_t tree_size = NumberField(vector.text, "treeSize");
  const bool want_err = Field(json, "wantErr").bool_value();
  const VectorHashes given = ToVectorHashes({BytesField(json, "root"), BytesField(json, "leafHash")});
  const VectorHashes proof = ToVectorHashes(ProofField(json));
  const Hash& root = given.hashes[0];
  const Hash& leaf = given.hashes[1];
  const bool representable = given.all_32_bytes && proof.all_32_bytes;
  SCOPED_TRACE(file + ": " + Field(json, "desc").string_value());

  const absl::Status status = VerifyInclusion(index, tree_size, leaf, proof.hashes, root);
  // The batch verifier agrees, cold and after the valid proof warmed it.
  for (int round = 0; round < 2; ++round) {
    InclusionVerifier verifier(tree_size, root);
    if (round == 1 && index < tree_size) {
      (void)verifier.Verify(index, leaf, proof.hashes);
    }
    const absl::Status batch = verifier.Verify(index, leaf, proof.hashes);
    EXPECT_EQ(batch.ok(), status.ok()) << "round " << round << ": " << batch;
    if (!status.ok()) {
      EXPECT_EQ(batch.code(), status.code()) << batch;
    }
  }
  if (!want_err) {
    EXPECT_TRUE(representable);
    EXPECT_TRUE(status.ok()) << status;
    absl::StatusOr<Hash> implied = RootFromInclusionProof(index, tree_size, leaf, proof.hashes);
    ASSERT_TRUE(implied.ok()) << implied.status();
    EXPECT_EQ(*implied, root);
    return;
  }
  if (kRejectedOnlyForHashLength.count(file) > 0) {
    EXPECT_FALSE(representable);  // HashFromBytes rejected it above.
    return;
  }
  EXPECT_THAT(status.code(),
              AnyOf(absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss))
      << status;
}

INSTANTIATE_TEST_SUITE_P(Rfc6962, InclusionVectorTest,
                         ::testing::ValuesIn(ListVectorFiles("inclusion")),
                         VectorParamName);

class ConsistencyVectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ConsistencyVectorTest, VerifiesOrRejectsAsTheVectorSays) {
  const std::string& file = GetParam();
  const VectorFile vector(VectorDir("consistency") + "/" + file);
  const google::protobuf::Struct& json = vector.json;
  const uint64_t size1 = NumberField(vector.text, "size1");
  const uint64_t size2 = NumberField(vector.text, "size2");
  const bool want_err = Field(json, "wantErr").bool_value();
  const VectorHashes roots = ToVectorHashes({BytesField(json, "root1"), BytesField(json, "root2")});
  const VectorHashes proof = ToVectorHashes(ProofField(json));
  const bool representable = roots.all_32_bytes && proof.all_32_bytes;
  SCOPED_TRACE(file + ": " + Field(json, "desc").string_value());

  const absl::Status status =
      VerifyConsistency(size1, size2, roots.hashes[0], roots.hashes[1], proof.hashes);
  if (!want_err) {
    // "sizes-are-equal-one-and-proof-is-empty" has equal 12-byte roots: its
    // stand-ins are equal too, so it still verifies.
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  if (kRejectedOnlyForHashLength.count(file) > 0) {
    EXPECT_FALSE(representable);
    return;
  }
  EXPECT_THAT(status.code(),
              AnyOf(absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss))
      << status;
}

INSTANTIATE_TEST_SUITE_P(Rfc6962, ConsistencyVectorTest,
                         ::testing::ValuesIn(ListVectorFiles("consistency")),
                         VectorParamName);

// ---- A naive RFC 6962 section 2.1 reference ------------------------------------

// The tree over `leaf_hashes`, computed straight from the RFC's recursive
// definitions, on ranges [begin, end) of the leaves.
class ReferenceTree {
 public:
  explicit ReferenceTree(std::vector<Hash> leaf_hashes) : leaves_(std::move(leaf_hashes)) {}
  // A tree too large to list: the hash of every perfect subtree is given
  // (consistent or not with its children), so MTH recurses only O(log n) deep.
  explicit ReferenceTree(std::function<Hash(const NodeId&)> perfect_subtrees)
      : perfect_subtrees_(std::move(perfect_subtrees)) {}

  // MTH(D[begin:end]).
  Hash Mth(uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 0) return Sha256("");
    if (perfect_subtrees_ && std::has_single_bit(n) && begin % n == 0) {
      return perfect_subtrees_(
          NodeId{static_cast<uint8_t>(std::countr_zero(n)), begin >> std::countr_zero(n)});
    }
    if (n == 1) return leaves_[begin];
    const uint64_t k = Split(n);
    return NodeHash(Mth(begin, begin + k), Mth(begin + k, end));
  }

  // PATH(m, D[0:n]).
  std::vector<Hash> Path(uint64_t m, uint64_t n) const { return PathIn(m, 0, n); }

  // PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), for 0 < m <= n.
  std::vector<Hash> Proof(uint64_t m, uint64_t n) const { return Subproof(m, 0, n, true); }

 private:
  // The largest power of two smaller than n (n > 1).
  static uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

  // PATH(m, D[begin:end]), m relative to begin.
  std::vector<Hash> PathIn(uint64_t m, uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    const uint64_t k = Split(n);
    std::vector<Hash> path;
    if (m < k) {
      path = PathIn(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = PathIn(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  // SUBPROOF(m, D[begin:end], b).
  std::vector<Hash> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) const {
    const uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    const uint64_t k = Split(n);
    std::vector<Hash> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, b);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  std::vector<Hash> leaves_;
  std::function<Hash(const NodeId&)> perfect_subtrees_;
};

// ---- An in-memory store of perfect subtrees ------------------------------------

// The perfect-subtree hashes that CompactRange::Append reports, served as a
// NodeSource. A source made for tree size `limit` refuses (NOT_FOUND) any node
// that is not inside the first `limit` leaves, and counts its calls.
class MemoryNodes {
 public:
  void Add(const NodeId& id, const Hash& hash) {
    const bool inserted = nodes_.emplace(Key(id), hash).second;
    EXPECT_TRUE(inserted) << "node reported twice: level " << int{id.level} << " index "
                          << id.index;
  }

  NodeSource SourceFor(uint64_t limit) {
    return [this, limit](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
      ++calls_;
      std::vector<Hash> out;
      for (const NodeId& id : ids) {
        if (id.level >= 64 || id.index >= (limit >> id.level)) {
          return absl::NotFoundError("node outside the tree of size " + std::to_string(limit));
        }
        const auto it = nodes_.find(Key(id));
        if (it == nodes_.end()) return absl::NotFoundError("node not stored");
        out.push_back(it->second);
      }
      return out;
    };
  }

  size_t size() const { return nodes_.size(); }
  int calls() const { return calls_; }
  void ResetCalls() { calls_ = 0; }

 private:
  static std::pair<int, uint64_t> Key(const NodeId& id) { return {id.level, id.index}; }
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
  int calls_ = 0;
};

// The 8 leaves of the vectors' tree (testdata/rfc6962/README.md), then more
// leaves of our own up to `count`.
std::vector<std::string> Leaves(size_t count) {
  std::vector<std::string> leaves = {
      "",
      Unhex("00"),
      Unhex("10"),
      Unhex("2021"),
      Unhex("3031"),
      Unhex("40414243"),
      Unhex("5051525354555657"),
      Unhex("606162636465666768696a6b6c6d6e6f"),
  };
  for (size_t i = leaves.size(); i < count; ++i) leaves.push_back("leaf " + std::to_string(i));
  leaves.resize(count);
  return leaves;
}

// A tree built leaf by leaf with CompactRange, its nodes in memory, and the
// reference over the same leaves.
struct BuiltTree {
  explicit BuiltTree(size_t count) : leaves(Leaves(count)) {
    std::vector<Hash> leaf_hashes;
    for (const std::string& leaf : leaves) leaf_hashes.push_back(LeafHash(leaf));
    reference = std::make_unique<ReferenceTree>(leaf_hashes);
    for (const Hash& leaf_hash : leaf_hashes) {
      range.Append(leaf_hash, [&](const NodeId& id, const Hash& hash) { nodes.Add(id, hash); });
    }
  }

  std::vector<std::string> leaves;
  std::unique_ptr<ReferenceTree> reference;
  CompactRange range;
  MemoryNodes nodes;
};

constexpr uint64_t kMaxLeaves = 64;

// ComputeRoot, failing the test (and returning zeros) on error.
Hash RootOrZero(uint64_t size, const NodeSource& nodes) {
  absl::StatusOr<Hash> root = ComputeRoot(size, nodes);
  EXPECT_TRUE(root.ok()) << "size " << size << ": " << root.status();
  return root.ok() ? *root : Hash{};
}

TEST(MerkleTreeTest, ReadmeTreeHasTheListedRoots) {
  BuiltTree tree(8);
  const std::vector<std::pair<uint64_t, std::string>> roots = {
      {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
      {2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"},
      {8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"},
  };
  for (const auto& [size, hex] : roots) {
    absl::StatusOr<Hash> root = ComputeRoot(size, tree.nodes.SourceFor(size));
    ASSERT_TRUE(root.ok()) << "size " << size << ": " << root.status();
    EXPECT_EQ(HashHex(*root), hex) << "size " << size;
    EXPECT_EQ(HashHex(tree.reference->Mth(0, size)), hex) << "reference, size " << size;
  }
  EXPECT_EQ(HashHex(tree.range.Root()), roots.back().second);
}

TEST(MerkleTreeTest, ComputedProofsReproduceTheHappyPathVectors) {
  BuiltTree tree(8);
  for (const std::string& file : ListVectorFiles("inclusion")) {
    if (!file.ends_with("/happy-path.json")) continue;
    const VectorFile vector(VectorDir("inclusion") + "/" + file);
    const google::protobuf::Struct& json = vector.json;
    const uint64_t index = NumberField(vector.text, "leafIdx");
    const uint64_t size = NumberField(vector.text, "treeSize");
    absl::StatusOr<std::vector<Hash>> proof =
        ComputeInclusionProof(index, size, tree.nodes.SourceFor(size));
    ASSERT_TRUE(proof.ok()) << file << ": " << proof.status();
    EXPECT_EQ(*proof, ToVectorHashes(ProofField(json)).hashes) << file;
    EXPECT_EQ(RootOrZero(size, tree.nodes.SourceFor(size)), ToHash(BytesField(json, "root")))
        << file;
    EXPECT_EQ(LeafHash(tree.leaves[index]), ToHash(BytesField(json, "leafHash"))) << file;
  }
  for (const std::string& file : ListVectorFiles("consistency")) {
    if (!file.ends_with("/happy-path.json")) continue;
    const VectorFile vector(VectorDir("consistency") + "/" + file);
    const google::protobuf::Struct& json = vector.json;
    const uint64_t size1 = NumberField(vector.text, "size1");
    const uint64_t size2 = NumberField(vector.text, "size2");
    absl::StatusOr<std::vector<Hash>> proof =
        ComputeConsistencyProof(size1, size2, tree.nodes.SourceFor(size2));
    ASSERT_TRUE(proof.ok()) << file << ": " << proof.status();
    EXPECT_EQ(*proof, ToVectorHashes(ProofField(json)).hashes) << file;
    EXPECT_EQ(RootOrZero(size1, tree.nodes.SourceFor(size1)), ToHash(BytesField(json, "root1")))
        << file;
    EXPECT_EQ(RootOrZero(size2, tree.nodes.SourceFor(size2)), ToHash(BytesField(json, "root2")))
        << file;
  }
}

TEST(MerkleTreeTest, ComputeRootMatchesReferenceForEverySize) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 0; size <= kMaxLeaves; ++size) {
    tree.nodes.ResetCalls();
    absl::StatusOr<Hash> root = ComputeRoot(size, tree.nodes.SourceFor(size));
    ASSERT_TRUE(root.ok()) << "size " << size << ": " << root.status();
    EXPECT_EQ(*root, tree.reference->Mth(0, size)) << "size " << size;
    EXPECT_LE(tree.nodes.calls(), 1) << "nodes must be read in one call; size " << size;
  }
}

TEST(MerkleTreeTest, InclusionProofsMatchReferenceAndVerify) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    const Hash root = tree.reference->Mth(0, size);
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
      tree.nodes.ResetCalls();
      absl::StatusOr<std::vector<Hash>> proof =
          ComputeInclusionProof(index, size, tree.nodes.SourceFor(size));
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_LE(tree.nodes.calls(), 1);
      EXPECT_THAT(*proof, ElementsAreArray(tree.reference->Path(index, size)));
      const Hash leaf = LeafHash(tree.leaves[index]);
      EXPECT_TRUE(VerifyInclusion(index, size, leaf, *proof, root).ok());
      absl::StatusOr<Hash> implied = RootFromInclusionProof(index, size, leaf, *proof);
      ASSERT_TRUE(implied.ok()) << implied.status();
      EXPECT_EQ(*implied, root);

      // The leaf's hash with the same proof, from one call to the source.
      tree.nodes.ResetCalls();
      absl::StatusOr<LeafInclusion> with_leaf =
          ComputeLeafInclusion(index, size, tree.nodes.SourceFor(size));
      ASSERT_TRUE(with_leaf.ok()) << with_leaf.status();
      EXPECT_EQ(tree.nodes.calls(), 1);
      EXPECT_EQ(with_leaf->leaf_hash, leaf);
      EXPECT_EQ(with_leaf->proof, *proof);
    }
  }
  EXPECT_EQ(ComputeLeafInclusion(8, 8, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ComputeInclusionProofs gives, for any set of leaves (repeats and any order
// included), exactly the proofs ComputeInclusionProof gives one by one, reading
// the nodes in one call that names no node twice.
TEST(MerkleTreeTest, ManyInclusionProofsAtOnceMatchReference) {
  BuiltTree tree(kMaxLeaves);
  std::mt19937_64 rng(5);
  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    std::vector<std::vector<uint64_t>> sets;
    sets.emplace_back();
    for (uint64_t i = 0; i < size; ++i) sets.back().push_back(i);
    for (int k = 0; k < 4; ++k) {
      std::vector<uint64_t>& set = sets.emplace_back();
      const uint64_t count = 1 + rng() % (2 * size);
      for (uint64_t i = 0; i < count; ++i) set.push_back(rng() % size);
    }
    for (const std::vector<uint64_t>& indexes : sets) {
      SCOPED_TRACE("size " + std::to_string(size) + ", " + std::to_string(indexes.size()) +
                   " leaves");
      std::vector<std::pair<int, uint64_t>> asked;
      const NodeSource inner = tree.nodes.SourceFor(size);
      const NodeSource source = [&](std::span<const NodeId> ids) {
        for (const NodeId& id : ids) asked.emplace_back(id.level, id.index);
        return inner(ids);
      };
      tree.nodes.ResetCalls();
      absl::StatusOr<std::vector<std::vector<Hash>>> proofs =
          ComputeInclusionProofs(indexes, size, source);
      ASSERT_TRUE(proofs.ok()) << proofs.status();
      EXPECT_LE(tree.nodes.calls(), 1);
      std::sort(asked.begin(), asked.end());
      EXPECT_EQ(std::adjacent_find(asked.begin(), asked.end()), asked.end()) << "a node asked twice";
      ASSERT_EQ(proofs->size(), indexes.size());
      for (size_t i = 0; i < indexes.size(); ++i) {
        EXPECT_THAT((*proofs)[i], ElementsAreArray(tree.reference->Path(indexes[i], size)))
            << "leaf " << indexes[i];
      }
    }
  }
  const uint64_t beyond[] = {3, 8};
  EXPECT_EQ(ComputeInclusionProofs(beyond, 8, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ComputeInclusionProofs({}, 8, tree.nodes.SourceFor(8))->empty());
}

// One InclusionVerifier over every leaf of a tree, in order and shuffled,
// accepts every true proof and rejects every tampered one, however warm its
// memory of verified nodes.
TEST(MerkleTreeTest, InclusionVerifierAcceptsTrueProofsAndRejectsTamperedOnes) {
  BuiltTree tree(kMaxLeaves);
  std::mt19937_64 rng(11);
  for (uint64_t size : {uint64_t{1}, uint64_t{2}, uint64_t{7}, uint64_t{33}, uint64_t{63}, kMaxLeaves}) {
    const Hash root = tree.reference->Mth(0, size);
    InclusionVerifier verifier(size, root);
    std::vector<uint64_t> order(size);
    for (uint64_t i = 0; i < size; ++i) order[i] = i;
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) std::shuffle(order.begin(), order.end(), rng);
      for (uint64_t index : order) {
        SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
        const std::vector<Hash> proof = tree.reference->Path(index, size);
        const Hash leaf = LeafHash(tree.leaves[index]);
        EXPECT_TRUE(verifier.Verify(index, leaf, proof).ok());
        // Another leaf's hash, at this index.
        const Hash wrong = LeafHash(tree.leaves[(index + 1) % tree.leaves.size()]);
        if (wrong != leaf) {
          EXPECT_EQ(verifier.Verify(index, wrong, proof).code(), absl::StatusCode::kDataLoss);
        }
        // Each proof hash flipped in turn.
        for (size_t k = 0; k < proof.size(); ++k) {
          std::vector<Hash> tampered = proof;
          tampered[k][k % kHashSize] ^= 1;
          EXPECT_EQ(verifier.Verify(index, leaf, tampered).code(), absl::StatusCode::kDataLoss)
              << "hash " << k;
        }
        // Cut short and extended.
        if (!proof.empty()) {
          EXPECT_EQ(verifier.Verify(index, leaf, std::span(proof).first(proof.size() - 1)).code(),
                    absl::StatusCode::kInvalidArgument);
        }
        std::vector<Hash> longer = proof;
        longer.push_back(leaf);
        EXPECT_EQ(verifier.Verify(index, leaf, longer).code(), absl::StatusCode::kInvalidArgument);
      }
    }
    EXPECT_EQ(verifier.Verify(size, LeafHash(tree.leaves[0]), {}).code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(MerkleTreeTest, ConsistencyProofsMatchReferenceAndVerify) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size2 = 1; size2 <= kMaxLeaves; ++size2) {
    const Hash root2 = tree.reference->Mth(0, size2);
    for (uint64_t size1 = 1; size1 <= size2; ++size1) {
      SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " + std::to_string(size2));
      tree.nodes.ResetCalls();
      absl::StatusOr<std::vector<Hash>> proof =
          ComputeConsistencyProof(size1, size2, tree.nodes.SourceFor(size2));
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_LE(tree.nodes.calls(), 1);
      EXPECT_THAT(*proof, ElementsAreArray(tree.reference->Proof(size1, size2)));
      EXPECT_TRUE(
          VerifyConsistency(size1, size2, tree.reference->Mth(0, size1), root2, *proof).ok());
    }
  }
}

TEST(MerkleTreeTest, ConsistencyProofFromEmptyTreeIsEmpty) {
  BuiltTree tree(8);
  for (uint64_t size2 = 0; size2 <= 8; ++size2) {
    absl::StatusOr<std::vector<Hash>> proof =
        ComputeConsistencyProof(0, size2, tree.nodes.SourceFor(size2));
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(proof->empty()) << size2;
  }
}

TEST(MerkleTreeTest, InclusionProofOutsideTheTreeIsInvalidArgument) {
  BuiltTree tree(8);
  EXPECT_EQ(ComputeInclusionProof(0, 0, tree.nodes.SourceFor(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeInclusionProof(8, 8, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeInclusionProof(9, 8, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, ConsistencyProofBackwardsIsInvalidArgument) {
  BuiltTree tree(8);
  EXPECT_EQ(ComputeConsistencyProof(5, 4, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeConsistencyProof(1, 0, tree.nodes.SourceFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, NodeSourceErrorsArePassedThrough) {
  const NodeSource missing = [](std::span<const NodeId>) -> absl::StatusOr<std::vector<Hash>> {
    return absl::NotFoundError("no such node");
  };
  const NodeSource corrupt = [](std::span<const NodeId>) -> absl::StatusOr<std::vector<Hash>> {
    return absl::DataLossError("node is not 32 bytes");
  };
  EXPECT_EQ(ComputeRoot(5, missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ComputeInclusionProof(2, 5, missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ComputeConsistencyProof(3, 5, missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ComputeRoot(5, corrupt).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ComputeInclusionProof(2, 5, corrupt).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ComputeConsistencyProof(3, 5, corrupt).status().code(), absl::StatusCode::kDataLoss);
}

// Huge trees cannot be listed, only described by their perfect subtrees.
//
// SyntheticNode gives every perfect subtree its own hash, derived from its id;
// such a "tree" is not internally consistent (a parent is not the hash of its
// children) but makes each node distinct, so a proof built from the wrong
// node does not match the reference.
Hash SyntheticNode(const NodeId& id) {
  return Sha256("node " + std::to_string(id.level) + " " + std::to_string(id.index));
}

// UniformNode is the consistent tree whose leaves all have the same hash: a
// perfect subtree's hash depends only on its level.
Hash UniformNode(const NodeId& id) {
  static const std::vector<Hash> kLevels = [] {
    std::vector<Hash> levels = {LeafHash("same leaf")};
    while (levels.size() < 64) levels.push_back(NodeHash(levels.back(), levels.back()));
    return levels;
  }();
  return kLevels[id.level];
}

NodeSource SourceOf(Hash (*node)(const NodeId&)) {
  return [node](std::span<const NodeId> ids) -> absl::StatusOr<std::vector<Hash>> {
    std::vector<Hash> out;
    for (const NodeId& id : ids) out.push_back(node(id));
    return out;
  };
}

const std::vector<std::pair<uint64_t, uint64_t>>& HugeIndexAndSizes() {
  static const std::vector<std::pair<uint64_t, uint64_t>> kCases = {
      {0, 3},
      {0, uint64_t{1} << 32},
      {(uint64_t{1} << 32) - 1, (uint64_t{1} << 32) + 1},
      {uint64_t{1} << 62, (uint64_t{1} << 62) + 1},
      {uint64_t{1} << 63, (uint64_t{1} << 63) + 1},
      {0, (uint64_t{1} << 63) + 1},
      {0, UINT64_MAX},
      {UINT64_MAX - 1, UINT64_MAX},
      {(uint64_t{1} << 62) + 12345, UINT64_MAX - 7},
  };
  return kCases;
}

const std::vector<std::pair<uint64_t, uint64_t>>& HugeSizePairs() {
  static const std::vector<std::pair<uint64_t, uint64_t>> kCases = {
      {1, 3},
      {3, uint64_t{1} << 32},
      {(uint64_t{1} << 32) - 1, (uint64_t{1} << 32) + 1},
      {uint64_t{1} << 62, (uint64_t{1} << 63) + 1},
      {1, (uint64_t{1} << 63) + 1},
      {1, UINT64_MAX},
      {(uint64_t{1} << 40) + 3, UINT64_MAX},
      {uint64_t{1} << 63, UINT64_MAX},
      {UINT64_MAX - 1, UINT64_MAX},
  };
  return kCases;
}

TEST(MerkleTreeTest, HugeTreeProofsMatchReference) {
  const ReferenceTree reference(SyntheticNode);
  const NodeSource source = SourceOf(SyntheticNode);
  for (const auto& [index, size] : HugeIndexAndSizes()) {
    SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
    EXPECT_EQ(RootOrZero(size, source), reference.Mth(0, size));
    absl::StatusOr<std::vector<Hash>> proof = ComputeInclusionProof(index, size, source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(*proof, ElementsAreArray(reference.Path(index, size)));
  }
  for (const auto& [size1, size2] : HugeSizePairs()) {
    SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " + std::to_string(size2));
    absl::StatusOr<std::vector<Hash>> proof = ComputeConsistencyProof(size1, size2, source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(*proof, ElementsAreArray(reference.Proof(size1, size2)));
  }
}

TEST(MerkleTreeTest, HugeTreeProofsVerify) {
  const ReferenceTree reference(UniformNode);
  const NodeSource source = SourceOf(UniformNode);
  const Hash leaf = UniformNode(NodeId{0, 0});
  for (const auto& [index, size] : HugeIndexAndSizes()) {
    SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
    const Hash root = reference.Mth(0, size);
    absl::StatusOr<std::vector<Hash>> proof = ComputeInclusionProof(index, size, source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(*proof, ElementsAreArray(reference.Path(index, size)));
    const absl::Status status = VerifyInclusion(index, size, leaf, *proof, root);
    EXPECT_TRUE(status.ok()) << status;
  }
  for (const auto& [size1, size2] : HugeSizePairs()) {
    SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " + std::to_string(size2));
    absl::StatusOr<std::vector<Hash>> proof = ComputeConsistencyProof(size1, size2, source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(*proof, ElementsAreArray(reference.Proof(size1, size2)));
    const absl::Status status =
        VerifyConsistency(size1, size2, reference.Mth(0, size1), reference.Mth(0, size2), *proof);
    EXPECT_TRUE(status.ok()) << status;
  }
}

// ---- Verifier rejections -------------------------------------------------------

// Known bug: an empty proof from size 0 was accepted against any size. The
// contract (merkle.h) rejects every proof from size 0 to a larger size.
TEST(VerifyConsistencyTest, ProofFromEmptyTreeToLargerTreeIsRejected) {
  BuiltTree tree(16);
  for (uint64_t size2 = 1; size2 <= 16; ++size2) {
    const Hash root2 = tree.reference->Mth(0, size2);
    EXPECT_EQ(VerifyConsistency(0, size2, EmptyRoot(), root2, {}).code(),
              absl::StatusCode::kInvalidArgument)
        << size2;
    EXPECT_EQ(VerifyConsistency(0, size2, Sha256("not the empty root"), root2, {}).code(),
              absl::StatusCode::kInvalidArgument)
        << size2;
    EXPECT_EQ(VerifyConsistency(0, size2, EmptyRoot(), Sha256("any root"), {}).code(),
              absl::StatusCode::kInvalidArgument)
        << size2;
    const std::vector<Hash> proof = {root2};
    EXPECT_EQ(VerifyConsistency(0, size2, EmptyRoot(), root2, proof).code(),
              absl::StatusCode::kInvalidArgument)
        << size2;
  }
}

TEST(VerifyConsistencyTest, EmptyTreeIsConsistentWithItself) {
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
}

TEST(VerifyConsistencyTest, SameSizeNeedsEmptyProofAndEqualRoots) {
  BuiltTree tree(8);
  const Hash root = tree.reference->Mth(0, 5);
  EXPECT_TRUE(VerifyConsistency(5, 5, root, root, {}).ok());
  EXPECT_EQ(VerifyConsistency(5, 5, root, Sha256("other"), {}).code(),
            absl::StatusCode::kDataLoss);
  const std::vector<Hash> proof = {root};
  EXPECT_EQ(VerifyConsistency(5, 5, root, root, proof).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), proof).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifyConsistencyTest, FirstSizeLargerThanSecondIsRejected) {
  BuiltTree tree(8);
  const Hash root = tree.reference->Mth(0, 5);
  EXPECT_EQ(VerifyConsistency(6, 5, root, root, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(1, 0, root, EmptyRoot(), {}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifyConsistencyTest, EmptyProofBetweenDifferentNonZeroSizesIsRejected) {
  BuiltTree tree(8);
  // 4 -> 8 would be a one-hash proof; 1 -> 1 an empty one.
  EXPECT_EQ(VerifyConsistency(4, 8, tree.reference->Mth(0, 4), tree.reference->Mth(0, 8), {})
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifyConsistencyTest, TamperedTruncatedOrExtendedProofsAreRejected) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size2 = 2; size2 <= kMaxLeaves; ++size2) {
    const Hash root2 = tree.reference->Mth(0, size2);
    for (uint64_t size1 = 1; size1 < size2; ++size1) {
      SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " + std::to_string(size2));
      const Hash root1 = tree.reference->Mth(0, size1);
      const std::vector<Hash> proof = tree.reference->Proof(size1, size2);
      ASSERT_FALSE(proof.empty());
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> tampered = proof;
        tampered[i][i % kHashSize] ^= 0x01;
        EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, tampered).code(),
                  absl::StatusCode::kDataLoss)
            << "component " << i;
      }
      const std::vector<Hash> truncated(proof.begin(), proof.end() - 1);
      EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, truncated).code(),
                absl::StatusCode::kInvalidArgument);
      std::vector<Hash> extended = proof;
      extended.push_back(root2);
      EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, extended).code(),
                absl::StatusCode::kInvalidArgument);
      Hash wrong_root1 = root1;
      wrong_root1[0] ^= 0x80;
      EXPECT_EQ(VerifyConsistency(size1, size2, wrong_root1, root2, proof).code(),
                absl::StatusCode::kDataLoss);
      Hash wrong_root2 = root2;
      wrong_root2[31] ^= 0x80;
      EXPECT_EQ(VerifyConsistency(size1, size2, root1, wrong_root2, proof).code(),
                absl::StatusCode::kDataLoss);
    }
  }
}

// Known bug: `leaf_index > tree_size` was checked where `>=` is right, so an
// index equal to the size reached the hashing loop.
TEST(VerifyInclusionTest, LeafIndexEqualToTreeSizeIsRejected) {
  const Hash leaf = LeafHash("leaf");
  const Hash other = LeafHash("other");
  // With the `>` check, index 1 of size 1 and an empty proof "proves" that the
  // root is the leaf hash, and index 2 of size 2 that it is NodeHash(leaf, p).
  EXPECT_EQ(VerifyInclusion(1, 1, leaf, {}, leaf).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RootFromInclusionProof(1, 1, leaf, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<Hash> proof = {other};
  EXPECT_EQ(VerifyInclusion(2, 2, leaf, proof, NodeHash(leaf, other)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RootFromInclusionProof(2, 2, leaf, proof).status().code(),
            absl::StatusCode::kInvalidArgument);

  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    const Hash root = tree.reference->Mth(0, size);
    EXPECT_EQ(VerifyInclusion(size, size, leaf, tree.reference->Path(size - 1, size), root).code(),
              absl::StatusCode::kInvalidArgument)
        << size;
    EXPECT_EQ(VerifyInclusion(size + 1, size, leaf, {}, root).code(),
              absl::StatusCode::kInvalidArgument)
        << size;
  }
}

TEST(VerifyInclusionTest, EmptyTreeContainsNoLeaf) {
  EXPECT_EQ(VerifyInclusion(0, 0, LeafHash(""), {}, EmptyRoot()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(0, 0, EmptyRoot(), {}, EmptyRoot()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifyInclusionTest, TamperedTruncatedOrExtendedProofsAreRejected) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    const Hash root = tree.reference->Mth(0, size);
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
      const Hash leaf = LeafHash(tree.leaves[index]);
      const std::vector<Hash> proof = tree.reference->Path(index, size);
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> tampered = proof;
        tampered[i][(i * 7) % kHashSize] ^= 0x10;
        EXPECT_EQ(VerifyInclusion(index, size, leaf, tampered, root).code(),
                  absl::StatusCode::kDataLoss)
            << "component " << i;
      }
      if (!proof.empty()) {
        const std::vector<Hash> truncated(proof.begin(), proof.end() - 1);
        EXPECT_EQ(VerifyInclusion(index, size, leaf, truncated, root).code(),
                  absl::StatusCode::kInvalidArgument);
      }
      std::vector<Hash> extended = proof;
      extended.push_back(root);
      EXPECT_EQ(VerifyInclusion(index, size, leaf, extended, root).code(),
                absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(VerifyInclusion(index, size, LeafHash("not a leaf"), proof, root).code(),
                absl::StatusCode::kDataLoss);
      if (index + 1 < size && proof.size() == tree.reference->Path(index + 1, size).size()) {
        // The right proof shape for the neighbour, but the wrong position.
        EXPECT_EQ(VerifyInclusion(index + 1, size, leaf, proof, root).code(),
                  absl::StatusCode::kDataLoss);
      }
    }
  }
}

// ---- CompactRange --------------------------------------------------------------

TEST(CompactRangeTest, EmptyRangeHasEmptyRoot) {
  CompactRange range;
  EXPECT_EQ(range.size(), 0u);
  EXPECT_EQ(range.Root(), EmptyRoot());
  EXPECT_TRUE(CompactRange::NodesFor(0).empty());
}

TEST(CompactRangeTest, AppendReportsTheLeafAndCompletedSubtreesInLevelOrder) {
  const std::vector<std::string> leaves = Leaves(kMaxLeaves);
  std::vector<Hash> leaf_hashes;
  for (const std::string& leaf : leaves) leaf_hashes.push_back(LeafHash(leaf));
  const ReferenceTree reference(leaf_hashes);
  CompactRange range;
  size_t reported = 0;
  for (uint64_t i = 0; i < kMaxLeaves; ++i) {
    std::vector<std::pair<NodeId, Hash>> nodes;
    range.Append(leaf_hashes[i], [&](const NodeId& id, const Hash& hash) {
      nodes.emplace_back(id, hash);
    });
    const uint64_t size = i + 1;
    SCOPED_TRACE("size " + std::to_string(size));
    // Exactly the perfect subtrees ending at leaf i: levels 0..countr_zero(size).
    ASSERT_EQ(nodes.size(), static_cast<size_t>(std::countr_zero(size)) + 1);
    for (size_t level = 0; level < nodes.size(); ++level) {
      const auto& [id, hash] = nodes[level];
      EXPECT_EQ(id.level, level);
      EXPECT_EQ(id.index, i >> level);
      EXPECT_EQ(hash, reference.Mth(id.index << level, (id.index + 1) << level));
    }
    reported += nodes.size();
    EXPECT_EQ(reported, 2 * size - static_cast<size_t>(std::popcount(size)));
    EXPECT_EQ(range.size(), size);
    EXPECT_EQ(range.Root(), reference.Mth(0, size));
  }
}

TEST(CompactRangeTest, NodesForListsOnePerfectSubtreePerSetBitLargestFirst) {
  const std::vector<NodeId> nodes = CompactRange::NodesFor(13);  // 0b1101
  EXPECT_EQ(nodes, (std::vector<NodeId>{NodeId{3, 0}, NodeId{2, 2}, NodeId{0, 12}}));
  EXPECT_EQ(CompactRange::NodesFor(8), (std::vector<NodeId>{NodeId{3, 0}}));
  EXPECT_EQ(CompactRange::NodesFor(1), (std::vector<NodeId>{NodeId{0, 0}}));
  const std::vector<NodeId> all = CompactRange::NodesFor(UINT64_MAX);
  ASSERT_EQ(all.size(), 64u);
  EXPECT_EQ(all.front(), (NodeId{63, 0}));
  EXPECT_EQ(all.back(), (NodeId{0, UINT64_MAX - 1}));
}

TEST(CompactRangeTest, FromNodesRoundTripsEverySize) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 0; size <= kMaxLeaves; ++size) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::vector<NodeId> ids = CompactRange::NodesFor(size);
    EXPECT_EQ(ids.size(), static_cast<size_t>(std::popcount(size)));
    std::vector<Hash> hashes;
    if (!ids.empty()) {
      absl::StatusOr<std::vector<Hash>> fetched = tree.nodes.SourceFor(size)(ids);
      ASSERT_TRUE(fetched.ok()) << fetched.status();
      hashes = *fetched;
    }
    absl::StatusOr<CompactRange> range = CompactRange::FromNodes(size, hashes);
    ASSERT_TRUE(range.ok()) << range.status();
    EXPECT_EQ(range->size(), size);
    EXPECT_EQ(range->Root(), tree.reference->Mth(0, size));
    // The restored range keeps growing like the original.
    for (uint64_t next = size; next < std::min<uint64_t>(size + 5, kMaxLeaves); ++next) {
      range->Append(LeafHash(tree.leaves[next]), [](const NodeId&, const Hash&) {});
      EXPECT_EQ(range->Root(), tree.reference->Mth(0, next + 1));
    }
  }
}

TEST(CompactRangeTest, BeforeLeafIsTheRangeOfTheLeavesBeforeIt) {
  BuiltTree tree(kMaxLeaves);
  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
      const std::vector<Hash> proof = tree.reference->Path(index, size);
      absl::StatusOr<CompactRange> range = CompactRange::BeforeLeaf(index, size, proof);
      ASSERT_TRUE(range.ok()) << range.status();
      EXPECT_EQ(range->size(), index);
      EXPECT_EQ(range->Root(), tree.reference->Mth(0, index));
      // It grows into the tree the proof came from.
      for (uint64_t next = index; next < size; ++next) {
        range->Append(LeafHash(tree.leaves[next]), [](const NodeId&, const Hash&) {});
      }
      EXPECT_EQ(range->Root(), tree.reference->Mth(0, size));
    }
  }
}

TEST(CompactRangeTest, BeforeLeafRefusesAProofOfTheWrongLength) {
  BuiltTree tree(13);
  std::vector<Hash> proof = tree.reference->Path(5, 13);
  proof.pop_back();
  EXPECT_EQ(CompactRange::BeforeLeaf(5, 13, proof).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::BeforeLeaf(13, 13, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CompactRangeTest, FromNodesWithWrongHashCountIsInvalidArgument) {
  const Hash hash = Sha256("x");
  EXPECT_EQ(CompactRange::FromNodes(13, {hash, hash}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromNodes(13, {hash, hash, hash, hash}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromNodes(0, {hash}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromNodes(8, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memoria
