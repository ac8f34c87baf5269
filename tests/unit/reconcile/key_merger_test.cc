// The merge of paged index records and store versions into one state per key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reconcile/drift.h"

namespace satchel::reconcile {
namespace {

using s3::StoreVersion;

meta::ObjectRecord record(std::string key) {
  meta::ObjectRecord stored;
  stored.key = std::move(key);
  return stored;
}

StoreVersion version(std::string key, std::string id) {
  return StoreVersion{.key = std::move(key), .version_id = std::move(id)};
}

std::vector<std::string> keys(const std::vector<KeyState>& states) {
  std::vector<std::string> names;
  for (const KeyState& state : states) names.push_back(state.key);
  return names;
}

TEST(KeyMerger, ReadsRecordsFirstThenTheListingBehind) {
  KeyMerger merger;
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kRecords);
  merger.add_records({record("a/1"), record("a/5")}, false);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kVersions);
  merger.add_versions({version("a/2", "x")}, false);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kVersions);
  merger.add_versions({version("a/7", "y")}, false);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kRecords);
  merger.add_records({}, true);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kVersions);
  merger.add_versions({}, true);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kNone);
}

TEST(KeyMerger, HandsOutOnlyCompleteKeys) {
  KeyMerger merger;
  merger.add_records({record("a/1"), record("a/3")}, false);
  EXPECT_TRUE(merger.take_complete().empty());
  merger.add_versions({version("a/1", "v1"), version("a/2", "v2"), version("a/3", "v3")}, false);
  // a/3's versions may continue on the next store page, so it waits.
  std::vector<KeyState> ready = merger.take_complete();
  EXPECT_EQ(keys(ready), (std::vector<std::string>{"a/1", "a/2"}));
  ASSERT_TRUE(ready[0].record.has_value());
  EXPECT_EQ(ready[0].versions.size(), 1u);
  EXPECT_FALSE(ready[1].record.has_value());
  merger.add_versions({version("a/3", "v3-older")}, true);
  // The records may still hold a key between a/3 and the end.
  merger.add_records({}, true);
  ready = merger.take_complete();
  ASSERT_EQ(keys(ready), (std::vector<std::string>{"a/3"}));
  ASSERT_EQ(ready[0].versions.size(), 2u);
  EXPECT_EQ(ready[0].versions[0].version_id, "v3");
  EXPECT_EQ(ready[0].versions[1].version_id, "v3-older");
  EXPECT_TRUE(ready[0].record.has_value());
}

TEST(KeyMerger, RecordsWithoutVersionsAndVersionsWithoutRecords) {
  KeyMerger merger;
  merger.add_records({record("a/1"), record("a/4")}, true);
  merger.add_versions({version("a/2", "v"), version("a/3", "w")}, true);
  std::vector<KeyState> ready = merger.take_complete();
  EXPECT_EQ(keys(ready), (std::vector<std::string>{"a/1", "a/2", "a/3", "a/4"}));
  EXPECT_TRUE(ready[0].versions.empty());
  EXPECT_TRUE(ready[3].versions.empty());
  EXPECT_FALSE(ready[1].record.has_value());
  EXPECT_TRUE(merger.take_complete().empty());
}

TEST(KeyMerger, OrdersByBytes) {
  // '-' (0x2d) sorts before '/' (0x2f) and bytes above 0x7f after ASCII, as S3 lists them.
  KeyMerger merger;
  merger.add_records({record("a-b/x"), record("a/x"), record("a/\xc3\xa9")}, true);
  merger.add_versions({version("a-b/x", "1"), version("a/x", "2"), version("a/\xc3\xa9", "3")},
                      true);
  std::vector<KeyState> ready = merger.take_complete();
  ASSERT_EQ(ready.size(), 3u);
  for (const KeyState& state : ready) {
    EXPECT_TRUE(state.record.has_value()) << state.key;
    EXPECT_EQ(state.versions.size(), 1u) << state.key;
  }
}

TEST(KeyMerger, EmptyListingsEndAtOnce) {
  KeyMerger merger;
  merger.add_records({}, true);
  merger.add_versions({}, true);
  EXPECT_EQ(merger.next_source(), KeyMerger::Source::kNone);
  EXPECT_TRUE(merger.take_complete().empty());
}

}  // namespace
}  // namespace satchel::reconcile
