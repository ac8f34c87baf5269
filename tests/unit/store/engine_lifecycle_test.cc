// Engine::run_lifecycle_once() with a manual clock: each lifecycle action
// applied to real versions and uploads, and Object Lock respected.
#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace satchel::store {
namespace {

using std::chrono::hours;

constexpr std::string_view kPlainBucket = "plain";
constexpr std::string_view kLockedBucket = "vault";

class EngineLifecycleTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    // 2023-11-14T22:13:20Z: the day counts below round up to midnights.
    ASSERT_TRUE(engine_->create_bucket(std::string(kPlainBucket)));
    ASSERT_TRUE(engine_->create_bucket(std::string(kLockedBucket), Versioning::kUnversioned, true));
  }

  void set_rules(std::string_view bucket, std::string_view rules) {
    auto parsed = parse_lifecycle_document("<LifecycleConfiguration>" + std::string(rules) +
                                           "</LifecycleConfiguration>");
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_TRUE(engine_->put_lifecycle(std::string(bucket), *parsed));
  }

  LifecycleReport run() {
    auto report = engine_->run_lifecycle_once(clock_->now());
    EXPECT_TRUE(report);
    return report ? *report : LifecycleReport{};
  }

  std::vector<ObjectVersion> versions(std::string_view bucket, const std::string& prefix = "") {
    ListVersionsQuery query;
    query.prefix = prefix;
    auto listing = engine_->list_versions(std::string(bucket), query);
    EXPECT_TRUE(listing);
    return listing ? listing->versions : std::vector<ObjectVersion>{};
  }
};

TEST_F(EngineLifecycleTest, ExpirationAddsDeleteMarkerWhenVersioned) {
  set_rules(kBucket,
            "<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
            "<Expiration><Days>1</Days></Expiration></Rule>");
  ASSERT_TRUE(put("logs/a", "old"));
  ASSERT_TRUE(put("data/a", "kept"));

  clock_->advance(hours(24));
  EXPECT_EQ(run().expired, 0u);
  EXPECT_EQ(read("logs/a"), "old");

  clock_->advance(hours(24));
  LifecycleReport report = run();
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(report.buckets, 1u);
  EXPECT_EQ(read("logs/a"), "<error NoSuchKey>");
  auto logs = versions(kBucket, "logs/");
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_TRUE(logs[0].delete_marker);
  EXPECT_EQ(logs[1].size, 3u);
  EXPECT_EQ(read("data/a"), "kept");

  // A second pass finds the delete marker current and leaves it.
  EXPECT_EQ(run().expired, 0u);
  EXPECT_EQ(versions(kBucket, "logs/").size(), 2u);
}

TEST_F(EngineLifecycleTest, ExpirationRemovesObjectWhenUnversioned) {
  set_rules(kPlainBucket,
            "<Rule><ID>all</ID><Filter/><Status>Enabled</Status>"
            "<Expiration><Date>2023-11-20T00:00:00Z</Date></Expiration></Rule>");
  ASSERT_TRUE(engine_->put(std::string(kPlainBucket), "a", "bytes"));
  size_t files = object_files();

  clock_->set(*parse_iso8601("2023-11-19T23:59:59Z"));
  EXPECT_EQ(run().expired, 0u);
  clock_->set(*parse_iso8601("2023-11-20T00:00:00Z"));
  EXPECT_EQ(run().expired, 1u);
  EXPECT_TRUE(versions(kPlainBucket).empty());
  EXPECT_EQ(object_files(), files - 1);
}

TEST_F(EngineLifecycleTest, DisabledRuleDoesNothing) {
  set_rules(kBucket,
            "<Rule><ID>off</ID><Filter/><Status>Disabled</Status>"
            "<Expiration><Days>1</Days></Expiration></Rule>");
  ASSERT_TRUE(put("a", "bytes"));
  clock_->advance(hours(24 * 30));
  EXPECT_EQ(run().expired, 0u);
  EXPECT_EQ(read("a"), "bytes");
}

TEST_F(EngineLifecycleTest, NoncurrentExpirationKeepsNewestVersions) {
  set_rules(kBucket,
            "<Rule><ID>history</ID><Filter/><Status>Enabled</Status>"
            "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
            "<NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
            "</NoncurrentVersionExpiration></Rule>");
  ASSERT_TRUE(put("doc", "v1"));
  ASSERT_TRUE(put("doc", "v2"));
  ASSERT_TRUE(put("doc", "v3"));
  ASSERT_TRUE(put("doc", "v4"));

  clock_->advance(hours(24 * 3));
  LifecycleReport report = run();
  EXPECT_EQ(report.noncurrent_removed, 2u);
  auto left = versions(kBucket);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(read("doc"), "v4");
  EXPECT_EQ(read("doc", left[1].version_id), "v3");
}

TEST_F(EngineLifecycleTest, NoncurrentDaysCountFromReplacement) {
  set_rules(kBucket,
            "<Rule><ID>history</ID><Filter/><Status>Enabled</Status>"
            "<NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays>"
            "</NoncurrentVersionExpiration></Rule>");
  ASSERT_TRUE(put("doc", "v1"));
  clock_->advance(hours(24 * 10));
  ASSERT_TRUE(put("doc", "v2"));
  clock_->advance(hours(24));
  EXPECT_EQ(run().noncurrent_removed, 0u);
  clock_->advance(hours(24 * 2));
  EXPECT_EQ(run().noncurrent_removed, 1u);
  EXPECT_EQ(versions(kBucket).size(), 1u);
}

