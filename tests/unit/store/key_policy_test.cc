#include "store/key_policy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace satchel::store {
namespace {

using Kind = StoreAccess::Kind;
using http::Verb;

StoreAccess describe(Verb method, std::string_view bucket, std::string_view key,
                     std::string_view query = "",
                     std::optional<std::string_view> copy_source = std::nullopt) {
  auto params = http::parse_query(query);
  EXPECT_TRUE(params);
  return describe_access(method, bucket, key, params ? *params : http::QueryParams{}, copy_source);
}

KeyPolicy tenant_policy() { return KeyPolicy::objects_only("satchel", "tenant-a/"); }

TEST(DescribeAccess, ClassifiesObjectOperations) {
  EXPECT_EQ(describe(Verb::get, "satchel", "a/b").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::put, "satchel", "a/b", "uploadId=u&partNumber=1").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::delete_, "satchel", "a/b", "versionId=v").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::post, "satchel", "a/b", "uploads").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::get, "satchel", "a/b").key, "a/b");
}

TEST(DescribeAccess, LockChangesAreAdministration) {
  EXPECT_EQ(describe(Verb::put, "satchel", "a/b", "retention").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::put, "satchel", "a/b", "legal-hold&versionId=v").kind,
            Kind::kAdministration);
  EXPECT_EQ(describe(Verb::get, "satchel", "a/b", "retention").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::get, "satchel", "a/b", "legal-hold").kind, Kind::kObject);
  EXPECT_EQ(describe(Verb::put, "satchel", "", "lifecycle").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::put, "satchel", "", "object-lock").kind, Kind::kAdministration);
}

TEST(KeyPolicy, OnlyFullAccessBypassesGovernance) {
  EXPECT_TRUE(KeyPolicy::full_access().may_bypass_governance_retention());
  EXPECT_FALSE(tenant_policy().may_bypass_governance_retention());
  EXPECT_FALSE(KeyPolicy().may_bypass_governance_retention());
}

TEST(DescribeAccess, ClassifiesListings) {
  auto v2 = describe(Verb::get, "satchel", "", "list-type=2&prefix=tenant-a%2F");
  EXPECT_EQ(v2.kind, Kind::kListing);
  EXPECT_EQ(v2.key, "tenant-a/");
  EXPECT_EQ(describe(Verb::get, "satchel", "", "versions&prefix=x").kind, Kind::kListing);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "uploads").kind, Kind::kListing);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "marker=m").kind, Kind::kListing);
  EXPECT_EQ(describe(Verb::get, "satchel", "").key, "");
}

TEST(DescribeAccess, ClassifiesBucketAdministration) {
  EXPECT_EQ(describe(Verb::put, "satchel", "", "versioning").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "versioning").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::put, "satchel", "", "cors").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::delete_, "satchel", "", "cors").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::put, "satchel", "").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::delete_, "satchel", "").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::post, "satchel", "", "delete").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "policy").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::put, "satchel", "", "versions").kind, Kind::kAdministration);
}

TEST(DescribeAccess, SubresourceAheadOfListingParamsWins) {
  // The handler dispatches on versioning before versions, so the check must
  // not treat this request as a listing.
  EXPECT_EQ(describe(Verb::get, "satchel", "", "versions&versioning").kind, Kind::kAdministration);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "list-type=2&cors").kind, Kind::kAdministration);
}

TEST(DescribeAccess, ClassifiesBucketReadsAndService) {
  EXPECT_EQ(describe(Verb::head, "satchel", "").kind, Kind::kBucketRead);
  EXPECT_EQ(describe(Verb::get, "satchel", "", "location").kind, Kind::kBucketRead);
  EXPECT_EQ(describe(Verb::get, "", "").kind, Kind::kService);
  EXPECT_EQ(describe(Verb::put, "", "").kind, Kind::kAdministration);
}

TEST(DescribeAccess, ReadsCopySource) {
  auto access = describe(Verb::put, "satchel", "tenant-a/copy", "", "/other/b%2Bc?versionId=v1");
  ASSERT_TRUE(access.copy_source);
  EXPECT_EQ(access.copy_source->bucket, "other");
  EXPECT_EQ(access.copy_source->key, "b+c");
}

TEST(DescribeAccess, UnparsableCopySourceHasNoBucket) {
  auto access = describe(Verb::put, "satchel", "tenant-a/copy", "", "no-slash");
  ASSERT_TRUE(access.copy_source);
  EXPECT_EQ(access.copy_source->bucket, "");
}

TEST(KeyPolicy, FullAccessAllowsEverything) {
  auto policy = KeyPolicy::full_access();
  EXPECT_TRUE(policy.check(describe(Verb::get, "", "")));
  EXPECT_TRUE(policy.check(describe(Verb::put, "other", "", "versioning")));
  EXPECT_TRUE(policy.check(describe(Verb::get, "other", "x")));
}

