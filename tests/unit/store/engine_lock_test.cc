// Object Lock in the engine: bucket settings, default retention, and the
// deletes and retention changes a lock refuses.
#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace satchel::store {
namespace {

using std::chrono::hours;

constexpr std::string_view kLockedBucket = "vault";

class EngineLockTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_TRUE(engine_->create_bucket(std::string(kLockedBucket), Versioning::kUnversioned, true));
  }

  Expected<ObjectVersion, StoreError> put_locked(const std::string& key, ObjectLock lock) {
    PutRequest request;
    request.lock = lock;
    return engine_->put(std::string(kLockedBucket), key, "bytes", std::move(request));
  }

  Expected<DeleteResult, StoreError> remove(const ObjectVersion& version, bool bypass = false) {
    return engine_->delete_object(std::string(kLockedBucket), version.key, version.version_id,
                                  bypass);
  }

  ObjectLock governance(hours from_now) {
    return ObjectLock{Retention{RetentionMode::kGovernance, clock_->now() + from_now},
                      std::nullopt};
  }
};

TEST_F(EngineLockTest, LockedBucketIsVersionedForGood) {
  auto info = engine_->bucket(std::string(kLockedBucket));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->versioning, Versioning::kEnabled);
  ASSERT_TRUE(info->object_lock);
  auto suspended = engine_->set_versioning(std::string(kLockedBucket), Versioning::kSuspended);
  ASSERT_FALSE(suspended);
  EXPECT_EQ(suspended.error(), StoreError::kInvalidBucketState);
}

TEST_F(EngineLockTest, ObjectLockNeedsVersioningOnExistingBucket) {
  ASSERT_TRUE(engine_->create_bucket("plain"));
  auto refused = engine_->put_object_lock("plain", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StoreError::kInvalidBucketState);
  ASSERT_TRUE(engine_->put_object_lock(std::string(kBucket), {}));
  EXPECT_TRUE(engine_->get_object_lock(std::string(kBucket)));
}

TEST_F(EngineLockTest, LockOnUnlockedBucketIsRejected) {
  PutRequest request;
  request.lock.legal_hold = true;
  auto refused = put("a", "bytes", request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StoreError::kObjectLockNotEnabled);
  EXPECT_EQ(read("a"), "<error NoSuchKey>");
  MultipartUpload settings;
  settings.lock.legal_hold = true;
  auto upload = engine_->create_upload(std::string(kBucket), "big", settings);
  ASSERT_FALSE(upload);
  EXPECT_EQ(upload.error(), StoreError::kObjectLockNotEnabled);
}

TEST_F(EngineLockTest, GovernanceDeleteNeedsBypass) {
  auto version = put_locked("a", governance(hours(1)));
  ASSERT_TRUE(version);
  auto refused = remove(*version);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StoreError::kObjectLocked);
  // A delete without a version id only adds a marker, which a lock allows.
  EXPECT_TRUE(engine_->delete_object(std::string(kLockedBucket), "a", std::nullopt));
  EXPECT_TRUE(remove(*version, true));
}

TEST_F(EngineLockTest, ExpiredRetentionAllowsDelete) {
  auto version = put_locked(
      "a", ObjectLock{Retention{RetentionMode::kCompliance, clock_->now() + hours(1)}, {}});
  ASSERT_TRUE(version);
  EXPECT_FALSE(remove(*version, true));
  clock_->advance(hours(1));
  EXPECT_TRUE(remove(*version));
}

TEST_F(EngineLockTest, DefaultRetentionCountsFromWrite) {
  ObjectLockConfiguration configuration;
  configuration.default_retention = DefaultRetention{RetentionMode::kCompliance, 3, 0};
  ASSERT_TRUE(engine_->put_object_lock(std::string(kLockedBucket), configuration));
  auto version = put_locked("a", {});
  ASSERT_TRUE(version);
  ASSERT_TRUE(version->lock.retention);
  EXPECT_EQ(version->lock.retention->mode, RetentionMode::kCompliance);
  EXPECT_EQ(version->lock.retention->retain_until, clock_->now() + hours(72));
  // An explicit retention wins over the default.
  auto explicit_lock = put_locked("b", governance(hours(1)));
  ASSERT_TRUE(explicit_lock);
  EXPECT_EQ(explicit_lock->lock.retention->mode, RetentionMode::kGovernance);
}

TEST_F(EngineLockTest, RetentionAndLegalHoldPersist) {
  auto version = put_locked("a", {});
  ASSERT_TRUE(version);
  auto retained = engine_->set_retention(std::string(kLockedBucket), "a", version->version_id,
                                         governance(hours(5)).retention, false);
  ASSERT_TRUE(retained);
  auto held = engine_->set_legal_hold(std::string(kLockedBucket), "a", std::nullopt, true);
  ASSERT_TRUE(held);

  auto found = engine_->find_locked_version(std::string(kLockedBucket), "a", std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->lock.retention, governance(hours(5)).retention);
  EXPECT_EQ(found->lock.legal_hold, true);

  auto shortened = engine_->set_retention(std::string(kLockedBucket), "a", std::nullopt,
                                          governance(hours(1)).retention, false);
  ASSERT_FALSE(shortened);
  EXPECT_EQ(shortened.error(), StoreError::kObjectLocked);
  // The legal hold stays even when the bypass removes the retention.
  ASSERT_TRUE(
      engine_->set_retention(std::string(kLockedBucket), "a", std::nullopt, std::nullopt, true));
  EXPECT_FALSE(remove(*version, true));
  ASSERT_TRUE(engine_->set_legal_hold(std::string(kLockedBucket), "a", std::nullopt, false));
  EXPECT_TRUE(remove(*version));
}

TEST_F(EngineLockTest, LockCallsNeedObjectLock) {
  ASSERT_TRUE(put("a", "bytes"));
  auto found = engine_->find_locked_version(std::string(kBucket), "a", std::nullopt);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error(), StoreError::kObjectLockNotEnabled);
  auto held = engine_->set_legal_hold(std::string(kBucket), "a", std::nullopt, true);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error(), StoreError::kObjectLockNotEnabled);
}

TEST_F(EngineLockTest, MultipartUploadCarriesItsLock) {
  MultipartUpload settings;
  settings.lock = governance(hours(2));
  auto upload = engine_->create_upload(std::string(kLockedBucket), "big", settings);
  ASSERT_TRUE(upload);
  auto pending = engine_->begin_part(std::string(kLockedBucket), "big", upload->upload_id, 1, {});
  ASSERT_TRUE(pending);
  ASSERT_TRUE(pending->append("tail"));
  auto part = engine_->commit_part(std::move(*pending));
  ASSERT_TRUE(part);
  CompleteRequest request;
  request.parts = {CompletedPart{1, part->etag, std::nullopt}};
  auto version =
      engine_->complete_upload(std::string(kLockedBucket), "big", upload->upload_id, request);
  ASSERT_TRUE(version);
  EXPECT_EQ(version->lock.retention, governance(hours(2)).retention);
  EXPECT_FALSE(remove(*version));
}

}  // namespace
}  // namespace satchel::store
