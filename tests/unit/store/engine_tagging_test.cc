// Object tags in the engine: written with a version, replaced and removed
// per version, kept across reopening, and matched by lifecycle tag filters.
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

class EngineTaggingTest : public EngineTest {};

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

  clock_->advance(hours(48));
  auto report = engine_->run_lifecycle_once(clock_->now());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->expired, 2u);
  EXPECT_EQ(read("tmp/b"), "b");
  EXPECT_EQ(read("tmp/c"), "c");
  EXPECT_EQ(read("other/d"), "d");
  EXPECT_FALSE(engine_->head(std::string(kBucket), "tmp/a", std::nullopt));
  EXPECT_FALSE(engine_->head(std::string(kBucket), "tmp/e", std::nullopt));
}

}  // namespace
}  // namespace satchel::store
