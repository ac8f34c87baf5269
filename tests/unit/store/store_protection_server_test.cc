// Bucket lifecycle, default encryption and Object Lock over HTTP, signed as
// S3 clients sign them.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;
using std::chrono::hours;

constexpr std::string_view kLockedBucket = "vault";

class StoreProtectionTest : public StoreServerTest {
 protected:
  http::Response request(Verb method, std::string target, std::string body = {},
                         Headers headers = {}, const AccessKey* key = nullptr) {
    return send(signed_request(method, std::move(target), std::move(body), std::move(headers),
                               std::nullopt, key));
  }

  void create_locked_bucket() {
    auto created = request(Verb::put, "/" + std::string(kLockedBucket), {},
                           {{"x-amz-bucket-object-lock-enabled", "true"}});
    ASSERT_EQ(created.result(), Status::ok) << created.body();
  }

  // PUTs key into the locked bucket and returns its version id.
  std::string put_locked(std::string_view key, Headers headers) {
    auto stored =
        request(Verb::put, object_path(key, kLockedBucket), "locked bytes", std::move(headers));
    EXPECT_EQ(stored.result(), Status::ok) << stored.body();
    return std::string(stored["x-amz-version-id"]);
  }

  std::string until(hours from_now) { return format_iso8601(clock_->now() + from_now); }

  http::Response delete_version(std::string_view key, const std::string& version_id,
                                Headers headers = {}, const AccessKey* key_pair = nullptr) {
    return request(Verb::delete_, object_path(key, kLockedBucket) + "?versionId=" + version_id, {},
                   std::move(headers), key_pair);
  }
};

TEST_F(StoreProtectionTest, LifecyclePutGetDelete) {
  auto missing = bucket_request(Verb::get, "lifecycle");
  EXPECT_EQ(missing.result(), Status::not_found);
  EXPECT_EQ(xml_element(missing.body(), "Code"), "NoSuchLifecycleConfiguration");

  std::string configuration =
      "<LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter>"
      "<Status>Enabled</Status><Expiration><Days>7</Days></Expiration>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>";
  auto stored = bucket_request(Verb::put, "lifecycle", configuration);
  ASSERT_EQ(stored.result(), Status::ok) << stored.body();
  auto read = bucket_request(Verb::get, "lifecycle");
  ASSERT_EQ(read.result(), Status::ok);
  EXPECT_EQ(xml_element(read.body(), "ID"), "tmp");
  EXPECT_EQ(xml_element(read.body(), "Prefix"), "tmp/");
  EXPECT_EQ(xml_element(read.body(), "Days"), "7");
  EXPECT_EQ(xml_element(read.body(), "DaysAfterInitiation"), "2");

  EXPECT_EQ(bucket_request(Verb::delete_, "lifecycle").result(), Status::no_content);
  EXPECT_EQ(bucket_request(Verb::get, "lifecycle").result(), Status::not_found);
}

TEST_F(StoreProtectionTest, InvalidLifecycleChangesNothing) {
  auto rejected =
      bucket_request(Verb::put, "lifecycle",
                     "<LifecycleConfiguration><Rule><ID>a</ID><Filter/><Status>Enabled</Status>"
                     "<Expiration><Days>-1</Days></Expiration></Rule></LifecycleConfiguration>");
  EXPECT_EQ(rejected.result(), Status::bad_request);
  EXPECT_EQ(xml_element(rejected.body(), "Code"), "InvalidArgument");
  auto malformed = bucket_request(Verb::put, "lifecycle", "<LifecycleConfiguration>");
  EXPECT_EQ(malformed.result(), Status::bad_request);
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "MalformedXML");
  EXPECT_EQ(bucket_request(Verb::get, "lifecycle").result(), Status::not_found);
}

TEST_F(StoreProtectionTest, EncryptionDefaultsToAes256AndRejectsKms) {
  auto default_config = bucket_request(Verb::get, "encryption");
  ASSERT_EQ(default_config.result(), Status::ok);
  EXPECT_EQ(xml_element(default_config.body(), "SSEAlgorithm"), "AES256");
  EXPECT_EQ(xml_element(default_config.body(), "BucketKeyEnabled"), "false");

  auto configuration = [](std::string_view algorithm) {
    return "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
           "<SSEAlgorithm>" +
           std::string(algorithm) +
           "</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true"
           "</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>";
  };
  auto kms = bucket_request(Verb::put, "encryption", configuration("aws:kms"));
  EXPECT_EQ(kms.result(), Status::not_implemented);
  EXPECT_EQ(xml_element(kms.body(), "Code"), "NotImplemented");

  ASSERT_EQ(bucket_request(Verb::put, "encryption", configuration("AES256")).result(), Status::ok);
  EXPECT_EQ(xml_element(bucket_request(Verb::get, "encryption").body(), "BucketKeyEnabled"),
            "true");
  EXPECT_EQ(bucket_request(Verb::delete_, "encryption").result(), Status::no_content);
  EXPECT_EQ(xml_element(bucket_request(Verb::get, "encryption").body(), "BucketKeyEnabled"),
            "false");
}

