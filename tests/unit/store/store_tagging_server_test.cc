// Object tagging over HTTP: x-amz-tagging on writes, copies and
// CreateMultipartUpload, Get/Put/DeleteObjectTagging and
// x-amz-tagging-count.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr std::string_view kTwoTags =
    "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag>"
    "<Tag><Key>note</Key><Value>a b</Value></Tag></TagSet></Tagging>";

class StoreTaggingTest : public StoreServerTest {
 protected:
  http::Response tagging(Verb method, std::string_view key, std::string body = {}) {
    return send(signed_request(method, object_path(key) + "?tagging", std::move(body)));
  }

  http::Response create_upload(std::string_view key, Headers headers = {}) {
    return send(signed_request(Verb::post, object_path(key) + "?uploads", {}, std::move(headers)));
  }

  // Uploads body as the only part of the upload and completes it.
  http::Response upload_and_complete(std::string_view key, const std::string& upload_id,
                                     std::string body) {
    auto part = send(signed_request(
        Verb::put, object_path(key) + "?partNumber=1&uploadId=" + upload_id, std::move(body)));
    EXPECT_EQ(part.result(), Status::ok) << part.body();
    std::string document = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                           std::string(part[http::Field::etag]) +
                           "</ETag></Part></CompleteMultipartUpload>";
    return send(signed_request(Verb::post, object_path(key) + "?uploadId=" + upload_id,
                               std::move(document)));
  }

  http::Response list_uploads() { return bucket_request(Verb::get, "uploads"); }
};

TEST_F(StoreTaggingTest, HeaderTagsAreReadBackAndCounted) {
  ASSERT_EQ(put("a.txt", "x", {{"x-amz-tagging", "team=blue&note=a%20b"}}).result(), Status::ok);
  auto read = tagging(Verb::get, "a.txt");
  ASSERT_EQ(read.result(), Status::ok);
  EXPECT_EQ(xml_elements(read.body(), "Key"), (std::vector<std::string>{"team", "note"}));
  EXPECT_EQ(xml_elements(read.body(), "Value"), (std::vector<std::string>{"blue", "a b"}));
  EXPECT_EQ(head("a.txt")["x-amz-tagging-count"], "2");
  EXPECT_EQ(get("a.txt")["x-amz-tagging-count"], "2");

  ASSERT_EQ(put("plain.txt", "x").result(), Status::ok);
  EXPECT_FALSE(head("plain.txt").base().count("x-amz-tagging-count"));
  auto empty = tagging(Verb::get, "plain.txt");
  ASSERT_EQ(empty.result(), Status::ok);
  EXPECT_NE(empty.body().find("<TagSet></TagSet>"), std::string::npos) << empty.body();
}

TEST_F(StoreTaggingTest, PutAndDeleteReplaceTheTagSet) {
  ASSERT_EQ(put("a.txt", "x", {{"x-amz-tagging", "old=1"}}).result(), Status::ok);
  ASSERT_EQ(tagging(Verb::put, "a.txt", std::string(kTwoTags)).result(), Status::ok);
  EXPECT_EQ(xml_elements(tagging(Verb::get, "a.txt").body(), "Key"),
            (std::vector<std::string>{"team", "note"}));
  ASSERT_EQ(tagging(Verb::delete_, "a.txt").result(), Status::no_content);
  EXPECT_TRUE(xml_elements(tagging(Verb::get, "a.txt").body(), "Key").empty());
  EXPECT_EQ(get("a.txt").body(), "x");
}

TEST_F(StoreTaggingTest, InvalidTagsAreRejectedAndChangeNothing) {
  auto duplicate = put("a.txt", "x", {{"x-amz-tagging", "a=1&a=2"}});
  EXPECT_EQ(duplicate.result(), Status::bad_request);
  EXPECT_EQ(xml_element(duplicate.body(), "Code"), "InvalidTag");
  EXPECT_EQ(head("a.txt").result(), Status::not_found);

  ASSERT_EQ(put("a.txt", "x", {{"x-amz-tagging", "keep=1"}}).result(), Status::ok);
  std::string eleven = "<Tagging><TagSet>";
  for (int i = 0; i < 11; ++i) {
    eleven += "<Tag><Key>k" + std::to_string(i) + "</Key><Value>v</Value></Tag>";
  }
  eleven += "</TagSet></Tagging>";
  auto too_many = tagging(Verb::put, "a.txt", eleven);
  EXPECT_EQ(too_many.result(), Status::bad_request);
  EXPECT_EQ(xml_element(too_many.body(), "Code"), "InvalidTag");
  auto malformed = tagging(Verb::put, "a.txt", "<Tagging>");
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "MalformedXML");
  EXPECT_EQ(xml_elements(tagging(Verb::get, "a.txt").body(), "Key"),
            std::vector<std::string>{"keep"});
  EXPECT_EQ(xml_element(tagging(Verb::get, "absent").body(), "Code"), "NoSuchKey");
}

