// ListObjects (V1, V2), ListObjectVersions and DeleteObjects over HTTP.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;
using Strings = std::vector<std::string>;

class StoreListingTest : public StoreServerTest {
 protected:
  void put_keys(std::initializer_list<std::string_view> keys) {
    for (auto key : keys) ASSERT_EQ(put(key, "x").result(), Status::ok) << key;
  }
};

TEST_F(StoreListingTest, ListV2ReturnsContentsAndPrefixes) {
  put_keys({"a/1.txt", "a/2.txt", "b.txt", "c/d/e"});
  auto response = bucket_request(Verb::get, "list-type=2&delimiter=%2F");
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_EQ(header(response, "Content-Type"), "application/xml");
  const auto& body = response.body();
  EXPECT_EQ(xml_element(body, "Name"), "satchel");
  EXPECT_EQ(xml_element(body, "KeyCount"), "3");
  EXPECT_EQ(xml_element(body, "IsTruncated"), "false");
  EXPECT_EQ(xml_element(body, "Delimiter"), "/");
  EXPECT_EQ(xml_elements(body, "Key"), (Strings{"b.txt"}));
  EXPECT_EQ(xml_elements(body, "Prefix"), (Strings{"", "a/", "c/"}));
  EXPECT_EQ(xml_element(body, "ETag"), "&quot;" + hex_encode(md5("x")) + "&quot;");
  EXPECT_EQ(xml_element(body, "Size"), "1");
  EXPECT_EQ(xml_element(body, "StorageClass"), "STANDARD");
  EXPECT_EQ(xml_element(body, "Owner"), "");
}

TEST_F(StoreListingTest, ListV2PagesWithContinuationToken) {
  put_keys({"k1", "k2", "k3"});
  auto first = bucket_request(Verb::get, "list-type=2&max-keys=2");
  ASSERT_EQ(first.result(), Status::ok);
  EXPECT_EQ(xml_elements(first.body(), "Key"), (Strings{"k1", "k2"}));
  EXPECT_EQ(xml_element(first.body(), "IsTruncated"), "true");
  EXPECT_EQ(xml_element(first.body(), "MaxKeys"), "2");
  std::string token = xml_element(first.body(), "NextContinuationToken");
  ASSERT_FALSE(token.empty());

  auto second =
      bucket_request(Verb::get, "list-type=2&max-keys=2&continuation-token=" + uri_encode(token));
  ASSERT_EQ(second.result(), Status::ok);
  EXPECT_EQ(xml_elements(second.body(), "Key"), (Strings{"k3"}));
  EXPECT_EQ(xml_element(second.body(), "IsTruncated"), "false");
  EXPECT_EQ(xml_element(second.body(), "ContinuationToken"), token);
  EXPECT_EQ(xml_element(second.body(), "NextContinuationToken"), "");
}

TEST_F(StoreListingTest, ListV2StartAfterAndPrefix) {
  put_keys({"p/a", "p/b", "p/c", "q"});
  auto response = bucket_request(Verb::get, "list-type=2&prefix=p%2F&start-after=p%2Fa");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(xml_elements(response.body(), "Key"), (Strings{"p/b", "p/c"}));
  EXPECT_EQ(xml_element(response.body(), "StartAfter"), "p/a");
  EXPECT_EQ(xml_element(response.body(), "Prefix"), "p/");
}

TEST_F(StoreListingTest, ListV2FetchOwnerAddsOwner) {
  put_keys({"a"});
  auto response = bucket_request(Verb::get, "list-type=2&fetch-owner=true");
  EXPECT_EQ(xml_element(response.body(), "ID"), "satchel");
}

TEST_F(StoreListingTest, UrlEncodingTypeEncodesKeys) {
  put_keys({"a b+c/ü.txt"});
  auto response = bucket_request(Verb::get, "list-type=2&encoding-type=url");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(xml_element(response.body(), "Key"), "a%20b%2Bc/%C3%BC.txt");
  EXPECT_EQ(xml_element(response.body(), "EncodingType"), "url");
  auto plain = bucket_request(Verb::get, "list-type=2");
  EXPECT_EQ(xml_element(plain.body(), "Key"), "a b+c/ü.txt");
}

TEST_F(StoreListingTest, InvalidParametersAreRejected) {
  auto bad_max = bucket_request(Verb::get, "list-type=2&max-keys=-1");
  EXPECT_EQ(bad_max.result(), Status::bad_request);
  EXPECT_EQ(xml_element(bad_max.body(), "Code"), "InvalidArgument");
  auto bad_encoding = bucket_request(Verb::get, "list-type=2&encoding-type=base64");
  EXPECT_EQ(bad_encoding.result(), Status::bad_request);
  auto bad_token = bucket_request(Verb::get, "list-type=2&continuation-token=%21%21");
  EXPECT_EQ(bad_token.result(), Status::bad_request);
  EXPECT_EQ(xml_element(bad_token.body(), "Code"), "InvalidArgument");
}

TEST_F(StoreListingTest, MaxKeysIsCappedAt1000) {
  put_keys({"a"});
  auto response = bucket_request(Verb::get, "list-type=2&max-keys=5000");
  EXPECT_EQ(xml_element(response.body(), "MaxKeys"), "1000");
}

