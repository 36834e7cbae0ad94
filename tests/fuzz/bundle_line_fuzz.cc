// Bundle lines (ledger/verify/bundle.h): JsonObject's typed accessors, and
// BundleReader over the input as a bundle (header, writer, trust, record and
// end lines). Property: a bundle the reader reads to its end line, written
// again line by line by BundleWriter, reads back to the same lines. (The
// writer refuses one thing the reader lets through for the verifier to
// report: personal-data openings in a bundle that is not disclosed; such a
// bundle is not written again.)
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/verify/bundle.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using memoria::BundleHeader;
using memoria::BundleReader;

bool SameHeader(const BundleHeader& a, const BundleHeader& b) {
  return a.origin == b.origin && a.log_vkey == b.log_vkey && a.admin_vkey == b.admin_vkey &&
         a.checkpoint == b.checkpoint && a.tree_size == b.tree_size && a.from == b.from &&
         a.to == b.to && a.proofs == b.proofs && a.filtered == b.filtered && a.query == b.query &&
         a.disclosed == b.disclosed;
}

bool SameLine(const BundleReader::Line& a, const BundleReader::Line& b) {
  if (a.type != b.type) return false;
  if (a.type == BundleReader::Line::Type::kWriter) {
    return a.writer.vkey == b.writer.vkey && a.writer.registered_at == b.writer.registered_at &&
           a.writer.revoked_at == b.writer.revoked_at &&
           a.writer.description == b.writer.description;
  }
  if (a.type == BundleReader::Line::Type::kEnd) return true;
  if (a.record.trust != b.record.trust || a.record.index != b.record.index ||
      a.record.leaf != b.record.leaf || a.record.proof != b.record.proof ||
      a.record.personal_data.size() != b.record.personal_data.size()) {
    return false;
  }
  for (size_t i = 0; i < a.record.personal_data.size(); ++i) {
    if (a.record.personal_data[i].SerializeAsString() !=
        b.record.personal_data[i].SerializeAsString()) {
      return false;
    }
  }
  return true;
}

struct Read {
  absl::Status status;
  BundleHeader header;
  std::vector<BundleReader::Line> lines;  // the end line last, if reached
};

Read ReadAll(const std::string& text) {
  std::istringstream in(text);
  BundleReader reader(in);
  Read read;
  absl::StatusOr<BundleHeader> header = reader.ReadHeader();
  if (!header.ok()) {
    read.status = header.status();
    return read;
  }
  read.header = *header;
  for (;;) {
    absl::StatusOr<BundleReader::Line> line = reader.Next();
    if (!line.ok()) {
      read.status = line.status();
      return read;
    }
    read.lines.push_back(*std::move(line));
    if (read.lines.back().type == BundleReader::Line::Type::kEnd) return read;
  }
}

// Each object of the input's lines through every typed accessor.
void ProbeJson(std::string_view input) {
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    absl::StatusOr<memoria::JsonObject> object =
        memoria::JsonObject::Parse(input.substr(start, end - start));
    if (object.ok()) {
      for (const char* field : {"index", "leaf", "proof", "type", "personal_data", "from"}) {
        (void)object->Has(field);
        (void)object->Uint(field);
        (void)object->String(field);
        (void)object->Bool(field);
        (void)object->Bytes(field);
        (void)object->StringList(field);
        absl::StatusOr<std::vector<memoria::JsonObject>> list = object->ObjectList(field);
        if (list.ok()) {
          for (const memoria::JsonObject& item : *list) (void)item.String("field");
        }
      }
    }
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoria;
  const std::string input(fuzz::AsText(data, size));
  ProbeJson(input);

  const Read read = ReadAll(input);
  if (!read.status.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(read.status),
               "a bundle that cannot be read is not INVALID_ARGUMENT: " + read.status.ToString());
    return 0;
  }
  // Read to its end line: write it again.
  if (!read.header.disclosed) {
    for (const BundleReader::Line& line : read.lines) {
      if (line.type == BundleReader::Line::Type::kRecord && !line.record.personal_data.empty()) {
        return 0;
      }
    }
  }
  std::ostringstream out;
  BundleWriter writer(out);
  absl::Status written = writer.WriteHeader(read.header);
  for (const BundleReader::Line& line : read.lines) {
    if (!written.ok()) break;
    switch (line.type) {
      case BundleReader::Line::Type::kWriter:
        written = writer.WriteWriter(line.writer);
        break;
      case BundleReader::Line::Type::kRecord:
        written = writer.WriteRecord(line.record);
        break;
      case BundleReader::Line::Type::kEnd:
        written = writer.Finish();
        break;
    }
  }
  FUZZ_CHECK(written.ok(), "BundleWriter refuses a bundle BundleReader read: " + written.ToString());
  const Read again = ReadAll(out.str());
  FUZZ_CHECK(again.status.ok(), "a bundle written again does not read: " + again.status.ToString());
  FUZZ_CHECK(SameHeader(again.header, read.header), "bundle round trip changed the header");
  FUZZ_CHECK(again.lines.size() == read.lines.size(), "bundle round trip changed the line count");
  for (size_t i = 0; i < read.lines.size(); ++i) {
    FUZZ_CHECK(SameLine(again.lines[i], read.lines[i]),
               "bundle round trip changed line " + std::to_string(i + 2));
  }
  return 0;
}
