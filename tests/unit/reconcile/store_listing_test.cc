// Parsing ListObjectVersions replies.
#include "reconcile/store_listing.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::reconcile {
namespace {

constexpr std::string_view kPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>satchel</Name><Prefix>acme/</Prefix><KeyMarker></KeyMarker>
  <NextKeyMarker>acme/u/b.txt </NextKeyMarker><NextVersionIdMarker>v3</NextVersionIdMarker>
  <MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>
  <Version><Key>acme/u/a &amp; b.txt</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-12-04T10:00:00.123Z</LastModified><ETag>"abc"</ETag><Size>12</Size>
    <StorageClass>STANDARD</StorageClass></Version>
  <DeleteMarker><Key>acme/u/b.txt </Key><VersionId>m2</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-12-04T11:00:00Z</LastModified></DeleteMarker>
  <Version><Key>acme/u/b.txt </Key><VersionId>v3</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-12-04T09:00:00Z</LastModified><ETag>"def"</ETag><Size>0</Size></Version>
  <CommonPrefixes><Prefix>acme/</Prefix></CommonPrefixes>
</ListVersionsResult>)";

TEST(ParseListVersions, ReadsVersionsAndMarkersInOrder) {
  auto page = parse_list_versions(kPage);
  ASSERT_TRUE(page.has_value()) << page.error();
  ASSERT_EQ(page->versions.size(), 3u);
  const StoreVersion& first = page->versions[0];
  EXPECT_EQ(first.key, "acme/u/a & b.txt");
  EXPECT_EQ(first.version_id, "v1");
  EXPECT_TRUE(first.is_latest);
  EXPECT_FALSE(first.is_delete_marker);
  EXPECT_EQ(first.size, 12u);
  EXPECT_EQ(first.etag, "\"abc\"");
  EXPECT_EQ(first.last_modified, *parse_iso8601("2026-12-04T10:00:00.123Z"));
  // Keys keep a trailing space.
  EXPECT_EQ(page->versions[1].key, "acme/u/b.txt ");
  EXPECT_TRUE(page->versions[1].is_delete_marker);
  EXPECT_EQ(page->versions[1].size, 0u);
  EXPECT_FALSE(page->versions[2].is_latest);
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker, "acme/u/b.txt ");
  EXPECT_EQ(page->next_version_id_marker, "v3");
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"acme/"}));
}

TEST(ParseListVersions, EmptyBucketIsOnePage) {
  auto page = parse_list_versions(
      "<ListVersionsResult><Name>b</Name><IsTruncated>false</IsTruncated></ListVersionsResult>");
  ASSERT_TRUE(page.has_value()) << page.error();
  EXPECT_TRUE(page->versions.empty());
  EXPECT_FALSE(page->is_truncated);
}

TEST(ParseListVersions, RejectsBadReplies) {
  EXPECT_FALSE(parse_list_versions("<ListVersionsResult>").has_value());
  EXPECT_FALSE(parse_list_versions("<Error><Code>AccessDenied</Code></Error>").has_value());
  EXPECT_FALSE(parse_list_versions("<ListVersionsResult><Version><Key>k</Key>"
                                   "<LastModified>2026-12-04T09:00:00Z</LastModified>"
                                   "<Size>1</Size></Version></ListVersionsResult>")
                   .has_value());
  EXPECT_FALSE(parse_list_versions("<ListVersionsResult><Version><Key>k</Key><VersionId>v"
                                   "</VersionId><LastModified>yesterday</LastModified>"
                                   "<Size>1</Size></Version></ListVersionsResult>")
                   .has_value());
  EXPECT_FALSE(parse_list_versions("<ListVersionsResult><Version><Key>k</Key><VersionId>v"
                                   "</VersionId><LastModified>2026-12-04T09:00:00Z</LastModified>"
                                   "<Size>-1</Size></Version></ListVersionsResult>")
                   .has_value());
  auto truncated = parse_list_versions(
      "<ListVersionsResult><IsTruncated>true</IsTruncated></ListVersionsResult>");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error(), "a truncated ListObjectVersions reply has no NextKeyMarker");
}

TEST(IsUnversionedId, NullAndEmpty) {
  EXPECT_TRUE(is_unversioned_id("null"));
  EXPECT_TRUE(is_unversioned_id(""));
  EXPECT_FALSE(is_unversioned_id("3HL4kqtJlcpXroDTDmJ"));
}

}  // namespace
}  // namespace satchel::reconcile
