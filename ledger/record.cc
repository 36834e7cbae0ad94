#include "ledger/record.h"

#include <utility>

#include "ledger/keys.h"

namespace memoria {

std::string EntrySignedMessage(std::string_view entry) {
  std::string message(kEntrySignaturePrefix);
  message.append(entry);
  return message;
}

std::string EncodeRecord(const v1::Record& record) {
  std::string bytes;
  record.SerializeToString(&bytes);
  return bytes;
}

RecordPrefix::RecordPrefix(uint32_t writer_key_id, std::string_view entry,
                           std::string_view writer_signature) {
  v1::Record writer_part;
  writer_part.set_entry(std::string(entry));
  writer_part.set_writer_signature(std::string(writer_signature));
  writer_part.set_writer_key_id(writer_key_id);
  writer_part.SerializeToString(&bytes_);
  state_.Update(std::string_view("\0", 1));  // the leaf prefix
  state_.Update(bytes_);
}

RecordPrefix::Leaf RecordPrefix::Complete(uint64_t index, const Hash& prev_leaf_hash,
                                          int64_t integration_time_micros) const {
  // Fields 4..6 follow fields 1..3, so the two serializations concatenate to
  // the serialization of the whole record.
  v1::Record sequencing_part;
  sequencing_part.set_index(index);
  sequencing_part.set_prev_leaf_hash(std::string(AsBytes(prev_leaf_hash)));
  sequencing_part.set_integration_time_micros(integration_time_micros);
  std::string tail;
  sequencing_part.SerializeToString(&tail);

  Leaf leaf;
  Sha256Hasher state = state_;
  state.Update(tail);
  leaf.hash = std::move(state).Final();
  leaf.bytes.reserve(bytes_.size() + tail.size());
  leaf.bytes.append(bytes_).append(tail);
  return leaf;
}

absl::StatusOr<v1::Record> DecodeRecord(std::string_view bytes) {
  v1::Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("record bytes are not a valid memoria.v1.Record");
  }
  if (record.prev_leaf_hash().size() != kHashSize) {
    return absl::InvalidArgumentError("record " + std::to_string(record.index()) +
                                      ": previous leaf hash is not 32 bytes");
  }
  if (record.writer_signature().size() != kSignatureSize) {
    return absl::InvalidArgumentError("record " + std::to_string(record.index()) +
                                      ": writer signature is not 64 bytes");
  }
  return record;
}

absl::Status CheckChainLink(const v1::Record& record, uint64_t index, const Hash& prev_leaf_hash,
                            int64_t prev_time_micros) {
  const std::string at = "record " + std::to_string(index) + ": ";
  if (record.index() != index) {
    return absl::DataLossError(at + "carries index " + std::to_string(record.index()));
  }
  if (record.prev_leaf_hash() != AsBytes(prev_leaf_hash)) {
    return absl::DataLossError(at + "chain link does not match the previous record's leaf hash");
  }
  if (index > 0 && record.integration_time_micros() < prev_time_micros) {
    return absl::DataLossError(at + "integration time goes backwards");
  }
  return absl::OkStatus();
}

}  // namespace memoria
