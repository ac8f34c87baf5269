// Object tags in the engine: written with a version or given to it by its
// multipart upload, replaced and removed per version, kept across
// reopening, and matched by lifecycle tag filters.
#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "store/lifecycle.h"

namespace satchel::store {
namespace {

using std::chrono::hours;

PutRequest tagged(HeaderList tags) {
  PutRequest request;
  request.tags = std::move(tags);
  return request;
}

class EngineTaggingTest : public EngineTest {
 protected:
  // A one-part multipart upload created with these tags.
  Expected<ObjectVersion, StoreError> put_multipart(const std::string& key, std::string_view body,
                                                    HeaderList tags) {
    auto upload =
        engine_->create_upload(std::string(kBucket), key, MultipartUpload{.tags = std::move(tags)});
    if (!upload) return Unexpected(upload.error());
    auto pending = engine_->begin_part(std::string(kBucket), key, upload->upload_id, 1, {});
    if (!pending) return Unexpected(pending.error());
    auto appended = pending->append(body);
    if (!appended) return Unexpected(appended.error());
    auto part = engine_->commit_part(std::move(*pending));
    if (!part) return Unexpected(part.error());
    CompleteRequest complete;
    complete.parts = {{1, part->etag, std::nullopt}};
    return engine_->complete_upload(std::string(kBucket), key, upload->upload_id, complete);
  }
};

TEST_F(EngineTaggingTest, TagsBelongToTheVersion) {
  ASSERT_TRUE(engine_->set_versioning(std::string(kBucket), Versioning::kEnabled));
  auto first = put("doc", "one", tagged({{"team", "blue"}}));
  ASSERT_TRUE(first);
  auto second = put("doc", "two");
  ASSERT_TRUE(second);

  auto latest = engine_->head(std::string(kBucket), "doc", std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_TRUE(latest->tags.empty());
  auto older = engine_->head(std::string(kBucket), "doc", first->version_id);
  ASSERT_TRUE(older);
  EXPECT_EQ(older->tags, (HeaderList{{"team", "blue"}}));

  auto changed = engine_->set_tags(std::string(kBucket), "doc", std::nullopt, {{"a", "1"}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->version_id, second->version_id);
  EXPECT_EQ(engine_->head(std::string(kBucket), "doc", second->version_id)->tags,
            (HeaderList{{"a", "1"}}));
  EXPECT_EQ(engine_->head(std::string(kBucket), "doc", first->version_id)->tags,
            (HeaderList{{"team", "blue"}}));

  ASSERT_TRUE(engine_->set_tags(std::string(kBucket), "doc", first->version_id, {}));
  EXPECT_TRUE(engine_->head(std::string(kBucket), "doc", first->version_id)->tags.empty());
}

TEST_F(EngineTaggingTest, CompletedUploadGetsTheUploadTags) {
  auto upload = engine_->create_upload(std::string(kBucket), "big",
                                       MultipartUpload{.tags = {{"team", "blue"}, {"n", ""}}});
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->tags, (HeaderList{{"team", "blue"}, {"n", ""}}));

  // The tags are stored with the upload, not held in memory.
  engine_.reset();
  engine_ = open_engine();
  auto pending = engine_->begin_part(std::string(kBucket), "big", upload->upload_id, 1, {});
  ASSERT_TRUE(pending);
  ASSERT_TRUE(pending->append("bytes"));
  auto part = engine_->commit_part(std::move(*pending));
  ASSERT_TRUE(part);
  auto listing = engine_->list_parts(std::string(kBucket), "big", upload->upload_id, 0, 10);
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->upload.tags, (HeaderList{{"team", "blue"}, {"n", ""}}));

  CompleteRequest complete;
  complete.parts = {{1, part->etag, std::nullopt}};
  auto version = engine_->complete_upload(std::string(kBucket), "big", upload->upload_id, complete);
  ASSERT_TRUE(version) << s3_code(version.error());
  EXPECT_EQ(version->tags, (HeaderList{{"team", "blue"}, {"n", ""}}));
  auto stored = engine_->head(std::string(kBucket), "big", std::nullopt);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->tags, (HeaderList{{"team", "blue"}, {"n", ""}}));
  EXPECT_EQ(read("big"), "bytes");
}

TEST_F(EngineTaggingTest, UploadWithoutTagsCompletesUntagged) {
  auto version = put_multipart("plain", "bytes", {});
  ASSERT_TRUE(version) << s3_code(version.error());
  EXPECT_TRUE(version->tags.empty());
  auto stored = engine_->head(std::string(kBucket), "plain", std::nullopt);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->tags.empty());
}

TEST_F(EngineTaggingTest, MissingObjectsAndDeleteMarkersFail) {
  EXPECT_EQ(engine_->set_tags(std::string(kBucket), "absent", std::nullopt, {{"a", "1"}}).error(),
            StoreError::kNoSuchKey);
  ASSERT_TRUE(engine_->set_versioning(std::string(kBucket), Versioning::kEnabled));
  ASSERT_TRUE(put("gone", "x"));
  auto removed = engine_->delete_object(std::string(kBucket), "gone", std::nullopt);
  ASSERT_TRUE(removed);
  EXPECT_EQ(engine_->set_tags(std::string(kBucket), "gone", std::nullopt, {}).error(),
            StoreError::kNoSuchKey);
  EXPECT_EQ(engine_->set_tags(std::string(kBucket), "gone", removed->version_id, {}).error(),
            StoreError::kVersionIsDeleteMarker);
}

TEST_F(EngineTaggingTest, LifecycleTagFilterExpiresOnlyTaggedVersions) {
  auto rules = parse_lifecycle_document(
      "<LifecycleConfiguration><Rule><ID>scratch</ID><Filter><And><Prefix>tmp/</Prefix>"
      "<Tag><Key>class</Key><Value>scratch</Value></Tag></And></Filter>"
      "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
      "</LifecycleConfiguration>");
  ASSERT_TRUE(rules) << rules.error().message;
  ASSERT_TRUE(engine_->put_lifecycle(std::string(kBucket), *rules));
  ASSERT_TRUE(put("tmp/a", "a", tagged({{"class", "scratch"}, {"owner", "x"}})));
  ASSERT_TRUE(put("tmp/b", "b", tagged({{"class", "keep"}})));
  ASSERT_TRUE(put("tmp/c", "c"));
  ASSERT_TRUE(put("other/d", "d", tagged({{"class", "scratch"}})));
  ASSERT_TRUE(put("tmp/e", "e"));
  ASSERT_TRUE(
      engine_->set_tags(std::string(kBucket), "tmp/e", std::nullopt, {{"class", "scratch"}}));
  ASSERT_TRUE(put_multipart("tmp/f", "f", {{"class", "scratch"}}));
  ASSERT_TRUE(put_multipart("tmp/g", "g", {{"class", "keep"}}));

  clock_->advance(hours(48));
  auto report = engine_->run_lifecycle_once(clock_->now());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->expired, 3u);
  EXPECT_EQ(read("tmp/b"), "b");
  EXPECT_EQ(read("tmp/c"), "c");
  EXPECT_EQ(read("other/d"), "d");
  EXPECT_EQ(read("tmp/g"), "g");
  EXPECT_FALSE(engine_->head(std::string(kBucket), "tmp/a", std::nullopt));
  EXPECT_FALSE(engine_->head(std::string(kBucket), "tmp/e", std::nullopt));
  EXPECT_FALSE(engine_->head(std::string(kBucket), "tmp/f", std::nullopt));
}

}  // namespace
}  // namespace satchel::store