TEST_F(EngineLifecycleTest, RemovesExpiredObjectDeleteMarkers) {
  set_rules(kBucket,
            "<Rule><ID>markers</ID><Filter/><Status>Enabled</Status>"
            "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
            "</Expiration></Rule>");
  ASSERT_TRUE(put("gone", "bytes"));
  auto marker = engine_->delete_object(std::string(kBucket), "gone", std::nullopt);
  ASSERT_TRUE(marker);
  ASSERT_TRUE(put("kept", "bytes"));
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "kept", std::nullopt));

  // "gone" still has its version behind the marker.
  EXPECT_EQ(run().delete_markers_removed, 0u);
  auto versions_of_gone = versions(kBucket, "gone");
  ASSERT_EQ(versions_of_gone.size(), 2u);
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "gone", versions_of_gone[1].version_id));

  EXPECT_EQ(run().delete_markers_removed, 1u);
  EXPECT_TRUE(versions(kBucket, "gone").empty());
  EXPECT_EQ(versions(kBucket, "kept").size(), 2u);
}

TEST_F(EngineLifecycleTest, AbortsStaleUploadsAndTheirParts) {
  set_rules(kBucket,
            "<Rule><ID>uploads</ID><Filter><Prefix>up/</Prefix></Filter><Status>Enabled"
            "</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
            "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>");
  auto stale = engine_->create_upload(std::string(kBucket), "up/big", {});
  ASSERT_TRUE(stale);
  auto other = engine_->create_upload(std::string(kBucket), "keep/big", {});
  ASSERT_TRUE(other);
  auto pending = engine_->begin_part(std::string(kBucket), "up/big", stale->upload_id, 1, {});
  ASSERT_TRUE(pending);
  ASSERT_TRUE(pending->append("part bytes"));
  ASSERT_TRUE(engine_->commit_part(std::move(*pending)));
  size_t files = object_files();

  clock_->advance(hours(24 * 2));
  EXPECT_EQ(run().uploads_aborted, 1u);
  EXPECT_EQ(object_files(), files - 1);
  auto uploads = engine_->list_uploads(std::string(kBucket), {});
  ASSERT_TRUE(uploads);
  ASSERT_EQ(uploads->uploads.size(), 1u);
  EXPECT_EQ(uploads->uploads[0].key, "keep/big");
}

TEST_F(EngineLifecycleTest, SkipsLockedNoncurrentVersions) {
  set_rules(kLockedBucket,
            "<Rule><ID>history</ID><Filter/><Status>Enabled</Status>"
            "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
            "</NoncurrentVersionExpiration></Rule>");
  PutRequest locked;
  locked.lock.retention = Retention{RetentionMode::kGovernance, clock_->now() + hours(24 * 30)};
  ASSERT_TRUE(engine_->put(std::string(kLockedBucket), "doc", "v1", locked));
  PutRequest held;
  held.lock.legal_hold = true;
  ASSERT_TRUE(engine_->put(std::string(kLockedBucket), "doc", "v2", held));
  ASSERT_TRUE(engine_->put(std::string(kLockedBucket), "doc", "v3"));
  ASSERT_TRUE(engine_->put(std::string(kLockedBucket), "doc", "v4"));

  clock_->advance(hours(24 * 5));
  LifecycleReport report = run();
  EXPECT_EQ(report.noncurrent_removed, 1u);
  EXPECT_EQ(report.locked_skipped, 2u);
  EXPECT_EQ(versions(kLockedBucket).size(), 3u);

  // Once the retention ends, the next pass removes that version too.
  clock_->advance(hours(24 * 30));
  report = run();
  EXPECT_EQ(report.noncurrent_removed, 1u);
  EXPECT_EQ(report.locked_skipped, 1u);
}

TEST_F(EngineLifecycleTest, ExpirationOfLockedObjectOnlyAddsMarker) {
  set_rules(kLockedBucket,
            "<Rule><ID>all</ID><Filter/><Status>Enabled</Status>"
            "<Expiration><Days>1</Days></Expiration></Rule>");
  PutRequest locked;
  locked.lock.retention = Retention{RetentionMode::kCompliance, clock_->now() + hours(24 * 30)};
  auto version = engine_->put(std::string(kLockedBucket), "record", "bytes", locked);
  ASSERT_TRUE(version);
  clock_->advance(hours(24 * 2));
  EXPECT_EQ(run().expired, 1u);
  auto kept = engine_->read_object(std::string(kLockedBucket), "record", version->version_id);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, "bytes");
}

TEST_F(EngineLifecycleTest, BucketWithoutRulesIsUntouched) {
  ASSERT_TRUE(put("a", "bytes"));
  clock_->advance(hours(24 * 365));
  LifecycleReport report = run();
  EXPECT_EQ(report.buckets, 0u);
  EXPECT_EQ(read("a"), "bytes");
}

}  // namespace
}  // namespace satchel::store
