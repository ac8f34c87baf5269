// Parsing ListObjectVersions replies.
#include "s3/version_listing.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "s3/xml_reader.h"

namespace satchel::s3 {
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

TEST(ParseListVersions, ReadsPrefixedNamesAndSkipsOwner) {
  auto page = parse_list_versions(
      "<s3:ListVersionsResult xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<s3:Version><s3:Key>k</s3:Key><s3:VersionId>v</s3:VersionId>"
      "<s3:LastModified>2026-12-04T09:00:00Z</s3:LastModified><s3:Size>7</s3:Size>"
      "<s3:Owner><s3:ID>owner</s3:ID><s3:Key>not the key</s3:Key></s3:Owner>"
      "</s3:Version></s3:ListVersionsResult>");
  ASSERT_TRUE(page.has_value()) << page.error();
  ASSERT_EQ(page->versions.size(), 1u);
  EXPECT_EQ(page->versions[0].key, "k");
  EXPECT_EQ(page->versions[0].size, 7u);
}

TEST(ParseListVersions, FirstChildOfANameWins) {
  auto page = parse_list_versions(
      "<ListVersionsResult><Version><Key>first</Key><Key>second</Key><VersionId>v</VersionId>"
      "<LastModified>2026-12-04T09:00:00Z</LastModified><Size>1</Size></Version>"
      "</ListVersionsResult>");
  ASSERT_TRUE(page.has_value()) << page.error();
  ASSERT_EQ(page->versions.size(), 1u);
  EXPECT_EQ(page->versions[0].key, "first");
}

TEST(ParseListVersions, ReportsEntryErrorsByName) {
  auto missing_id = parse_list_versions(
      "<ListVersionsResult><DeleteMarker><Key>k</Key>"
      "<LastModified>2026-12-04T09:00:00Z</LastModified></DeleteMarker></ListVersionsResult>");
  ASSERT_FALSE(missing_id.has_value());
  EXPECT_EQ(missing_id.error(), "a DeleteMarker entry has no Key or VersionId");
  auto bad_size = parse_list_versions(
      "<ListVersionsResult><Version><Key>k</Key><VersionId>v</VersionId>"
      "<LastModified>2026-12-04T09:00:00Z</LastModified><Size>1x</Size></Version>"
      "</ListVersionsResult>");
  ASSERT_FALSE(bad_size.has_value());
  EXPECT_EQ(bad_size.error(), "the Version entry of k has no valid Size");
  auto other_root = parse_list_versions("<Error><Code>AccessDenied</Code></Error>");
  ASSERT_FALSE(other_root.has_value());
  EXPECT_EQ(other_root.error(),
            "the ListObjectVersions reply has root element Error, not ListVersionsResult");
}

TEST(ParseListVersions, RejectsDocumentTypeDeclaration) {
  auto page = parse_list_versions(
      "<!DOCTYPE ListVersionsResult [<!ENTITY e \"acme/u/a.txt\">]>"
      "<ListVersionsResult><Version><Key>&e;</Key><VersionId>v</VersionId>"
      "<LastModified>2026-12-04T09:00:00Z</LastModified><Size>1</Size></Version>"
      "</ListVersionsResult>");
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error(), "the ListObjectVersions reply is not valid XML");
}

TEST(ParseListVersions, RejectsDeepNesting) {
  std::string document = "<ListVersionsResult>";
  for (std::size_t depth = 1; depth < kMaxXmlDepth; ++depth) document += "<a>";
  std::string at_limit = document;
  for (std::size_t depth = 1; depth < kMaxXmlDepth; ++depth) at_limit += "</a>";
  at_limit += "</ListVersionsResult>";
  EXPECT_TRUE(parse_list_versions(at_limit).has_value());

  std::string too_deep = document + "<a></a>";
  for (std::size_t depth = 1; depth < kMaxXmlDepth; ++depth) too_deep += "</a>";
  too_deep += "</ListVersionsResult>";
  EXPECT_FALSE(parse_list_versions(too_deep).has_value());
}

TEST(IsUnversionedId, NullAndEmpty) {
  EXPECT_TRUE(is_unversioned_id("null"));
  EXPECT_TRUE(is_unversioned_id(""));
  EXPECT_FALSE(is_unversioned_id("3HL4kqtJlcpXroDTDmJ"));
}

}  // namespace
}  // namespace satchel::s3
