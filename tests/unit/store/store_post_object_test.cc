// POST Object: browser form uploads with a signed policy.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "s3/post_policy.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr std::string_view kBoundary = "----SatchelFormBoundary7MA4YWxk";
constexpr uint64_t kMaxFileBytes = 1048576;

class StorePostObjectTest : public StoreServerTest {
 protected:
  uint64_t max_object_bytes() const override { return 8ULL << 20; }

  // A policy for keys under uploads/u1/, image types and files of
  // 1 byte to 1 MiB.
  std::vector<s3::FormField> policy_fields(std::chrono::seconds expires = std::chrono::seconds(300),
                                           std::vector<s3::PostPolicyCondition> extra = {}) {
    const AccessKey& key = store_->credentials().api;
    s3::RequestSigner signer(
        s3::Credentials{key.access_key_id, key.secret_access_key, std::nullopt}, "us-east-1", "s3");
    std::vector<s3::PostPolicyCondition> conditions{
        {s3::PostPolicyCondition::Kind::kStartsWith, "key", "uploads/u1/"},
        {s3::PostPolicyCondition::Kind::kStartsWith, "Content-Type", "image/"},
        {s3::PostPolicyCondition::Kind::kStartsWith, "success_action_status", ""}};
    conditions.insert(conditions.end(), extra.begin(), extra.end());
    s3::PostPolicyRequest request{.bucket = kDefaultBucket,
                                  .conditions = conditions,
                                  .content_length_range = s3::ContentLengthRange{1, kMaxFileBytes},
                                  .expires = expires,
                                  .time = clock_->now()};
    auto fields = s3::presign_post_policy(signer, request);
    EXPECT_TRUE(fields);
    return fields ? *fields : std::vector<s3::FormField>{};
  }

  static std::string encode_form(const std::vector<s3::FormField>& fields,
                                 std::string_view file_name, std::string_view file) {
    std::string body;
    for (const auto& field : fields) {
      body += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
              field.name + "\"\r\n\r\n" + field.value + "\r\n";
    }
    body += "--" + std::string(kBoundary) +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            std::string(file_name) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
            std::string(file) + "\r\n--" + std::string(kBoundary) + "--\r\n";
    return body;
  }

  http::Response post(std::vector<s3::FormField> fields, std::string_view file,
                      std::string_view file_name = "photo.png") {
    http::ClientRequest request;
    request.method = Verb::post;
    request.target = "/satchel";
    request.headers = {{"Content-Type", "multipart/form-data; boundary=" + std::string(kBoundary)},
                       {"Origin", std::string(kTestOrigin)}};
    request.body = encode_form(fields, file_name, file);
    return send(request);
  }

  static std::vector<s3::FormField> with(std::vector<s3::FormField> fields, std::string key,
                                         std::string content_type) {
    fields.push_back({"key", std::move(key)});
    fields.push_back({"Content-Type", std::move(content_type)});
    return fields;
  }

  static std::string png(size_t size) {
    std::string bytes = "\x89PNG\r\n\x1a\n";
    while (bytes.size() < size) bytes += static_cast<char>(bytes.size() * 31 % 251);
    return bytes.substr(0, size);
  }

  void expect_nothing_stored() {
    EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
    EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
  }
};

TEST_F(StorePostObjectTest, ImageUnderPrefixIsStored) {
  std::string file = png(10 * 1024);
  auto response = post(with(policy_fields(), "uploads/u1/${filename}", "image/png"), file);
  ASSERT_EQ(response.result(), Status::no_content) << response.body();
  EXPECT_EQ(header(response, "ETag"), "\"" + hex_encode(md5(file)) + "\"");
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), kTestOrigin);
  auto stored = get("uploads/u1/photo.png");
  ASSERT_EQ(stored.result(), Status::ok);
  EXPECT_TRUE(stored.body() == file);
  EXPECT_EQ(header(stored, "Content-Type"), "image/png");
}

TEST_F(StorePostObjectTest, KmsEncryptionFieldIsNotImplemented) {
  auto fields =
      with(policy_fields(std::chrono::seconds(300), {{s3::PostPolicyCondition::Kind::kStartsWith,
                                                      "x-amz-server-side-encryption", ""}}),
           "uploads/u1/a.png", "image/png");
  fields.push_back({"x-amz-server-side-encryption", "aws:kms"});
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::not_implemented);
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, Aes256EncryptionFieldIsAccepted) {
  auto fields =
      with(policy_fields(std::chrono::seconds(300), {{s3::PostPolicyCondition::Kind::kStartsWith,
                                                      "x-amz-server-side-encryption", ""}}),
           "uploads/u1/a.png", "image/png");
  fields.push_back({"x-amz-server-side-encryption", "AES256"});
  EXPECT_EQ(post(fields, png(100)).result(), Status::no_content);
}

