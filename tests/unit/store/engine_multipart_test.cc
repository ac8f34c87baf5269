#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "engine_fixture.h"

namespace satchel::store {
namespace {

constexpr uint64_t kPartBytes = kMinPartBytes;

class EngineMultipartTest : public EngineTest {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(from_unix_seconds(1700000000));
    engine_ = open_engine(16ULL << 20);
    ASSERT_TRUE(engine_->create_bucket(std::string(kBucket), Versioning::kEnabled));
  }

  std::string create(MultipartUpload settings = {}, const std::string& key = "big.bin") {
    auto upload = engine_->create_upload(std::string(kBucket), key, std::move(settings));
    EXPECT_TRUE(upload);
    return upload ? upload->upload_id : std::string();
  }

  Expected<UploadedPart, StoreError> upload_part(const std::string& upload_id, int number,
                                                 std::string_view body, PutRequest request = {},
                                                 const std::string& key = "big.bin") {
    auto pending =
        engine_->begin_part(std::string(kBucket), key, upload_id, number, std::move(request));
    if (!pending) return Unexpected(pending.error());
    auto appended = pending->append(body);
    if (!appended) return Unexpected(appended.error());
    return engine_->commit_part(std::move(*pending));
  }

  Expected<ObjectVersion, StoreError> complete(const std::string& upload_id,
                                               std::vector<CompletedPart> parts,
                                               const std::string& key = "big.bin") {
    CompleteRequest request;
    request.parts = std::move(parts);
    return engine_->complete_upload(std::string(kBucket), key, upload_id, request);
  }

  static std::string filled(uint64_t size, char fill) { return std::string(size, fill); }

  static std::string expected_etag(std::initializer_list<std::string_view> parts) {
    std::string digests;
    for (auto part : parts) digests += md5(part);
    return hex_encode(md5(digests)) + "-" + std::to_string(parts.size());
  }
};

TEST_F(EngineMultipartTest, UploadIdsAreLowercaseHex) {
  // An id that starts with '-' reads as an option to command-line clients such as the AWS CLI.
  for (int i = 0; i < 20; ++i) {
    std::string id = create();
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
}

TEST_F(EngineMultipartTest, CompleteAssemblesPartsInOrder) {
  std::string id = create({.content_type = "video/mp4"});
  std::string first = filled(kPartBytes, 'a');
  std::string second = "tail";
  auto part2 = upload_part(id, 2, second);
  auto part1 = upload_part(id, 1, first);
  ASSERT_TRUE(part1);
  ASSERT_TRUE(part2);
  EXPECT_EQ(part1->etag, hex_encode(md5(first)));

  auto version = complete(id, {{1, part1->etag, {}}, {2, part2->etag, {}}});
  ASSERT_TRUE(version) << s3_code(version.error());
  EXPECT_EQ(version->etag, expected_etag({first, second}));
  EXPECT_EQ(version->size, first.size() + second.size());
  EXPECT_EQ(version->content_type, "video/mp4");
  EXPECT_EQ(version->sha256_hex, hex_encode(sha256(first + second)));
  EXPECT_TRUE(read("big.bin") == first + second);
  // Only the assembled object's file remains.
  EXPECT_EQ(object_files(), 1u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineMultipartTest, UploadEndsAfterComplete) {
  std::string id = create();
  auto part = upload_part(id, 1, "only");
  ASSERT_TRUE(part);
  ASSERT_TRUE(complete(id, {{1, part->etag, {}}}));
  auto again = complete(id, {{1, part->etag, {}}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), StoreError::kNoSuchUpload);
  auto parts = engine_->list_parts(std::string(kBucket), "big.bin", id, 0, 1000);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error(), StoreError::kNoSuchUpload);
}

TEST_F(EngineMultipartTest, SmallPartBeforeLastIsEntityTooSmall) {
  std::string id = create();
  auto part1 = upload_part(id, 1, filled(kPartBytes - 1, 'a'));
  auto part2 = upload_part(id, 2, "b");
  ASSERT_TRUE(part1);
  ASSERT_TRUE(part2);
  auto version = complete(id, {{1, part1->etag, {}}, {2, part2->etag, {}}});
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error(), StoreError::kEntityTooSmall);
  EXPECT_FALSE(engine_->head(std::string(kBucket), "big.bin", std::nullopt));
}

TEST_F(EngineMultipartTest, WrongEtagIsInvalidPart) {
  std::string id = create();
  auto part = upload_part(id, 1, "x");
  ASSERT_TRUE(part);
  auto version = complete(id, {{1, hex_encode(md5("y")), {}}});
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error(), StoreError::kInvalidPart);
  auto missing = complete(id, {{1, part->etag, {}}, {3, part->etag, {}}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), StoreError::kInvalidPart);
}

