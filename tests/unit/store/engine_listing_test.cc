#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace satchel::store {
namespace {

class EngineListingTest : public EngineTest {
 protected:
  void put_keys(std::initializer_list<std::string_view> keys) {
    for (auto key : keys) ASSERT_TRUE(put(std::string(key), "x"));
  }

  ObjectListing list(ListObjectsQuery query) {
    auto listing = engine_->list_objects(std::string(kBucket), std::move(query));
    EXPECT_TRUE(listing);
    return listing ? *listing : ObjectListing{};
  }

  static std::vector<std::string> keys(const ObjectListing& listing) {
    std::vector<std::string> out;
    for (const auto& object : listing.objects) out.push_back(object.key);
    return out;
  }

  using Keys = std::vector<std::string>;
};

TEST_F(EngineListingTest, ListsLatestVersionsInByteOrder) {
  put_keys({"b", "a", "ü", "Z", "a/b"});
  ASSERT_TRUE(put("a", "newer"));
  auto listing = list({});
  EXPECT_EQ(keys(listing), (Keys{"Z", "a", "a/b", "b", "ü"}));
  ASSERT_EQ(listing.objects.size(), 5u);
  EXPECT_EQ(listing.objects[1].size, 5u);
  EXPECT_FALSE(listing.truncated);
}

TEST_F(EngineListingTest, SkipsKeysBehindDeleteMarkers) {
  put_keys({"a", "b", "c"});
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "b", std::nullopt));
  EXPECT_EQ(keys(list({})), (Keys{"a", "c"}));
}

TEST_F(EngineListingTest, FiltersByPrefix) {
  put_keys({"photos/1", "photos/2", "photosx", "notes/1", "p"});
  EXPECT_EQ(keys(list({.prefix = "photos/"})), (Keys{"photos/1", "photos/2"}));
  EXPECT_EQ(keys(list({.prefix = "photos"})), (Keys{"photos/1", "photos/2", "photosx"}));
  EXPECT_TRUE(list({.prefix = "q"}).objects.empty());
}

TEST_F(EngineListingTest, DelimiterRollsUpCommonPrefixes) {
  put_keys({"a/1", "a/2", "a/b/3", "b", "c/1", "c//2"});
  auto listing = list({.delimiter = "/"});
  EXPECT_EQ(keys(listing), (Keys{"b"}));
  EXPECT_EQ(listing.common_prefixes, (Keys{"a/", "c/"}));

  auto nested = list({.prefix = "a/", .delimiter = "/"});
  EXPECT_EQ(keys(nested), (Keys{"a/1", "a/2"}));
  EXPECT_EQ(nested.common_prefixes, (Keys{"a/b/"}));

  auto doubled = list({.prefix = "c/", .delimiter = "/"});
  EXPECT_EQ(keys(doubled), (Keys{"c/1"}));
  EXPECT_EQ(doubled.common_prefixes, (Keys{"c//"}));
}

TEST_F(EngineListingTest, PrefixOnlyUnderDeletedKeysIsHidden) {
  put_keys({"gone/1", "kept"});
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "gone/1", std::nullopt));
  auto listing = list({.delimiter = "/"});
  EXPECT_TRUE(listing.common_prefixes.empty());
  EXPECT_EQ(keys(listing), (Keys{"kept"}));
}

TEST_F(EngineListingTest, MultiCharacterDelimiter) {
  put_keys({"a--b--c", "a--d", "e"});
  auto listing = list({.delimiter = "--"});
  EXPECT_EQ(listing.common_prefixes, (Keys{"a--"}));
  EXPECT_EQ(keys(listing), (Keys{"e"}));
}

TEST_F(EngineListingTest, PagesWithMarkers) {
  put_keys({"a", "b", "c", "d", "e"});
  auto first = list({.max_keys = 2});
  EXPECT_EQ(keys(first), (Keys{"a", "b"}));
  EXPECT_TRUE(first.truncated);
  EXPECT_EQ(first.next_marker, "b");
  auto second = list({.marker = first.next_marker, .max_keys = 2});
  EXPECT_EQ(keys(second), (Keys{"c", "d"}));
  EXPECT_TRUE(second.truncated);
  auto last = list({.marker = second.next_marker, .max_keys = 2});
  EXPECT_EQ(keys(last), (Keys{"e"}));
  EXPECT_FALSE(last.truncated);
}

TEST_F(EngineListingTest, ExactPageIsNotTruncated) {
  put_keys({"a", "b"});
  auto listing = list({.max_keys = 2});
  EXPECT_EQ(keys(listing), (Keys{"a", "b"}));
  EXPECT_FALSE(listing.truncated);
}

TEST_F(EngineListingTest, PagesThroughCommonPrefixes) {
  put_keys({"a/1", "a/2", "b/1", "c", "d/1"});
  ListObjectsQuery query{.delimiter = "/", .marker_may_be_prefix = true, .max_keys = 1};
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto listing = list(query);
    for (const auto& prefix : listing.common_prefixes) seen.push_back(prefix);
    for (const auto& object : listing.objects) seen.push_back(object.key);
    if (!listing.truncated) break;
    query.marker = listing.next_marker;
  }
  EXPECT_EQ(seen, (Keys{"a/", "b/", "c", "d/"}));
}