TEST_F(StorePostObjectTest, OtherPrefixIsForbidden) {
  auto response = post(with(policy_fields(), "uploads/u2/a.png", "image/png"), png(100));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "AccessDenied");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, HtmlTypeIsForbidden) {
  auto response = post(with(policy_fields(), "uploads/u1/a.html", "text/html"), "<script>");
  EXPECT_EQ(response.result(), Status::forbidden);
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, UncoveredFieldIsForbidden) {
  auto fields = with(policy_fields(), "uploads/u1/a.png", "image/png");
  fields.push_back({"x-amz-meta-sneaky", "1"});
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::forbidden);
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, ExpiredPolicyIsForbidden) {
  auto fields = with(policy_fields(std::chrono::seconds(60)), "uploads/u1/a.png", "image/png");
  clock_->advance(std::chrono::seconds(61));
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "AccessDenied");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, TwoMegabyteFileIsEntityTooLarge) {
  auto response = post(with(policy_fields(), "uploads/u1/big.png", "image/png"), png(2000000));
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "EntityTooLarge");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, EmptyFileIsEntityTooSmall) {
  auto response = post(with(policy_fields(), "uploads/u1/empty.png", "image/png"), "");
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "EntityTooSmall");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, TamperedPolicyIsRejected) {
  auto fields = with(policy_fields(), "uploads/u1/a.png", "image/png");
  for (auto& field : fields) {
    if (field.name == "Policy") field.value[5] = field.value[5] == 'A' ? 'B' : 'A';
  }
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "SignatureDoesNotMatch");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, SuccessStatus201ReturnsPostResponse) {
  auto fields = with(policy_fields(), "uploads/u1/a.png", "image/png");
  fields.push_back({"success_action_status", "201"});
  auto response = post(fields, png(100));
  ASSERT_EQ(response.result(), Status::created) << response.body();
  EXPECT_EQ(xml_element(response.body(), "Key"), "uploads/u1/a.png");
  EXPECT_EQ(xml_element(response.body(), "Bucket"), "satchel");
  EXPECT_EQ(xml_element(response.body(), "ETag"), "&quot;" + hex_encode(md5(png(100))) + "&quot;");
}

TEST_F(StorePostObjectTest, SuccessStatus200HasEmptyBody) {
  auto fields = with(policy_fields(), "uploads/u1/a.png", "image/png");
  fields.push_back({"success_action_status", "200"});
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_TRUE(response.body().empty());
}

TEST_F(StorePostObjectTest, TaggingFieldTagsTheObject) {
  const std::string document =
      "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag>"
      "<Tag><Key>class</Key><Value>scratch</Value></Tag></TagSet></Tagging>";
  auto fields = with(policy_fields(std::chrono::seconds(300),
                                   {{s3::PostPolicyCondition::Kind::kEquals, "tagging", document}}),
                     "uploads/u1/a.png", "image/png");
  fields.push_back({"tagging", document});
  auto response = post(fields, png(100));
  ASSERT_EQ(response.result(), Status::no_content) << response.body();

  auto tags = send(signed_request(Verb::get, object_path("uploads/u1/a.png") + "?tagging"));
  ASSERT_EQ(tags.result(), Status::ok);
  EXPECT_EQ(xml_elements(tags.body(), "Key"), (std::vector<std::string>{"team", "class"}));
  EXPECT_EQ(xml_elements(tags.body(), "Value"), (std::vector<std::string>{"blue", "scratch"}));
  EXPECT_EQ(header(head("uploads/u1/a.png"), "x-amz-tagging-count"), "2");
}

TEST_F(StorePostObjectTest, EmptyTaggingFieldMeansNoTags) {
  auto fields = with(policy_fields(std::chrono::seconds(300),
                                   {{s3::PostPolicyCondition::Kind::kEquals, "tagging", ""}}),
                     "uploads/u1/a.png", "image/png");
  fields.push_back({"tagging", ""});
  auto response = post(fields, png(100));
  ASSERT_EQ(response.result(), Status::no_content) << response.body();
  auto stored = head("uploads/u1/a.png");
  ASSERT_EQ(stored.result(), Status::ok);
  EXPECT_FALSE(stored.base().count("x-amz-tagging-count"));
}

TEST_F(StorePostObjectTest, UncoveredTaggingFieldIsForbidden) {
  auto fields = with(policy_fields(), "uploads/u1/a.png", "image/png");
  fields.push_back({"tagging", "<Tagging><TagSet></TagSet></Tagging>"});
  auto response = post(fields, png(100));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "AccessDenied");
  expect_nothing_stored();
}

TEST_F(StorePostObjectTest, InvalidTaggingStoresNothing) {
  std::string eleven = "<Tagging><TagSet>";
  for (int i = 0; i < 11; ++i) {
    eleven += "<Tag><Key>k" + std::to_string(i) + "</Key><Value>v</Value></Tag>";
  }
  eleven += "</TagSet></Tagging>";
  const std::pair<std::string, std::string> cases[] = {
      {"<Tagging>", "MalformedXML"},
      {"team=blue", "MalformedXML"},
      {"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>", "MalformedXML"},
      {eleven, "InvalidTag"},
      {"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
       "<Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>",
       "InvalidTag"},
  };
  for (const auto& [document, code] : cases) {
    auto fields = with(policy_fields(std::chrono::seconds(300),
                                     {{s3::PostPolicyCondition::Kind::kStartsWith, "tagging", ""}}),
                       "uploads/u1/a.png", "image/png");
    fields.push_back({"tagging", document});
    auto response = post(fields, png(100));
    EXPECT_EQ(response.result(), Status::bad_request) << document;
    EXPECT_EQ(xml_element(response.body(), "Code"), code) << document;
    expect_nothing_stored();
  }
  EXPECT_EQ(head("uploads/u1/a.png").result(), Status::not_found);
}

TEST_F(StorePostObjectTest, FormWithoutFileIsRejected) {
  http::ClientRequest request;
  request.method = Verb::post;
  request.target = "/satchel";
  request.headers = {{"Content-Type", "multipart/form-data; boundary=b"}};
  request.body = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n";
  auto response = send(request);
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidArgument");
}

}  // namespace
}  // namespace satchel::store