TEST_F(StoreListingTest, ListV1UsesMarkers) {
  put_keys({"a/1", "a/2", "b", "c"});
  auto first = bucket_request(Verb::get, "delimiter=%2F&max-keys=2");
  ASSERT_EQ(first.result(), Status::ok);
  EXPECT_EQ(xml_elements(first.body(), "Prefix"), (Strings{"", "a/"}));
  EXPECT_EQ(xml_elements(first.body(), "Key"), (Strings{"b"}));
  EXPECT_EQ(xml_element(first.body(), "IsTruncated"), "true");
  EXPECT_EQ(xml_element(first.body(), "NextMarker"), "b");
  EXPECT_EQ(xml_element(first.body(), "ID"), "satchel");
  auto second = bucket_request(Verb::get, "delimiter=%2F&marker=b");
  EXPECT_EQ(xml_elements(second.body(), "Key"), (Strings{"c"}));
  EXPECT_EQ(xml_element(second.body(), "Marker"), "b");
}

TEST_F(StoreListingTest, ListingMissingBucketIsNoSuchBucket) {
  auto response = send(signed_request(Verb::get, "/nobucket?list-type=2"));
  EXPECT_EQ(response.result(), Status::not_found);
  EXPECT_EQ(xml_element(response.body(), "Code"), "NoSuchBucket");
}

TEST_F(StoreListingTest, ListVersionsShowsVersionsAndMarkers) {
  std::string first = header(put("doc", "one"), "x-amz-version-id");
  std::string second = header(put("doc", "two"), "x-amz-version-id");
  auto deleted = send(signed_request(Verb::delete_, object_path("doc")));
  std::string marker = header(deleted, "x-amz-version-id");

  auto response = bucket_request(Verb::get, "versions");
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  const auto& body = response.body();
  EXPECT_NE(body.find("<ListVersionsResult"), std::string::npos);
  EXPECT_EQ(xml_elements(body, "VersionId"), (Strings{marker, second, first}));
  EXPECT_EQ(xml_elements(body, "IsLatest"), (Strings{"true", "false", "false"}));
  EXPECT_EQ(xml_elements(body, "DeleteMarker").size(), 1u);
  EXPECT_EQ(xml_elements(body, "Version").size(), 2u);
  EXPECT_EQ(xml_elements(body, "Size"), (Strings{"3", "3"}));
}

TEST_F(StoreListingTest, ListVersionsPagesWithMarkers) {
  put("a", "1");
  std::string middle = header(put("a", "2"), "x-amz-version-id");
  put("a", "3");
  auto first = bucket_request(Verb::get, "versions&max-keys=2");
  EXPECT_EQ(xml_element(first.body(), "IsTruncated"), "true");
  EXPECT_EQ(xml_element(first.body(), "NextKeyMarker"), "a");
  EXPECT_EQ(xml_element(first.body(), "NextVersionIdMarker"), middle);
  auto second =
      bucket_request(Verb::get, "versions&key-marker=a&version-id-marker=" + uri_encode(middle));
  ASSERT_EQ(second.result(), Status::ok);
  EXPECT_EQ(xml_elements(second.body(), "VersionId").size(), 1u);
  EXPECT_EQ(xml_element(second.body(), "VersionIdMarker"), middle);

  auto orphan_marker = bucket_request(Verb::get, "versions&version-id-marker=" + middle);
  EXPECT_EQ(orphan_marker.result(), Status::bad_request);
}

TEST_F(StoreListingTest, DeleteObjectsReportsEachKey) {
  put_keys({"a", "b"});
  std::string document =
      "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>"
      "<Object><Key>never</Key></Object></Delete>";
  auto response = bucket_request(Verb::post, "delete", document,
                                 {{"Content-MD5", base64_encode(md5(document))}});
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_EQ(xml_elements(response.body(), "Key"), (Strings{"a", "b", "never"}));
  EXPECT_EQ(xml_elements(response.body(), "DeleteMarker"), (Strings{"true", "true", "true"}));
  EXPECT_EQ(get("a").result(), Status::not_found);
  EXPECT_EQ(get("b").result(), Status::not_found);
}

TEST_F(StoreListingTest, QuietDeleteObjectsListsOnlyErrors) {
  put_keys({"a"});
  std::string document = "<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>";
  auto response = bucket_request(Verb::post, "delete", document);
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(xml_elements(response.body(), "Deleted").size(), 0u);
  EXPECT_EQ(get("a").result(), Status::not_found);
}

TEST_F(StoreListingTest, DeleteObjectsChecksBodyDigest) {
  put_keys({"a"});
  std::string document = "<Delete><Object><Key>a</Key></Object></Delete>";
  auto response = bucket_request(Verb::post, "delete", document,
                                 {{"Content-MD5", base64_encode(md5("other"))}});
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "BadDigest");
  EXPECT_EQ(get("a").result(), Status::ok);
  auto malformed = bucket_request(Verb::post, "delete", "<Delete></Delete>");
  EXPECT_EQ(malformed.result(), Status::bad_request);
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "MalformedXML");
}

TEST_F(StoreListingTest, DeleteObjectsByVersionRemovesIt) {
  std::string version = header(put("a", "1"), "x-amz-version-id");
  std::string document =
      "<Delete><Object><Key>a</Key><VersionId>" + version + "</VersionId></Object></Delete>";
  auto response = bucket_request(Verb::post, "delete", document);
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(xml_element(response.body(), "VersionId"), version);
  EXPECT_FALSE(store_->engine().find_version("satchel", "a", version));
}

}  // namespace
}  // namespace satchel::store
