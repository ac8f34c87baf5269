#include "store/checksum.h"

#include <zlib.h>

#include <array>
#include <limits>

#include "common/encoding.h"

namespace satchel::store {
namespace {

constexpr uint32_t kCrc32cPolynomial = 0x82F63B78u;
constexpr uint64_t kCrc64NvmePolynomial = 0x9A6C9329AC4BC9B5ull;

template <class Word>
constexpr std::array<Word, 256> make_reflected_table(Word polynomial) {
  std::array<Word, 256> table{};
  for (Word byte = 0; byte < 256; ++byte) {
    Word value = byte;
    for (int bit = 0; bit < 8; ++bit) value = (value & 1) ? (value >> 1) ^ polynomial : value >> 1;
    table[byte] = value;
  }
  return table;
}

constexpr auto kCrc32cTable = make_reflected_table<uint32_t>(kCrc32cPolynomial);
constexpr auto kCrc64NvmeTable = make_reflected_table<uint64_t>(kCrc64NvmePolynomial);

// One table lookup per byte. Both CRCs here start from all ones and end
// with all ones XORed in, so undoing the final XOR lets calls chain.
template <class Word>
Word reflected_crc(const std::array<Word, 256>& table, Word crc, std::string_view data) {
  Word value = ~crc;
  for (char c : data) {
    value = table[(value ^ static_cast<unsigned char>(c)) & 0xFF] ^ (value >> 8);
  }
  return ~value;
}

template <class Word>
std::string big_endian(Word value) {
  std::string bytes(sizeof(Word), '\0');
  for (size_t i = 0; i < sizeof(Word); ++i) {
    bytes[sizeof(Word) - 1 - i] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return bytes;
}

struct AlgorithmInfo {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  std::string_view element;
  size_t bytes;
};

constexpr AlgorithmInfo kAlgorithms[] = {
    {ChecksumAlgorithm::kCrc32, "CRC32", "x-amz-checksum-crc32", "ChecksumCRC32", 4},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", "x-amz-checksum-crc32c", "ChecksumCRC32C", 4},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", "ChecksumCRC64NVME",
     8},
    {ChecksumAlgorithm::kSha1, "SHA1", "x-amz-checksum-sha1", "ChecksumSHA1", 20},
    {ChecksumAlgorithm::kSha256, "SHA256", "x-amz-checksum-sha256", "ChecksumSHA256", 32},
};

const AlgorithmInfo& info(ChecksumAlgorithm algorithm) {
  for (const auto& entry : kAlgorithms) {
    if (entry.algorithm == algorithm) return entry;
  }
  return kAlgorithms[0];
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 32) : a[i];
    char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view checksum_name(ChecksumAlgorithm algorithm) { return info(algorithm).name; }
std::string_view checksum_header(ChecksumAlgorithm algorithm) { return info(algorithm).header; }
std::string_view checksum_element(ChecksumAlgorithm algorithm) { return info(algorithm).element; }
size_t checksum_bytes(ChecksumAlgorithm algorithm) { return info(algorithm).bytes; }

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (const auto& entry : kAlgorithms) {
    if (iequals_ascii(entry.name, name)) return entry.algorithm;
  }
  return std::nullopt;
}

std::string_view checksum_type_name(ChecksumType type) {
  return type == ChecksumType::kFullObject ? "FULL_OBJECT" : "COMPOSITE";
}

std::optional<ChecksumType> parse_checksum_type(std::string_view name) {
  if (iequals_ascii(name, "FULL_OBJECT")) return ChecksumType::kFullObject;
  if (iequals_ascii(name, "COMPOSITE")) return ChecksumType::kComposite;
  return std::nullopt;
}

std::optional<std::string> decode_checksum(ChecksumAlgorithm algorithm, std::string_view base64) {
  auto raw = base64_decode(base64);
  if (!raw || raw->size() != checksum_bytes(algorithm)) return std::nullopt;
  return raw;
}

uint32_t crc32c(uint32_t crc, std::string_view data) {
  return reflected_crc(kCrc32cTable, crc, data);
}

uint64_t crc64nvme(uint64_t crc, std::string_view data) {
  return reflected_crc(kCrc64NvmeTable, crc, data);
}

uint32_t crc32(uint32_t crc, std::string_view data) {
  uLong value = crc;
  // zlib takes a uInt length, so feed very large views in slices.
  while (!data.empty()) {
    size_t slice = std::min<size_t>(data.size(), std::numeric_limits<uInt>::max());
    value = ::crc32(value, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(slice));
    data.remove_prefix(slice);
  }
  return static_cast<uint32_t>(value);
}

ChecksumState::ChecksumState(ChecksumAlgorithm algorithm)
    : algorithm_(algorithm), state_(uint32_t{0}) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      state_ = uint64_t{0};
      break;
    case ChecksumAlgorithm::kSha1:
      state_.emplace<Digest>(EVP_sha1());
      break;
    case ChecksumAlgorithm::kSha256:
      state_.emplace<Digest>(EVP_sha256());
      break;
  }
}

void ChecksumState::update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      std::get<uint32_t>(state_) = crc32(std::get<uint32_t>(state_), data);
      break;
    case ChecksumAlgorithm::kCrc32c:
      std::get<uint32_t>(state_) = crc32c(std::get<uint32_t>(state_), data);
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      std::get<uint64_t>(state_) = crc64nvme(std::get<uint64_t>(state_), data);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      std::get<Digest>(state_).update(data);
      break;
  }
}

std::string ChecksumState::finish() {
  if (auto* digest = std::get_if<Digest>(&state_)) return digest->finish();
  if (auto* crc64 = std::get_if<uint64_t>(&state_)) return big_endian(*crc64);
  return big_endian(std::get<uint32_t>(state_));
}

std::string compute_checksum(ChecksumAlgorithm algorithm, std::string_view data) {
  ChecksumState state(algorithm);
  state.update(data);
  return state.finish();
}

}  // namespace satchel::store
