// The additional checksums of S3 (x-amz-checksum-*): CRC32, CRC32C,
// CRC64NVME, SHA-1 and SHA-256, computed incrementally over a body. Values
// travel as base64 of the big-endian checksum bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/crypto.h"

namespace satchel::store {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

inline constexpr ChecksumAlgorithm kChecksumAlgorithms[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// How a multipart object's checksum was formed: over the whole object, or
// over the concatenated part checksums with a "-N" suffix.
enum class ChecksumType { kFullObject, kComposite };

// The S3 name, such as "CRC32C" or "SHA256".
std::string_view checksum_name(ChecksumAlgorithm algorithm);
// Accepts the S3 names in any case.
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
// The lower-case header, such as "x-amz-checksum-crc32c".
std::string_view checksum_header(ChecksumAlgorithm algorithm);
// The XML element of ListParts and CompleteMultipartUpload, such as
// "ChecksumCRC32C".
std::string_view checksum_element(ChecksumAlgorithm algorithm);
// The length of the raw checksum: 4, 8, 20 or 32.
size_t checksum_bytes(ChecksumAlgorithm algorithm);

std::string_view checksum_type_name(ChecksumType type);  // "FULL_OBJECT" or "COMPOSITE"
std::optional<ChecksumType> parse_checksum_type(std::string_view name);

// Returns the raw checksum from its base64 form, or nullopt when the text is
// not base64 of the algorithm's length.
std::optional<std::string> decode_checksum(ChecksumAlgorithm algorithm, std::string_view base64);

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and CRC-64/NVME
// (reflected polynomial 0x9A6C9329AC4BC9B5), both with all-ones initial
// value and final XOR. crc is the value returned for the previous bytes
// (0 before the first call), so a body can be checksummed piece by piece.
uint32_t crc32c(uint32_t crc, std::string_view data);
uint64_t crc64nvme(uint64_t crc, std::string_view data);
// CRC-32 (ISO-HDLC, as in zlib and gzip), with the same chaining contract.
uint32_t crc32(uint32_t crc, std::string_view data);

// One checksum being computed over a stream of bytes.
class ChecksumState {
 public:
  explicit ChecksumState(ChecksumAlgorithm algorithm);

  void update(std::string_view data);
  // Returns the raw checksum. Call once.
  std::string finish();
  ChecksumAlgorithm algorithm() const { return algorithm_; }

 private:
  ChecksumAlgorithm algorithm_;
  std::variant<uint32_t, uint64_t, Digest> state_;
};

// The checksum of data in one call, raw.
std::string compute_checksum(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace satchel::store