TEST_F(StoreTaggingTest, CopyKeepsOrReplacesTags) {
  ASSERT_EQ(put("src", "x", {{"x-amz-tagging", "a=1"}}).result(), Status::ok);
  std::string source = "/" + std::string(kDefaultBucket) + "/src";
  ASSERT_EQ(put("kept", "", {{"x-amz-copy-source", source}}).result(), Status::ok);
  EXPECT_EQ(xml_elements(tagging(Verb::get, "kept").body(), "Key"), std::vector<std::string>{"a"});
  ASSERT_EQ(put("replaced", "",
                {{"x-amz-copy-source", source},
                 {"x-amz-tagging-directive", "REPLACE"},
                 {"x-amz-tagging", "b=2"}})
                .result(),
            Status::ok);
  EXPECT_EQ(xml_elements(tagging(Verb::get, "replaced").body(), "Key"),
            std::vector<std::string>{"b"});
  auto bad = put("bad", "", {{"x-amz-copy-source", source}, {"x-amz-tagging-directive", "MOVE"}});
  EXPECT_EQ(bad.result(), Status::bad_request);
}

TEST_F(StoreTaggingTest, MultipartUploadTagsGoToTheObject) {
  auto created = create_upload("big.bin", {{"x-amz-tagging", "team=blue&note=a%20b"}});
  ASSERT_EQ(created.result(), Status::ok) << created.body();
  std::string upload_id = xml_element(created.body(), "UploadId");
  ASSERT_FALSE(upload_id.empty());
  // The upload has no object yet, so there are no tags to read.
  EXPECT_EQ(xml_element(tagging(Verb::get, "big.bin").body(), "Code"), "NoSuchKey");

  auto completed = upload_and_complete("big.bin", upload_id, "assembled bytes");
  ASSERT_EQ(completed.result(), Status::ok) << completed.body();
  auto read = tagging(Verb::get, "big.bin");
  ASSERT_EQ(read.result(), Status::ok);
  EXPECT_EQ(xml_elements(read.body(), "Key"), (std::vector<std::string>{"team", "note"}));
  EXPECT_EQ(xml_elements(read.body(), "Value"), (std::vector<std::string>{"blue", "a b"}));
  EXPECT_EQ(head("big.bin")["x-amz-tagging-count"], "2");
  auto object = get("big.bin");
  EXPECT_EQ(object["x-amz-tagging-count"], "2");
  EXPECT_EQ(object.body(), "assembled bytes");
}

TEST_F(StoreTaggingTest, MultipartUploadWithoutTagsHasNoCount) {
  auto created = create_upload("plain.bin");
  ASSERT_EQ(created.result(), Status::ok) << created.body();
  auto completed = upload_and_complete("plain.bin", xml_element(created.body(), "UploadId"), "x");
  ASSERT_EQ(completed.result(), Status::ok) << completed.body();
  EXPECT_FALSE(head("plain.bin").base().count("x-amz-tagging-count"));
  EXPECT_TRUE(xml_elements(tagging(Verb::get, "plain.bin").body(), "Key").empty());
}

TEST_F(StoreTaggingTest, InvalidMultipartTagsCreateNoUpload) {
  const std::pair<std::string, std::string> cases[] = {
      {"a=1&a=2", "InvalidTag"},
      {"k0=v&k1=v&k2=v&k3=v&k4=v&k5=v&k6=v&k7=v&k8=v&k9=v&k10=v", "InvalidTag"},
      {"=empty-key", "InvalidTag"},
      {"bad=%zz", "InvalidArgument"},
  };
  for (const auto& [header, code] : cases) {
    auto rejected = create_upload("big.bin", {{"x-amz-tagging", header}});
    EXPECT_EQ(rejected.result(), Status::bad_request) << header;
    EXPECT_EQ(xml_element(rejected.body(), "Code"), code) << header;
  }
  auto listing = list_uploads();
  ASSERT_EQ(listing.result(), Status::ok);
  EXPECT_TRUE(xml_elements(listing.body(), "UploadId").empty()) << listing.body();
}

}  // namespace
}  // namespace satchel::store
