#include "store/lifecycle.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/time_format.h"

namespace satchel::store {
namespace {

using std::chrono::hours;

std::string configuration(std::string_view rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         std::string(rules) + "</LifecycleConfiguration>";
}

// A rule with the given filter and actions.
std::string rule(std::string_view id, std::string_view filter, std::string_view actions,
                 std::string_view status = "Enabled") {
  return "<Rule><ID>" + std::string(id) + "</ID>" + std::string(filter) + "<Status>" +
         std::string(status) + "</Status>" + std::string(actions) + "</Rule>";
}

DocumentError parse_error(const std::string& body) {
  auto parsed = parse_lifecycle_document(body);
  EXPECT_FALSE(parsed) << body;
  return parsed ? DocumentError{"", ""} : parsed.error();
}

SystemTime at(std::string_view iso) { return *parse_iso8601(iso); }

TEST(LifecycleDocument, ParsesEveryAction) {
  auto rules = parse_lifecycle_document(configuration(
      rule("logs", "<Filter><Prefix>logs/</Prefix></Filter>",
           "<Expiration><Days>30</Days></Expiration>"
           "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays>"
           "<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
           "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
           "</AbortIncompleteMultipartUpload>") +
      rule("dated", "<Filter></Filter>",
           "<Expiration><Date>2027-01-01T00:00:00Z</Date>"
           "</Expiration>",
           "Disabled") +
      rule("markers", "<Prefix>tmp/</Prefix>",
           "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
           "</Expiration>")));
  ASSERT_TRUE(rules) << rules.error().message;
  ASSERT_EQ(rules->size(), 3u);
  const LifecycleRule& logs = (*rules)[0];
  EXPECT_EQ(logs.id, "logs");
  EXPECT_TRUE(logs.enabled);
  EXPECT_EQ(logs.filter.prefix, "logs/");
  EXPECT_EQ(logs.expiration_days, 30);
  EXPECT_EQ(logs.noncurrent_days, 7);
  EXPECT_EQ(logs.newer_noncurrent_versions, 2);
  EXPECT_EQ(logs.abort_after_days, 1);
  const LifecycleRule& dated = (*rules)[1];
  EXPECT_FALSE(dated.enabled);
  EXPECT_EQ(dated.expiration_date, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(dated.filter.form, LifecycleFilter::Form::kEmpty);
  const LifecycleRule& markers = (*rules)[2];
  EXPECT_TRUE(markers.expired_object_delete_marker);
  EXPECT_EQ(markers.filter.form, LifecycleFilter::Form::kRulePrefix);
  EXPECT_EQ(markers.filter.prefix, "tmp/");
}

TEST(LifecycleDocument, RoundTripsThroughItsOwnDocument) {
  auto rules = parse_lifecycle_document(
      configuration(rule("and",
                         "<Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>"
                         "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter>",
                         "<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays>"
                         "</NoncurrentVersionExpiration>") +
                    rule("size", "<Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter>",
                         "<Expiration><Days>1</Days></Expiration>") +
                    rule("empty-prefix", "<Filter><Prefix></Prefix></Filter>",
                         "<Expiration><Days>2</Days></Expiration>")));
  ASSERT_TRUE(rules) << rules.error().message;
  auto again = parse_lifecycle_document(lifecycle_document(*rules));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *rules);
  EXPECT_EQ((*rules)[0].filter.tags.size(), 1u);
  EXPECT_EQ((*rules)[0].filter.object_size_greater_than, 10u);
  EXPECT_EQ((*rules)[1].filter.object_size_less_than, 100u);
}

TEST(LifecycleDocument, GivesMissingIdsRandomOnes) {
  auto rules = parse_lifecycle_document(configuration(
      "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
      "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"));
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_FALSE((*rules)[0].id.empty());
  EXPECT_NE((*rules)[0].id, (*rules)[1].id);
}

TEST(LifecycleDocument, RejectsMalformedDocuments) {
  const std::string days = "<Expiration><Days>1</Days></Expiration>";
  for (const std::string& body : {
           std::string("<LifecycleConfiguration"),
           configuration(""),
           std::string("<Other>") + rule("a", "<Filter/>", days) + "</Other>",
           configuration(rule("a", "<Filter/>", days, "On")),
           configuration(rule("a", "", days)),
           configuration(rule("a", "<Filter/><Prefix>x</Prefix>", days)),
           configuration(rule("a",
                              "<Filter><Prefix>x</Prefix><Tag><Key>k</Key><Value>v"
                              "</Value></Tag></Filter>",
                              days)),
           configuration(rule("a", "<Filter/>", "<Expiration><Days>ten</Days></Expiration>")),
           configuration(rule("a", "<Filter/>", "<Expiration></Expiration>")),
       }) {
    EXPECT_EQ(parse_error(body).code, "MalformedXML") << body;
  }
}

TEST(LifecycleDocument, RejectsInvalidValuesAsS3Does) {
  const std::string days = "<Expiration><Days>1</Days></Expiration>";
  EXPECT_EQ(
      parse_error(configuration(rule("same", "<Filter/>", days) + rule("same", "<Filter/>", days)))
          .code,
      "InvalidArgument");
  EXPECT_EQ(
      parse_error(configuration(rule("a", "<Filter/>", "<Expiration><Days>0</Days></Expiration>")))
          .code,
      "InvalidArgument");
  EXPECT_EQ(
      parse_error(configuration(rule("a", "<Filter/>",
                                     "<Expiration><Date>2027-01-01T12:00:00Z</Date></Expiration>")))
          .code,
      "InvalidArgument");
  EXPECT_EQ(
      parse_error(configuration(rule("a", "<Filter/>",
                                     "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true"
                                     "</ExpiredObjectDeleteMarker></Expiration>")))
          .code,
      "InvalidArgument");
  EXPECT_EQ(parse_error(configuration(rule(std::string(256, 'x'), "<Filter/>", days))).code,
            "InvalidArgument");
  EXPECT_EQ(parse_error(configuration(rule("a", "<Filter/>",
                                           "<NoncurrentVersionExpiration>"
                                           "<NoncurrentDays>1</NoncurrentDays>"
                                           "<NewerNoncurrentVersions>101"
                                           "</NewerNoncurrentVersions>"
                                           "</NoncurrentVersionExpiration>")))
                .code,
            "InvalidArgument");
}

TEST(LifecycleDocument, RejectsRulesWithoutActionsOrWithTransitions) {
  DocumentError no_action = parse_error(configuration(rule("a", "<Filter/>", "")));
  EXPECT_EQ(no_action.code, "InvalidRequest");
  DocumentError transition = parse_error(configuration(
      rule("a", "<Filter/>",
           "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>")));
  EXPECT_EQ(transition.code, "NotImplemented");
  EXPECT_EQ(transition.status, http::Status::not_implemented);
}

TEST(LifecycleDocument, RejectsTagsWithMarkerOrAbortActions) {
  const std::string tag_filter = "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>";
  EXPECT_EQ(parse_error(configuration(rule("a", tag_filter,
                                           "<AbortIncompleteMultipartUpload><DaysAfterInitiation>"
                                           "1</DaysAfterInitiation>"
                                           "</AbortIncompleteMultipartUpload>")))
                .code,
            "InvalidRequest");
  EXPECT_EQ(parse_error(configuration(rule("a", tag_filter,
                                           "<Expiration><ExpiredObjectDeleteMarker>true"
                                           "</ExpiredObjectDeleteMarker></Expiration>")))
                .code,
            "InvalidRequest");
}

TEST(LifecycleDocument, RejectsMoreThanAThousandRules) {
  std::string rules;
  for (int i = 0; i <= 1000; ++i) {
    rules += rule("r" + std::to_string(i), "<Filter/>", "<Expiration><Days>1</Days></Expiration>");
  }
  EXPECT_EQ(parse_error(configuration(rules)).code, "InvalidArgument");
}

TEST(LifecycleDueTime, RoundsUpToNextMidnightUtc) {
  EXPECT_EQ(lifecycle_due_time(at("2026-01-01T10:30:00Z"), 1), at("2026-01-03T00:00:00Z"));
  EXPECT_EQ(lifecycle_due_time(at("2026-01-01T00:00:00Z"), 1), at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(lifecycle_due_time(at("2026-01-31T23:59:59Z"), 30), at("2026-03-03T00:00:00Z"));
}

TEST(LifecycleDueTime, NeverComesDueBeyondClockRange) {
  SystemTime start = at("2026-01-01T10:30:00Z");
  EXPECT_EQ(lifecycle_due_time(start, 100000), SystemTime::max());
  EXPECT_EQ(lifecycle_due_time(start, std::numeric_limits<int64_t>::max()), SystemTime::max());
  EXPECT_EQ(lifecycle_due_time(start, 36500), at("2125-12-09T00:00:00Z"));
}

TEST(LifecycleRules, LongPeriodsNeverExpire) {
  LifecycleRule rule;
  rule.expiration_days = 100000;
  rule.noncurrent_days = 100000;
  ObjectVersion version;
  version.key = "logs/a";
  version.last_modified = at("2026-01-01T10:00:00Z");
  EXPECT_FALSE(expiration_due(rule, version, at("2026-01-02T00:00:00Z")));
  EXPECT_FALSE(
      noncurrent_expiration_due(rule, version.last_modified, 0, at("2026-01-02T00:00:00Z")));
}

TEST(LifecycleRules, ExpirationByDaysAndDate) {
  LifecycleRule by_days;
  by_days.filter.prefix = "logs/";
  by_days.expiration_days = 1;
  ObjectVersion version;
  version.key = "logs/a";
  version.last_modified = at("2026-01-01T10:00:00Z");
  EXPECT_FALSE(expiration_due(by_days, version, at("2026-01-02T23:59:59Z")));
  EXPECT_TRUE(expiration_due(by_days, version, at("2026-01-03T00:00:00Z")));

  ObjectVersion other = version;
  other.key = "data/a";
  EXPECT_FALSE(expiration_due(by_days, other, at("2027-01-01T00:00:00Z")));
  ObjectVersion marker = version;
  marker.delete_marker = true;
  EXPECT_FALSE(expiration_due(by_days, marker, at("2027-01-01T00:00:00Z")));
  by_days.enabled = false;
  EXPECT_FALSE(expiration_due(by_days, version, at("2027-01-01T00:00:00Z")));

  LifecycleRule by_date;
  by_date.expiration_date = at("2026-06-01T00:00:00Z");
  EXPECT_FALSE(expiration_due(by_date, version, at("2026-05-31T23:59:59Z")));
  EXPECT_TRUE(expiration_due(by_date, version, at("2026-06-01T00:00:00Z")));
}

TEST(LifecycleRules, FiltersBySizeAndTags) {
  LifecycleFilter filter;
  filter.object_size_greater_than = 10;
  filter.object_size_less_than = 20;
  EXPECT_FALSE(lifecycle_filter_matches(filter, "k", 10, {}));
  EXPECT_TRUE(lifecycle_filter_matches(filter, "k", 11, {}));
  EXPECT_FALSE(lifecycle_filter_matches(filter, "k", 20, {}));
  LifecycleFilter tagged;
  tagged.tags = {{"k", "v"}, {"team", "a"}};
  EXPECT_FALSE(lifecycle_filter_matches(tagged, "k", 1, {}));
  EXPECT_FALSE(lifecycle_filter_matches(tagged, "k", 1, {{"k", "v"}}));
  EXPECT_FALSE(lifecycle_filter_matches(tagged, "k", 1, {{"k", "v"}, {"team", "b"}}));
  EXPECT_TRUE(lifecycle_filter_matches(tagged, "k", 1, {{"team", "a"}, {"x", ""}, {"k", "v"}}));
}

TEST(LifecycleRules, NoncurrentExpirationKeepsNewerVersions) {
  LifecycleRule rule;
  rule.noncurrent_days = 2;
  rule.newer_noncurrent_versions = 1;
  SystemTime since = at("2026-01-01T12:00:00Z");
  SystemTime due = at("2026-01-04T00:00:00Z");
  EXPECT_FALSE(noncurrent_expiration_due(rule, since, 0, due));
  EXPECT_FALSE(noncurrent_expiration_due(rule, since, 1, due - hours(1)));
  EXPECT_TRUE(noncurrent_expiration_due(rule, since, 1, due));
}

TEST(LifecycleRules, AbortsUploadsAfterDaysUnderPrefix) {
  LifecycleRule rule;
  rule.filter.prefix = "up/";
  rule.abort_after_days = 1;
  MultipartUpload upload;
  upload.key = "up/big";
  upload.initiated = at("2026-01-01T08:00:00Z");
  EXPECT_FALSE(abort_upload_due(rule, upload, at("2026-01-02T23:00:00Z")));
  EXPECT_TRUE(abort_upload_due(rule, upload, at("2026-01-03T00:00:00Z")));
  upload.key = "other/big";
  EXPECT_FALSE(abort_upload_due(rule, upload, at("2026-02-01T00:00:00Z")));
}

}  // namespace
}  // namespace satchel::store
