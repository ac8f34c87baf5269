#include "s3/canonical_request.h"

#include <gtest/gtest.h>

namespace satchel::s3 {
namespace {

TEST(CanonicalUri, S3EncodesKeyOnceAndKeepsSlashes) {
  EXPECT_EQ(canonical_uri("/bucket/a+b%20c/%C3%BC"), "/bucket/a%2Bb%20c/%C3%BC");
  EXPECT_EQ(canonical_uri("/bucket/a+b c/\xC3\xBC"), "/bucket/a%2Bb%20c/%C3%BC");
}

TEST(CanonicalUri, S3KeepsEscapedSlashInsideSegment) {
  EXPECT_EQ(canonical_uri("/bucket/a%2Fb"), "/bucket/a%2Fb");
}

TEST(CanonicalUri, S3NeverNormalizes) {
  EXPECT_EQ(canonical_uri("/bucket//a/./b/../c/"), "/bucket//a/./b/../c/");
}

TEST(CanonicalUri, S3EncodesReservedCharacters) {
  EXPECT_EQ(canonical_uri("/test$file.text"), "/test%24file.text");
  EXPECT_EQ(canonical_uri("/a~b_c-d.e"), "/a~b_c-d.e");
}

TEST(CanonicalUri, EmptyPathIsSlash) { EXPECT_EQ(canonical_uri(""), "/"); }

TEST(CanonicalUri, MalformedEscapeIsLiteralPercent) {
  EXPECT_EQ(canonical_uri("/a%zz%4"), "/a%25zz%254");
}

TEST(CanonicalUri, GenericDoubleEncodesEscapes) {
  EXPECT_EQ(canonical_uri("/a%20b", kGenericUri), "/a%2520b");
}

TEST(CanonicalUri, GenericRemovesDotSegmentsAndEmptySegments) {
  EXPECT_EQ(canonical_uri("/example/..", kGenericUri), "/");
  EXPECT_EQ(canonical_uri("//example//", kGenericUri), "/example/");
  EXPECT_EQ(canonical_uri("/./example", kGenericUri), "/example");
  EXPECT_EQ(canonical_uri("/a/b/..", kGenericUri), "/a/");
  EXPECT_EQ(canonical_uri("/../../a", kGenericUri), "/a");
}

TEST(CanonicalQuery, SortsByNameThenValue) {
  EXPECT_EQ(canonical_query_string("b=2&a=2&a=1"), "a=1&a=2&b=2");
}

TEST(CanonicalQuery, EmptyValueKeepsEquals) {
  EXPECT_EQ(canonical_query_string("lifecycle"), "lifecycle=");
  EXPECT_EQ(canonical_query_string("uploads&prefix="), "prefix=&uploads=");
}

TEST(CanonicalQuery, ReencodesNamesAndValues) {
  EXPECT_EQ(canonical_query_string("k=a%2fb&x=y z&p=1+2"), "k=a%2Fb&p=1%2B2&x=y%20z");
}

TEST(CanonicalQuery, SkipsEmptySegments) { EXPECT_EQ(canonical_query_string("&a=1&&"), "a=1"); }

TEST(CanonicalQuery, SortsAfterEncoding) {
  // '%' (0x25) sorts before letters, so an encoded name comes first.
  EXPECT_EQ(canonical_query_string("Param=2&\xE1\x88\xB4=1"), "%E1%88%B4=1&Param=2");
}

TEST(CanonicalHeaderValue, TrimsAndCollapsesWhitespace) {
  EXPECT_EQ(canonical_header_value("  a   b\t\tc  "), "a b c");
  EXPECT_EQ(canonical_header_value("value1\n  value2"), "value1 value2");
  EXPECT_EQ(canonical_header_value("   "), "");
}

TEST(CanonicalHeaders, LowerCasesSortsAndJoinsRepeatedNames) {
  std::vector<Header> headers = {
      {"X-B", "2"}, {"Host", "example.com"}, {"x-b", " 1 "}, {"Content-Type", "text/plain"}};
  CanonicalHeaders canonical = canonical_headers(headers);
  EXPECT_EQ(canonical.lines, "content-type:text/plain\nhost:example.com\nx-b:2,1\n");
  EXPECT_EQ(canonical.signed_headers, "content-type;host;x-b");
}

TEST(CanonicalHeaderLines, FollowsGivenNamesAndRejectsAbsentOnes) {
  std::vector<Header> headers = {{"Host", "h"}, {"X-Amz-Date", "d"}};
  std::vector<std::string_view> names = {"host", "x-amz-date"};
  EXPECT_EQ(canonical_header_lines(headers, names), "host:h\nx-amz-date:d\n");
  std::vector<std::string_view> absent = {"host", "range"};
  EXPECT_EQ(canonical_header_lines(headers, absent), std::nullopt);
}

TEST(CanonicalRequest, JoinsPartsWithBlankLineAfterHeaders) {
  EXPECT_EQ(canonical_request("GET", "/", "", "host:h\n", "host", "UNSIGNED-PAYLOAD"),
            "GET\n/\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(SplitTarget, SplitsAtFirstQuestionMark) {
  Target target = split_target("/b/k?x=1?2");
  EXPECT_EQ(target.path, "/b/k");
  EXPECT_EQ(target.query, "x=1?2");
  EXPECT_EQ(split_target("/b").query, "");
}

}  // namespace
}  // namespace satchel::s3