TEST_F(EngineMultipartTest, EtagComparisonIgnoresCase) {
  std::string id = create();
  auto part = upload_part(id, 1, "x");
  ASSERT_TRUE(part);
  std::string upper = part->etag;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(complete(id, {{1, upper, {}}}));
}

TEST_F(EngineMultipartTest, DescendingPartsAreInvalidOrder) {
  std::string id = create();
  auto part1 = upload_part(id, 1, filled(kPartBytes, 'a'));
  auto part2 = upload_part(id, 2, "b");
  ASSERT_TRUE(part1);
  ASSERT_TRUE(part2);
  auto version = complete(id, {{2, part2->etag, {}}, {1, part1->etag, {}}});
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error(), StoreError::kInvalidPartOrder);
  auto repeated = complete(id, {{1, part1->etag, {}}, {1, part1->etag, {}}});
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error(), StoreError::kInvalidPartOrder);
}

TEST_F(EngineMultipartTest, ReuploadedPartReplacesFile) {
  std::string id = create();
  ASSERT_TRUE(upload_part(id, 1, "first"));
  auto replaced = upload_part(id, 1, "second");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(object_files(), 1u);
  auto listing = engine_->list_parts(std::string(kBucket), "big.bin", id, 0, 1000);
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->parts.size(), 1u);
  EXPECT_EQ(listing->parts[0].etag, hex_encode(md5("second")));
  ASSERT_TRUE(complete(id, {{1, replaced->etag, {}}}));
  EXPECT_EQ(read("big.bin"), "second");
}

TEST_F(EngineMultipartTest, UnlistedPartsAreDiscarded) {
  std::string id = create();
  auto part1 = upload_part(id, 1, "kept");
  ASSERT_TRUE(upload_part(id, 2, "dropped"));
  ASSERT_TRUE(part1);
  ASSERT_TRUE(complete(id, {{1, part1->etag, {}}}));
  EXPECT_EQ(read("big.bin"), "kept");
  EXPECT_EQ(object_files(), 1u);
}

TEST_F(EngineMultipartTest, AbortRemovesPartFiles) {
  std::string id = create();
  ASSERT_TRUE(upload_part(id, 1, "x"));
  ASSERT_TRUE(engine_->abort_upload(std::string(kBucket), "big.bin", id));
  EXPECT_EQ(object_files(), 0u);
  auto again = engine_->abort_upload(std::string(kBucket), "big.bin", id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), StoreError::kNoSuchUpload);
  auto late = upload_part(id, 2, "y");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error(), StoreError::kNoSuchUpload);
  EXPECT_EQ(object_files(), 0u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineMultipartTest, UploadIdIsBoundToKey) {
  std::string id = create();
  auto other = upload_part(id, 1, "x", {}, "other.bin");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), StoreError::kNoSuchUpload);
}

TEST_F(EngineMultipartTest, ListPartsPages) {
  std::string id = create();
  for (int number = 1; number <= 3; ++number) ASSERT_TRUE(upload_part(id, number, "p"));
  auto first = engine_->list_parts(std::string(kBucket), "big.bin", id, 0, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->parts.size(), 2u);
  EXPECT_TRUE(first->truncated);
  EXPECT_EQ(first->next_part_number_marker, 2);
  auto second = engine_->list_parts(std::string(kBucket), "big.bin", id, 2, 2);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->parts.size(), 1u);
  EXPECT_EQ(second->parts[0].part_number, 3);
  EXPECT_FALSE(second->truncated);
}

TEST_F(EngineMultipartTest, ListUploadsByKeyWithDelimiter) {
  std::string a = create({}, "a/1");
  clock_->advance(std::chrono::seconds(1));
  std::string b = create({}, "a/1");
  std::string c = create({}, "b");
  std::string d = create({}, "c/2");
  auto listing = engine_->list_uploads(std::string(kBucket), {.delimiter = "/"});
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->uploads.size(), 1u);
  EXPECT_EQ(listing->uploads[0].upload_id, c);
  EXPECT_EQ(listing->common_prefixes, (std::vector<std::string>{"a/", "c/"}));

  auto paged = engine_->list_uploads(std::string(kBucket), {.max_uploads = 1});
  ASSERT_TRUE(paged);
  ASSERT_EQ(paged->uploads.size(), 1u);
  EXPECT_EQ(paged->uploads[0].upload_id, a);
  EXPECT_TRUE(paged->truncated);
  auto next = engine_->list_uploads(
      std::string(kBucket),
      {.key_marker = paged->next_key_marker, .upload_id_marker = paged->next_upload_id_marker});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->uploads.size(), 3u);
  EXPECT_EQ(next->uploads[0].upload_id, b);
  EXPECT_EQ(next->uploads[2].upload_id, d);
}