TEST(KeyPolicy, ObjectsOnlyAllowsObjectsUnderPrefix) {
  auto policy = tenant_policy();
  EXPECT_TRUE(policy.check(describe(Verb::put, "satchel", "tenant-a/u/x")));
  EXPECT_TRUE(policy.check(describe(Verb::get, "satchel", "tenant-a/u/x", "versionId=v")));
  EXPECT_TRUE(policy.check(describe(Verb::post, "satchel", "tenant-a/u/x", "uploads")));
  EXPECT_TRUE(policy.check(describe(Verb::get, "satchel", "", "list-type=2&prefix=tenant-a/u/")));
  // The lifecycle sweeper lists the versions of one key.
  EXPECT_TRUE(policy.check(describe(Verb::get, "satchel", "", "versions&prefix=tenant-a/u/x")));
  EXPECT_TRUE(policy.check(describe(Verb::head, "satchel", "")));
}

TEST(KeyPolicy, ObjectsOnlyDeniesOtherPrefix) {
  auto denied = tenant_policy().check(describe(Verb::get, "satchel", "tenant-b/u/x"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error(), "outside_key_prefix");
}

TEST(KeyPolicy, ObjectsOnlyDeniesListingWithoutPrefix) {
  EXPECT_FALSE(tenant_policy().check(describe(Verb::get, "satchel", "", "list-type=2")));
  EXPECT_FALSE(tenant_policy().check(describe(Verb::get, "satchel", "", "versions&prefix=tenant")));
  EXPECT_FALSE(
      tenant_policy().check(describe(Verb::get, "satchel", "", "versions&prefix=tenant-b/u/x")));
}

TEST(KeyPolicy, ObjectsOnlyDeniesOtherBucket) {
  auto denied = tenant_policy().check(describe(Verb::put, "other", "tenant-a/u/x"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error(), "other_bucket");
  EXPECT_FALSE(tenant_policy().check(describe(Verb::head, "other", "")));
}

TEST(KeyPolicy, ObjectsOnlyDeniesAdministration) {
  auto policy = KeyPolicy::objects_only("satchel", "");
  auto denied = policy.check(describe(Verb::put, "satchel", "", "versioning"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error(), "bucket_administration");
  EXPECT_FALSE(policy.check(describe(Verb::delete_, "satchel", "")));
  EXPECT_FALSE(policy.check(describe(Verb::put, "fresh", "")));
  EXPECT_FALSE(policy.check(describe(Verb::post, "satchel", "", "delete")));
  EXPECT_FALSE(policy.check(describe(Verb::get, "", "")));
}

TEST(KeyPolicy, ObjectsOnlyChecksCopySource) {
  auto policy = tenant_policy();
  EXPECT_TRUE(policy.check(describe(Verb::put, "satchel", "tenant-a/c", "", "satchel/tenant-a/s")));
  EXPECT_FALSE(
      policy.check(describe(Verb::put, "satchel", "tenant-a/c", "", "satchel/tenant-b/s")));
  EXPECT_FALSE(policy.check(describe(Verb::put, "satchel", "tenant-a/c", "", "other/tenant-a/s")));
  EXPECT_FALSE(policy.check(describe(Verb::put, "satchel", "tenant-a/c", "", "garbage")));
}

TEST(KeyPolicy, FormUploadKeyMustStartWithPrefix) {
  auto policy = tenant_policy();
  EXPECT_TRUE(policy.check_form_upload("satchel", "tenant-a/u/${filename}"));
  EXPECT_FALSE(policy.check_form_upload("satchel", "${filename}"));
  EXPECT_FALSE(policy.check_form_upload("other", "tenant-a/u/x"));
}

TEST(KeyPolicy, DefaultDeniesEverything) {
  KeyPolicy policy;
  EXPECT_FALSE(policy.check(describe(Verb::get, "satchel", "x")));
  EXPECT_FALSE(policy.check(describe(Verb::head, "", "")));
  EXPECT_FALSE(policy.check(describe(Verb::get, "", "")));
}

TEST(KeyPolicy, JsonRoundTrips) {
  for (const KeyPolicy& policy : {KeyPolicy::full_access(), tenant_policy()}) {
    auto parsed = KeyPolicy::from_json(policy.to_json());
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(*parsed, policy);
  }
}

TEST(KeyPolicy, JsonRejectsUnknownAccess) {
  auto parsed = KeyPolicy::from_json({{"access", "everything"}});
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().find("policy.access"), std::string::npos);
}

TEST(KeyPolicy, JsonRejectsObjectsWithoutBucket) {
  auto parsed = KeyPolicy::from_json({{"access", "objects"}, {"key_prefix", "a/"}});
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().find("policy.bucket"), std::string::npos);
}

}  // namespace
}  // namespace satchel::store
