#include "store/checksum.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::store {
namespace {

// The check input of the CRC catalogue: the CRC of these nine bytes is each
// algorithm's published "check" value.
constexpr std::string_view kCheckInput = "123456789";

TEST(Crc, Crc32MatchesCheckValue) { EXPECT_EQ(crc32(0, kCheckInput), 0xCBF43926u); }

TEST(Crc, Crc32cMatchesCheckValue) { EXPECT_EQ(crc32c(0, kCheckInput), 0xE3069283u); }

TEST(Crc, Crc64NvmeMatchesCheckValue) {
  EXPECT_EQ(crc64nvme(0, kCheckInput), 0xAE8B14860A799888ull);
}

TEST(Crc, EmptyInputIsZero) {
  EXPECT_EQ(crc32(0, ""), 0u);
  EXPECT_EQ(crc32c(0, ""), 0u);
  EXPECT_EQ(crc64nvme(0, ""), 0u);
}

TEST(Crc, ChainedCallsEqualOneCall) {
  std::string_view first = kCheckInput.substr(0, 4);
  std::string_view rest = kCheckInput.substr(4);
  EXPECT_EQ(crc32(crc32(0, first), rest), crc32(0, kCheckInput));
  EXPECT_EQ(crc32c(crc32c(0, first), rest), crc32c(0, kCheckInput));
  EXPECT_EQ(crc64nvme(crc64nvme(0, first), rest), crc64nvme(0, kCheckInput));
}

// RFC 3720 appendix B.4 lists CRC32C values of 32-byte patterns.
TEST(Crc, Crc32cMatchesIscsiVectors) {
  EXPECT_EQ(crc32c(0, std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(0, std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  EXPECT_EQ(crc32c(0, ascending), 0x46DD794Eu);
}

TEST(ChecksumState, EncodesCrcBigEndian) {
  EXPECT_EQ(hex_encode(compute_checksum(ChecksumAlgorithm::kCrc32, kCheckInput)), "cbf43926");
  EXPECT_EQ(hex_encode(compute_checksum(ChecksumAlgorithm::kCrc32c, kCheckInput)), "e3069283");
  EXPECT_EQ(hex_encode(compute_checksum(ChecksumAlgorithm::kCrc64Nvme, kCheckInput)),
            "ae8b14860a799888");
}

TEST(ChecksumState, ShaMatchesDigests) {
  EXPECT_EQ(compute_checksum(ChecksumAlgorithm::kSha256, "abc"), sha256("abc"));
  // FIPS 180-2 appendix A.1: SHA-1("abc").
  EXPECT_EQ(hex_encode(compute_checksum(ChecksumAlgorithm::kSha1, "abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(ChecksumState, IncrementalEqualsWhole) {
  for (auto algorithm : kChecksumAlgorithms) {
    ChecksumState state(algorithm);
    state.update("hello ");
    state.update("world");
    EXPECT_EQ(state.finish(), compute_checksum(algorithm, "hello world"))
        << checksum_name(algorithm);
  }
}

TEST(ChecksumNames, RoundTripInAnyCase) {
  for (auto algorithm : kChecksumAlgorithms) {
    EXPECT_EQ(parse_checksum_algorithm(checksum_name(algorithm)), algorithm);
  }
  EXPECT_EQ(parse_checksum_algorithm("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(parse_checksum_algorithm("md5"), std::nullopt);
  EXPECT_EQ(checksum_header(ChecksumAlgorithm::kCrc64Nvme), "x-amz-checksum-crc64nvme");
  EXPECT_EQ(checksum_element(ChecksumAlgorithm::kSha1), "ChecksumSHA1");
  EXPECT_EQ(parse_checksum_type("FULL_OBJECT"), ChecksumType::kFullObject);
  EXPECT_EQ(parse_checksum_type("composite"), ChecksumType::kComposite);
}

TEST(DecodeChecksum, RequiresAlgorithmLength) {
  EXPECT_TRUE(decode_checksum(ChecksumAlgorithm::kCrc32, base64_encode("abcd")));
  EXPECT_FALSE(decode_checksum(ChecksumAlgorithm::kCrc32, base64_encode("abcde")));
  EXPECT_FALSE(decode_checksum(ChecksumAlgorithm::kCrc64Nvme, base64_encode("abcd")));
  EXPECT_FALSE(decode_checksum(ChecksumAlgorithm::kCrc32, "not base64!"));
}

}  // namespace
}  // namespace satchel::store