TEST_F(EngineListingTest, StartAfterCommonPrefixListsItsKeysAgain) {
  put_keys({"a/1", "b"});
  auto listing = list({.delimiter = "/", .marker = "a/"});
  EXPECT_EQ(listing.common_prefixes, (Keys{"a/"}));
  EXPECT_EQ(keys(listing), (Keys{"b"}));
}

TEST_F(EngineListingTest, ManyDeleteMarkersDoNotEndTheScan) {
  for (int i = 0; i < 300; ++i) {
    std::string key = "k" + std::to_string(1000 + i);
    ASSERT_TRUE(put(key, "x"));
    ASSERT_TRUE(engine_->delete_object(std::string(kBucket), key, std::nullopt));
  }
  ASSERT_TRUE(put("z", "x"));
  EXPECT_EQ(keys(list({})), (Keys{"z"}));
}

TEST_F(EngineListingTest, ZeroMaxKeysIsEmpty) {
  put_keys({"a"});
  auto listing = list({.max_keys = 0});
  EXPECT_TRUE(listing.objects.empty());
  EXPECT_FALSE(listing.truncated);
}

TEST_F(EngineListingTest, MissingBucketIsNoSuchBucket) {
  auto listing = engine_->list_objects("nobucket", {});
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error(), StoreError::kNoSuchBucket);
}

class EngineVersionListingTest : public EngineListingTest {
 protected:
  VersionListing list_versions(ListVersionsQuery query) {
    auto listing = engine_->list_versions(std::string(kBucket), std::move(query));
    EXPECT_TRUE(listing);
    return listing ? *listing : VersionListing{};
  }

  // "key:version-id" per entry, with "(marker)" for delete markers and "*"
  // for the latest.
  static std::vector<std::string> entries(const VersionListing& listing) {
    std::vector<std::string> out;
    for (const auto& version : listing.versions) {
      out.push_back(version.key + (version.delete_marker ? "(marker)" : "") +
                    (version.is_latest ? "*" : ""));
    }
    return out;
  }
};

TEST_F(EngineVersionListingTest, ListsVersionsNewestFirstWithMarkers) {
  ASSERT_TRUE(put("a", "1"));
  ASSERT_TRUE(put("a", "2"));
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "a", std::nullopt));
  ASSERT_TRUE(put("b", "1"));
  auto listing = list_versions({});
  EXPECT_EQ(entries(listing), (Keys{"a(marker)*", "a", "a", "b*"}));
  ASSERT_EQ(listing.versions.size(), 4u);
  EXPECT_EQ(listing.versions[1].size, 1u);
  EXPECT_FALSE(listing.truncated);
}

TEST_F(EngineVersionListingTest, PagesWithKeyAndVersionMarkers) {
  ASSERT_TRUE(put("a", "1"));
  ASSERT_TRUE(put("a", "2"));
  ASSERT_TRUE(put("a", "3"));
  ASSERT_TRUE(put("b", "1"));
  auto first = list_versions({.max_keys = 2});
  EXPECT_EQ(entries(first), (Keys{"a*", "a"}));
  EXPECT_TRUE(first.truncated);
  EXPECT_EQ(first.next_key_marker, "a");
  EXPECT_EQ(first.next_version_id_marker, first.versions[1].version_id);

  auto second = list_versions({.key_marker = first.next_key_marker,
                               .version_id_marker = first.next_version_id_marker,
                               .max_keys = 2});
  EXPECT_EQ(entries(second), (Keys{"a", "b*"}));
  EXPECT_FALSE(second.truncated);
  EXPECT_EQ(read("a", second.versions[0].version_id), "1");

  auto after_key = list_versions({.key_marker = "a"});
  EXPECT_EQ(entries(after_key), (Keys{"b*"}));
}

TEST_F(EngineVersionListingTest, UnknownVersionMarkerIsInvalid) {
  ASSERT_TRUE(put("a", "1"));
  auto listing =
      engine_->list_versions(std::string(kBucket), {.key_marker = "a", .version_id_marker = "x"});
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error(), StoreError::kInvalidVersionId);
}

TEST_F(EngineVersionListingTest, DelimiterRollsUpVersions) {
  ASSERT_TRUE(put("d/1", "1"));
  ASSERT_TRUE(put("d/1", "2"));
  ASSERT_TRUE(put("e", "1"));
  auto listing = list_versions({.delimiter = "/"});
  EXPECT_EQ(listing.common_prefixes, (Keys{"d/"}));
  EXPECT_EQ(entries(listing), (Keys{"e*"}));
}

TEST_F(EngineVersionListingTest, NullVersionIsListed) {
  ASSERT_TRUE(engine_->create_bucket("plain"));
  ASSERT_TRUE(engine_->put("plain", "k", "x"));
  auto listing = engine_->list_versions("plain", {});
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->versions.size(), 1u);
  EXPECT_EQ(listing->versions[0].version_id, kNullVersionId);
  EXPECT_TRUE(listing->versions[0].is_latest);
}

}  // namespace
}  // namespace satchel::store