TEST_F(StoreProtectionTest, LockedBucketForcesVersioning) {
  create_locked_bucket();
  std::string bucket = "/" + std::string(kLockedBucket);
  auto versioning = request(Verb::get, bucket + "?versioning");
  EXPECT_EQ(xml_element(versioning.body(), "Status"), "Enabled");
  auto suspend = request(Verb::put, bucket + "?versioning",
                         "<VersioningConfiguration><Status>Suspended</Status>"
                         "</VersioningConfiguration>");
  EXPECT_EQ(suspend.result(), Status::conflict);
  EXPECT_EQ(xml_element(suspend.body(), "Code"), "InvalidBucketState");

  auto configuration = request(Verb::get, bucket + "?object-lock");
  ASSERT_EQ(configuration.result(), Status::ok);
  EXPECT_EQ(xml_element(configuration.body(), "ObjectLockEnabled"), "Enabled");
  auto unlocked = bucket_request(Verb::get, "object-lock");
  EXPECT_EQ(unlocked.result(), Status::not_found);
  EXPECT_EQ(xml_element(unlocked.body(), "Code"), "ObjectLockConfigurationNotFoundError");
}

TEST_F(StoreProtectionTest, LockHeadersNeedALockedBucket) {
  auto rejected = put("plain.txt", "bytes",
                      {{"x-amz-object-lock-mode", "GOVERNANCE"},
                       {"x-amz-object-lock-retain-until-date", until(hours(1))}});
  EXPECT_EQ(rejected.result(), Status::bad_request);
  EXPECT_EQ(xml_element(rejected.body(), "Code"), "InvalidRequest");
  EXPECT_EQ(get("plain.txt").result(), Status::not_found);
}

TEST_F(StoreProtectionTest, RetentionRefusesDeleteUntilItsDate) {
  create_locked_bucket();
  std::string version_id =
      put_locked("record.txt", {{"x-amz-object-lock-mode", "COMPLIANCE"},
                                {"x-amz-object-lock-retain-until-date", until(hours(48))}});
  auto head = request(Verb::head, object_path("record.txt", kLockedBucket));
  EXPECT_EQ(head["x-amz-object-lock-mode"], "COMPLIANCE");
  EXPECT_EQ(head["x-amz-object-lock-retain-until-date"], until(hours(48)));

  auto denied =
      delete_version("record.txt", version_id, {{"x-amz-bypass-governance-retention", "true"}});
  EXPECT_EQ(denied.result(), Status::forbidden);
  EXPECT_EQ(xml_element(denied.body(), "Code"), "AccessDenied");
  EXPECT_EQ(request(Verb::get, object_path("record.txt", kLockedBucket)).body(), "locked bytes");

  clock_->advance(hours(48));
  EXPECT_EQ(delete_version("record.txt", version_id).result(), Status::no_content);
}

TEST_F(StoreProtectionTest, GovernanceBypassOnlyForAllowedKey) {
  create_locked_bucket();
  std::string version_id =
      put_locked("draft.txt", {{"x-amz-object-lock-mode", "GOVERNANCE"},
                               {"x-amz-object-lock-retain-until-date", until(hours(48))}});
  EXPECT_EQ(delete_version("draft.txt", version_id).result(), Status::forbidden);
  EXPECT_EQ(delete_version("draft.txt", version_id, {{"x-amz-bypass-governance-retention", "true"}})
                .result(),
            Status::no_content);
  auto gone =
      request(Verb::get, object_path("draft.txt", kLockedBucket) + "?versionId=" + version_id);
  EXPECT_EQ(gone.result(), Status::not_found);
}

