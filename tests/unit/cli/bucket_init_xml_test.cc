#include "cli/bucket_init_xml.h"

#include <gtest/gtest.h>

namespace satchel::cli {
namespace {

constexpr std::string_view kS3Namespace = R"( xmlns="http://s3.amazonaws.com/doc/2006-03-01/")";

std::string document(std::string_view root, std::string_view content) {
  return "<" + std::string(root) + std::string(kS3Namespace) + ">" + std::string(content) + "</" +
         std::string(root) + ">";
}

TEST(BucketInitVersioning, ReadsEachStatus) {
  EXPECT_EQ(parse_versioning_xml(document("VersioningConfiguration", "")),
            VersioningStatus::kNeverEnabled);
  EXPECT_EQ(parse_versioning_xml(document("VersioningConfiguration", "<Status>Enabled</Status>")),
            VersioningStatus::kEnabled);
  EXPECT_EQ(parse_versioning_xml(document("VersioningConfiguration", "<Status>Suspended</Status>")),
            VersioningStatus::kSuspended);
  EXPECT_FALSE(parse_versioning_xml(document("VersioningConfiguration", "<Status>On</Status>")));
  EXPECT_FALSE(parse_versioning_xml("<Versioning"));
}

TEST(BucketInitVersioning, WrittenDocumentReadsBack) {
  EXPECT_EQ(parse_versioning_xml(versioning_xml(VersioningStatus::kEnabled)),
            VersioningStatus::kEnabled);
  EXPECT_NE(versioning_xml(VersioningStatus::kEnabled).find("<Status>Enabled</Status>"),
            std::string::npos);
}

TEST(BucketInitLifecycle, SatchelRulesRoundTrip) {
  auto desired = satchel_lifecycle_rules(7, 30);
  ASSERT_EQ(desired.size(), 2u);
  auto parsed = parse_lifecycle_xml(lifecycle_xml(desired));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].id, kAbortUploadsRuleId);
  EXPECT_EQ((*parsed)[0].abort_incomplete_upload_days, 7);
  EXPECT_EQ((*parsed)[1].id, kNoncurrentRuleId);
  EXPECT_EQ((*parsed)[1].noncurrent_days, 30);
  EXPECT_TRUE(lifecycle_matches(*parsed, desired));
}

TEST(BucketInitLifecycle, NoNoncurrentRuleForZeroDays) {
  auto desired = satchel_lifecycle_rules(1, 0);
  ASSERT_EQ(desired.size(), 1u);
  EXPECT_EQ(desired[0].id, kAbortUploadsRuleId);
}

TEST(BucketInitLifecycle, MatchesIgnoringIdsOrderAndLegacyPrefix) {
  // One rule under another ID with both actions, the legacy rule-level
  // Prefix and the elements in another order.
  std::string body = document("LifecycleConfiguration",
                              "<Rule><Status>Enabled</Status><Prefix></Prefix>"
                              "<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays>"
                              "</NoncurrentVersionExpiration><ID>operator-rule</ID>"
                              "<AbortIncompleteMultipartUpload><DaysAfterInitiation> 7 "
                              "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>");
  auto current = parse_lifecycle_xml(body);
  ASSERT_TRUE(current);
  EXPECT_TRUE(lifecycle_matches(*current, satchel_lifecycle_rules(7, 30)));
  EXPECT_FALSE(lifecycle_matches(*current, satchel_lifecycle_rules(8, 30)));
  EXPECT_FALSE(lifecycle_matches(*current, satchel_lifecycle_rules(7, 31)));
}

TEST(BucketInitLifecycle, DisabledOrPrefixedRuleDoesNotMatch) {
  auto disabled = parse_lifecycle_xml(
      document("LifecycleConfiguration",
               "<Rule><ID>a</ID><Filter><Prefix></Prefix></Filter><Status>Disabled</Status>"
               "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
               "</AbortIncompleteMultipartUpload></Rule>"));
  ASSERT_TRUE(disabled);
  EXPECT_FALSE(lifecycle_matches(*disabled, satchel_lifecycle_rules(7, 0)));
  auto prefixed = parse_lifecycle_xml(
      document("LifecycleConfiguration",
               "<Rule><ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
               "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
               "</AbortIncompleteMultipartUpload></Rule>"));
  ASSERT_TRUE(prefixed);
  EXPECT_FALSE(lifecycle_matches(*prefixed, satchel_lifecycle_rules(7, 0)));
}

