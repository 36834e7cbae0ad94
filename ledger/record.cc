#include "ledger/record.h"

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