TEST_F(EngineMultipartTest, StaleUploadsAreAborted) {
  std::string old_id = create();
  ASSERT_TRUE(upload_part(old_id, 1, "x"));
  clock_->advance(std::chrono::hours(24 * 7) - std::chrono::seconds(1));
  std::string fresh_id = create({}, "fresh.bin");
  auto none = engine_->abort_stale_uploads();
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);

  clock_->advance(std::chrono::seconds(2));
  auto aborted = engine_->abort_stale_uploads();
  ASSERT_TRUE(aborted);
  EXPECT_EQ(*aborted, 1u);
  EXPECT_EQ(object_files(), 0u);
  EXPECT_FALSE(engine_->list_parts(std::string(kBucket), "big.bin", old_id, 0, 10));
  EXPECT_TRUE(engine_->list_parts(std::string(kBucket), "fresh.bin", fresh_id, 0, 10));
}

TEST_F(EngineMultipartTest, CompositeChecksumCoversPartChecksums) {
  std::string id = create({.checksum_algorithm = ChecksumAlgorithm::kCrc32});
  std::string first = filled(kPartBytes, 'a');
  auto part1 = upload_part(id, 1, first);
  auto part2 = upload_part(id, 2, "b");
  ASSERT_TRUE(part1);
  ASSERT_TRUE(part2);
  EXPECT_EQ(part1->checksum, base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, first)));
  auto version = complete(id, {{1, part1->etag, part1->checksum}, {2, part2->etag, {}}});
  ASSERT_TRUE(version) << s3_code(version.error());
  ASSERT_TRUE(version->checksum);
  std::string raw = compute_checksum(ChecksumAlgorithm::kCrc32, first) +
                    compute_checksum(ChecksumAlgorithm::kCrc32, "b");
  EXPECT_EQ(version->checksum->value,
            base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, raw)) + "-2");
  EXPECT_EQ(version->checksum->type, ChecksumType::kComposite);
}

TEST_F(EngineMultipartTest, FullObjectChecksumCoversBytes) {
  std::string id = create({.checksum_algorithm = ChecksumAlgorithm::kCrc32c,
                           .checksum_type = ChecksumType::kFullObject});
  auto part1 = upload_part(id, 1, filled(kPartBytes, 'a'));
  auto part2 = upload_part(id, 2, "b");
  ASSERT_TRUE(part1);
  ASSERT_TRUE(part2);
  auto version = complete(id, {{1, part1->etag, {}}, {2, part2->etag, {}}});
  ASSERT_TRUE(version);
  ASSERT_TRUE(version->checksum);
  EXPECT_EQ(
      version->checksum->value,
      base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32c, filled(kPartBytes, 'a') + "b")));
  EXPECT_EQ(version->checksum->type, ChecksumType::kFullObject);
}

TEST_F(EngineMultipartTest, PartWithWrongChecksumIsRejected) {
  std::string id = create({.checksum_algorithm = ChecksumAlgorithm::kSha256});
  PutRequest request;
  request.expected_checksum = compute_checksum(ChecksumAlgorithm::kSha256, "other");
  auto part = upload_part(id, 1, "x", request);
  ASSERT_FALSE(part);
  EXPECT_EQ(part.error(), StoreError::kChecksumMismatch);
  EXPECT_EQ(object_files(), 0u);

  PutRequest other_algorithm;
  other_algorithm.checksum_algorithm = ChecksumAlgorithm::kCrc32;
  auto mismatch = upload_part(id, 1, "x", other_algorithm);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error(), StoreError::kChecksumTypeMismatch);
}

TEST_F(EngineMultipartTest, CompleteChecksTheWritePrecondition) {
  ASSERT_TRUE(put("big.bin", "existing"));
  std::string id = create();
  auto part = upload_part(id, 1, "x");
  ASSERT_TRUE(part);
  CompleteRequest request;
  request.parts = {{1, part->etag, {}}};
  request.precondition.if_none_match_any = true;
  auto version = engine_->complete_upload(std::string(kBucket), "big.bin", id, request);
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error(), StoreError::kPreconditionFailed);
  EXPECT_EQ(read("big.bin"), "existing");
}

TEST_F(EngineMultipartTest, UploadsSurviveReopen) {
  std::string id = create({.content_type = "text/plain",
                           .user_metadata = {{"owner", "alice"}},
                           .checksum_algorithm = ChecksumAlgorithm::kCrc64Nvme});
  auto part = upload_part(id, 1, "x");
  ASSERT_TRUE(part);
  engine_.reset();
  engine_ = open_engine(16ULL << 20);
  auto listing = engine_->list_parts(std::string(kBucket), "big.bin", id, 0, 10);
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->upload.content_type, "text/plain");
  EXPECT_EQ(listing->upload.user_metadata, (HeaderList{{"owner", "alice"}}));
  EXPECT_EQ(listing->upload.checksum_algorithm, ChecksumAlgorithm::kCrc64Nvme);
  ASSERT_EQ(listing->parts.size(), 1u);
  EXPECT_EQ(listing->parts[0].checksum, part->checksum);
}

}  // namespace
}  // namespace satchel::store