TEST(BucketInitLifecycle, StaleSatchelRuleIsAMismatch) {
  // An earlier run set noncurrent expiration; the configuration now keeps
  // noncurrent versions forever, so the rule must go.
  auto current = parse_lifecycle_xml(lifecycle_xml(satchel_lifecycle_rules(7, 30)));
  ASSERT_TRUE(current);
  auto desired = satchel_lifecycle_rules(7, 0);
  EXPECT_FALSE(lifecycle_matches(*current, desired));
  auto merged = merge_lifecycle_rules(*current, desired);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].id, kAbortUploadsRuleId);
}

TEST(BucketInitLifecycle, MergeKeepsOtherRulesVerbatim) {
  std::string body = document(
      "LifecycleConfiguration",
      "<Rule><ID>expire-logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key>"
      "<Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days>"
      "</Expiration></Rule>");
  auto current = parse_lifecycle_xml(body);
  ASSERT_TRUE(current);
  ASSERT_EQ(current->size(), 1u);
  EXPECT_TRUE((*current)[0].other_filter);
  EXPECT_TRUE((*current)[0].other_actions);
  auto merged = merge_lifecycle_rules(*current, satchel_lifecycle_rules(7, 0));
  std::string written = lifecycle_xml(merged);
  EXPECT_NE(written.find("<Tag><Key>k</Key><Value>v</Value></Tag>"), std::string::npos) << written;
  EXPECT_NE(written.find("<Expiration><Days>3</Days></Expiration>"), std::string::npos) << written;
  auto reread = parse_lifecycle_xml(written);
  ASSERT_TRUE(reread);
  EXPECT_TRUE(lifecycle_matches(*reread, satchel_lifecycle_rules(7, 0)));
}

TEST(BucketInitLifecycle, NewerNoncurrentVersionsIsNotTheDaysRule) {
  auto current = parse_lifecycle_xml(document(
      "LifecycleConfiguration",
      "<Rule><ID>x</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration>"
      "<NoncurrentDays>30</NoncurrentDays><NewerNoncurrentVersions>5</NewerNoncurrentVersions>"
      "</NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
      "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"));
  ASSERT_TRUE(current);
  EXPECT_FALSE(lifecycle_matches(*current, satchel_lifecycle_rules(7, 30)));
  EXPECT_TRUE(lifecycle_matches(*current, satchel_lifecycle_rules(7, 0)));
}

TEST(BucketInitLifecycle, RejectsInvalidDayCounts) {
  for (std::string_view days : {"0", "-1", "seven", ""}) {
    std::string body = document("LifecycleConfiguration",
                                "<Rule><ID>x</ID><Status>Enabled</Status>"
                                "<AbortIncompleteMultipartUpload><DaysAfterInitiation>" +
                                    std::string(days) +
                                    "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
                                    "</Rule>");
    EXPECT_FALSE(parse_lifecycle_xml(body)) << days;
  }
  EXPECT_FALSE(parse_lifecycle_xml(document("CORSConfiguration", "")));
}

TEST(BucketInitLifecycle, DescribesRules) {
  EXPECT_EQ(describe(std::vector<LifecycleRule>{}), "none");
  EXPECT_EQ(describe(satchel_lifecycle_rules(7, 30)),
            "satchel-abort-incomplete-uploads: abort uploads after 7 days; "
            "satchel-noncurrent-versions: noncurrent versions expire after 30 days");
}

TEST(BucketInitCors, MatchesAsSetsIgnoringHeaderCase) {
  auto desired = satchel_cors_rule({"http://a.example", "http://b.example"});
  store::CorsRule reordered = desired;
  reordered.id.clear();
  reordered.allowed_origins = {"http://b.example", "http://a.example"};
  reordered.allowed_methods = {"HEAD", "GET", "PUT"};
  reordered.expose_headers = {"X-Amz-Version-Id", "etag"};
  EXPECT_TRUE(cors_matches({reordered}, desired));
}

TEST(BucketInitCors, OriginCaseAndMissingOriginDiffer) {
  auto desired = satchel_cors_rule({"http://a.example", "http://b.example"});
  store::CorsRule fewer = desired;
  fewer.allowed_origins = {"http://a.example"};
  EXPECT_FALSE(cors_matches({fewer}, desired));
  store::CorsRule older_age = desired;
  older_age.max_age_seconds = 3000;
  EXPECT_FALSE(cors_matches({older_age}, desired));
  EXPECT_FALSE(cors_matches({}, desired));
}