TEST_F(StoreProtectionTest, RetentionCanBeExtendedNotShortened) {
  create_locked_bucket();
  std::string target = object_path("memo.txt", kLockedBucket) + "?retention";
  put_locked("memo.txt", {{"x-amz-object-lock-mode", "COMPLIANCE"},
                          {"x-amz-object-lock-retain-until-date", until(hours(24))}});
  auto retention = [&](hours from_now) {
    return "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>" + until(from_now) +
           "</RetainUntilDate></Retention>";
  };
  auto shorter = request(Verb::put, target, retention(hours(1)),
                         {{"x-amz-bypass-governance-retention", "true"}});
  EXPECT_EQ(shorter.result(), Status::forbidden);
  ASSERT_EQ(request(Verb::put, target, retention(hours(72))).result(), Status::ok);
  auto read = request(Verb::get, target);
  ASSERT_EQ(read.result(), Status::ok);
  EXPECT_EQ(xml_element(read.body(), "Mode"), "COMPLIANCE");
  EXPECT_EQ(xml_element(read.body(), "RetainUntilDate"), until(hours(72)));
  auto past = request(Verb::put, target, retention(hours(-1)));
  EXPECT_EQ(past.result(), Status::bad_request);
  EXPECT_EQ(xml_element(past.body(), "Code"), "InvalidArgument");
}

TEST_F(StoreProtectionTest, LegalHoldBlocksDeleteUntilReleased) {
  create_locked_bucket();
  std::string version_id = put_locked("evidence.txt", {});
  std::string target = object_path("evidence.txt", kLockedBucket) + "?legal-hold";
  auto none = request(Verb::get, target);
  EXPECT_EQ(none.result(), Status::not_found);
  EXPECT_EQ(xml_element(none.body(), "Code"), "NoSuchObjectLockConfiguration");

  ASSERT_EQ(request(Verb::put, target, "<LegalHold><Status>ON</Status></LegalHold>").result(),
            Status::ok);
  EXPECT_EQ(xml_element(request(Verb::get, target).body(), "Status"), "ON");
  EXPECT_EQ(request(Verb::head,
                    object_path("evidence.txt", kLockedBucket))["x-amz-object-lock-legal-hold"],
            "ON");
  EXPECT_EQ(
      delete_version("evidence.txt", version_id, {{"x-amz-bypass-governance-retention", "true"}})
          .result(),
      Status::forbidden);

  ASSERT_EQ(request(Verb::put, target, "<LegalHold><Status>OFF</Status></LegalHold>").result(),
            Status::ok);
  EXPECT_EQ(delete_version("evidence.txt", version_id).result(), Status::no_content);
}

TEST_F(StoreProtectionTest, DefaultRetentionAppliesToNewVersions) {
  create_locked_bucket();
  std::string bucket = "/" + std::string(kLockedBucket);
  auto configured = request(Verb::put, bucket + "?object-lock",
                            "<ObjectLockConfiguration><ObjectLockEnabled>Enabled"
                            "</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
                            "<Days>2</Days></DefaultRetention></Rule></ObjectLockConfiguration>");
  ASSERT_EQ(configured.result(), Status::ok) << configured.body();
  EXPECT_EQ(xml_element(request(Verb::get, bucket + "?object-lock").body(), "Days"), "2");

  std::string version_id = put_locked("auto.txt", {});
  auto head = request(Verb::head, object_path("auto.txt", kLockedBucket));
  EXPECT_EQ(head["x-amz-object-lock-mode"], "GOVERNANCE");
  EXPECT_EQ(head["x-amz-object-lock-retain-until-date"], until(hours(48)));
  EXPECT_EQ(delete_version("auto.txt", version_id).result(), Status::forbidden);
}

TEST_F(StoreProtectionTest, ApiKeyCannotBypassOrChangeLocks) {
  create_locked_bucket();
  std::string version_id =
      put_locked("api.txt", {{"x-amz-object-lock-mode", "GOVERNANCE"},
                             {"x-amz-object-lock-retain-until-date", until(hours(48))}});
  const AccessKey* api = &store_->credentials().api;
  // The API's key may only reach the default bucket, so the store denies this
  // delete before it looks at the lock.
  EXPECT_EQ(
      delete_version("api.txt", version_id, {{"x-amz-bypass-governance-retention", "true"}}, api)
          .result(),
      Status::forbidden);
  auto retention =
      request(Verb::put, object_path("a.txt") + "?retention", "<Retention></Retention>", {}, api);
  EXPECT_EQ(retention.result(), Status::forbidden);
  EXPECT_EQ(xml_element(retention.body(), "Code"), "AccessDenied");
}

}  // namespace
}  // namespace satchel::store