TEST(BucketInitCors, MergeReplacesOwnRuleAndKeepsOthers) {
  store::CorsRule other{.id = "reporting",
                        .allowed_origins = {"https://reports.example"},
                        .allowed_methods = {"GET"}};
  auto stale = satchel_cors_rule({"http://old.example"});
  auto desired = satchel_cors_rule({"http://new.example"});
  EXPECT_FALSE(cors_matches({other, stale}, desired));
  auto merged = merge_cors_rules({other, stale}, desired);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].id, "reporting");
  EXPECT_EQ(merged[1].allowed_origins, std::vector<std::string>{"http://new.example"});
  auto reread = parse_cors_xml(cors_xml(merged));
  ASSERT_TRUE(reread);
  EXPECT_TRUE(cors_matches(*reread, desired));
}

TEST(BucketInitCors, StaleOwnRuleBesideAMatchingOneIsAMismatch) {
  auto desired = satchel_cors_rule({"http://new.example"});
  store::CorsRule equivalent = desired;
  equivalent.id = "operator";
  auto stale = satchel_cors_rule({"http://old.example"});
  EXPECT_FALSE(cors_matches({equivalent, stale}, desired));
  EXPECT_TRUE(cors_matches({equivalent}, desired));
}

TEST(BucketInitEncryption, RoundTripsAndCompares) {
  DefaultEncryption aes{.algorithm = "AES256"};
  EXPECT_EQ(parse_encryption_xml(encryption_xml(aes)), aes);
  DefaultEncryption kms{.algorithm = "aws:kms", .kms_key_id = "key-1"};
  auto reread = parse_encryption_xml(encryption_xml(kms));
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->kms_key_id, "key-1");
  EXPECT_NE(*reread, aes);
}

TEST(BucketInitEncryption, IgnoresBucketKeyEnabled) {
  auto parsed = parse_encryption_xml(document(
      "ServerSideEncryptionConfiguration",
      "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
      "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, DefaultEncryption{.algorithm = "AES256"});
  EXPECT_FALSE(parse_encryption_xml(document("ServerSideEncryptionConfiguration", "<Rule/>")));
}

TEST(BucketInitObjectLock, RoundTripsDefaultRetention) {
  ObjectLockSettings desired{.enabled = true, .mode = "GOVERNANCE", .days = 3};
  auto parsed = parse_object_lock_xml(object_lock_xml(desired));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, desired);
  EXPECT_TRUE(object_lock_matches(*parsed, desired));
}

TEST(BucketInitObjectLock, ComparesModeAndPeriod) {
  ObjectLockSettings desired{.enabled = true, .mode = "GOVERNANCE", .days = 3};
  EXPECT_FALSE(object_lock_matches({.enabled = false}, desired));
  EXPECT_FALSE(object_lock_matches({.enabled = true}, desired));
  EXPECT_FALSE(object_lock_matches({.enabled = true, .mode = "COMPLIANCE", .days = 3}, desired));
  EXPECT_FALSE(object_lock_matches({.enabled = true, .mode = "GOVERNANCE", .days = 4}, desired));
}

TEST(BucketInitObjectLock, KeepsRetentionWhenNoneIsWanted) {
  ObjectLockSettings current{.enabled = true, .mode = "COMPLIANCE", .years = 1};
  EXPECT_TRUE(object_lock_matches(current, {.enabled = true}));
  EXPECT_FALSE(object_lock_matches({.enabled = false}, {.enabled = true}));
}

TEST(BucketInitObjectLock, ReadsEnabledWithoutRule) {
  auto parsed = parse_object_lock_xml(
      document("ObjectLockConfiguration", "<ObjectLockEnabled>Enabled</ObjectLockEnabled>"));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->enabled);
  EXPECT_EQ(parsed->mode, "");
  EXPECT_FALSE(
      parse_object_lock_xml(document("ObjectLockConfiguration",
                                     "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
                                     "<DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days>"
                                     "</DefaultRetention></Rule>")));
}

TEST(BucketInitErrors, ReadsCodeAndMessage) {
  auto error = parse_error_xml(
      "<?xml version=\"1.0\"?><Error><Code>NotImplemented</Code><Message>A header you provided "
      "implies functionality that is not implemented</Message></Error>");
  EXPECT_EQ(error.code, "NotImplemented");
  EXPECT_EQ(error.message, "A header you provided implies functionality that is not implemented");
  EXPECT_EQ(parse_error_xml("").code, "");
  EXPECT_EQ(parse_error_xml("<html>bad gateway</html>").code, "");
}

}  // namespace
}  // namespace satchel::cli
