// The api key's policy enforced by the running store: object operations in
// its bucket under its key prefix, nothing else.
#include <gtest/gtest.h>

#include "s3/post_policy.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr std::string_view kPrefix = "tenant-a/";
constexpr std::string_view kSuspend =
    "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Status>Suspended</Status></VersioningConfiguration>";

class StoreKeyPolicyTest : public StoreServerTest {
 protected:
  // Writes the credentials file first, so the store starts with an api key
  // limited to kPrefix of the default bucket.
  void SetUp() override {
    auto written = load_or_create_credentials(
        dir_.path(), KeyPolicy::objects_only(std::string(kDefaultBucket), std::string(kPrefix)));
    ASSERT_TRUE(written) << written.error();
    StoreServerTest::SetUp();
    ASSERT_EQ(send(signed_request(Verb::put, "/other")).result(), Status::ok);
  }

  const AccessKey* api_key() const { return &store_->credentials().api; }

  http::Response api(Verb method, std::string target, std::string body = {}, Headers headers = {}) {
    return send(signed_request(method, std::move(target), std::move(body), std::move(headers), {},
                               api_key()));
  }

  void expect_denied(const http::Response& response) {
    EXPECT_EQ(response.result(), Status::forbidden);
    if (!response.body().empty()) EXPECT_EQ(xml_element(response.body(), "Code"), "AccessDenied");
  }
};

TEST_F(StoreKeyPolicyTest, ApiKeyWorksUnderItsPrefix) {
  EXPECT_EQ(api(Verb::put, object_path("tenant-a/u/x"), "data").result(), Status::ok);
  auto read = api(Verb::get, object_path("tenant-a/u/x"));
  EXPECT_EQ(read.result(), Status::ok);
  EXPECT_EQ(read.body(), "data");
  EXPECT_EQ(api(Verb::head, object_path("tenant-a/u/x")).result(), Status::ok);
  auto listed = api(Verb::get, "/satchel?list-type=2&prefix=tenant-a%2Fu%2F");
  EXPECT_EQ(listed.result(), Status::ok);
  EXPECT_EQ(xml_elements(listed.body(), "Key"), std::vector<std::string>{"tenant-a/u/x"});
  EXPECT_EQ(api(Verb::get, "/satchel?versions&prefix=tenant-a%2F").result(), Status::ok);
  EXPECT_EQ(api(Verb::delete_, object_path("tenant-a/u/x")).result(), Status::no_content);
}

TEST_F(StoreKeyPolicyTest, ApiKeyCannotReadOrChangeTags) {
  ASSERT_EQ(api(Verb::put, object_path("tenant-a/u/x"), "data").result(), Status::ok);
  std::string target = object_path("tenant-a/u/x") + "?tagging";
  expect_denied(api(Verb::get, target));
  expect_denied(api(Verb::put, target,
                    "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet>"
                    "</Tagging>"));
  expect_denied(api(Verb::delete_, target));
  EXPECT_EQ(send(signed_request(Verb::get, target)).result(), Status::ok);
}

TEST_F(StoreKeyPolicyTest, ApiKeyDeniedOutsidePrefix) {
  ASSERT_EQ(put("tenant-b/u/x", "theirs").result(), Status::ok);
  expect_denied(api(Verb::get, object_path("tenant-b/u/x")));
  expect_denied(api(Verb::head, object_path("tenant-b/u/x")));
  expect_denied(api(Verb::put, object_path("tenant-b/u/x"), "mine"));
  expect_denied(api(Verb::delete_, object_path("tenant-b/u/x")));
  EXPECT_EQ(get("tenant-b/u/x").body(), "theirs");
}

TEST_F(StoreKeyPolicyTest, ApiKeyListingNeedsItsPrefix) {
  expect_denied(api(Verb::get, "/satchel?list-type=2"));
  expect_denied(api(Verb::get, "/satchel?list-type=2&prefix=tenant-b%2F"));
  expect_denied(api(Verb::get, "/satchel?versions"));
  expect_denied(api(Verb::get, "/satchel?uploads"));
}

TEST_F(StoreKeyPolicyTest, ApiKeyDeniedOnOtherBucket) {
  expect_denied(api(Verb::put, object_path("tenant-a/u/x", "other"), "data"));
  expect_denied(api(Verb::get, "/other?list-type=2&prefix=tenant-a%2F"));
  expect_denied(api(Verb::head, "/other"));
}

TEST_F(StoreKeyPolicyTest, ApiKeyCannotConfigureBuckets) {
  expect_denied(api(Verb::put, "/satchel?versioning", std::string(kSuspend)));
  expect_denied(api(Verb::get, "/satchel?versioning"));
  expect_denied(api(Verb::put, "/satchel?cors", "<CORSConfiguration/>"));
  expect_denied(api(Verb::delete_, "/satchel?cors"));
  expect_denied(api(Verb::put, "/fresh"));
  expect_denied(api(Verb::delete_, "/other"));
  expect_denied(api(Verb::get, "/"));
  auto versioning = send(signed_request(Verb::get, "/satchel?versioning"));
  EXPECT_EQ(xml_element(versioning.body(), "Status"), "Enabled");
  EXPECT_EQ(send(signed_request(Verb::head, "/other")).result(), Status::ok);
}

TEST_F(StoreKeyPolicyTest, ApiKeyCannotDeleteObjectsInBulk) {
  std::string document = "<Delete><Object><Key>tenant-a/u/x</Key></Object></Delete>";
  std::string md5_header = base64_encode(md5(document));
  expect_denied(api(Verb::post, "/satchel?delete", document, {{"Content-MD5", md5_header}}));
}

TEST_F(StoreKeyPolicyTest, ApiKeyMayCheckItsBucket) {
  EXPECT_EQ(api(Verb::head, "/satchel").result(), Status::ok);
  EXPECT_EQ(api(Verb::get, "/satchel?location").result(), Status::ok);
}

TEST_F(StoreKeyPolicyTest, ApiKeyCopiesOnlyWithinPrefix) {
  ASSERT_EQ(put("tenant-b/u/x", "theirs").result(), Status::ok);
  ASSERT_EQ(put("tenant-a/u/x", "mine").result(), Status::ok);
  expect_denied(api(Verb::put, object_path("tenant-a/u/copy"), {},
                    {{"x-amz-copy-source", "/satchel/tenant-b/u/x"}}));
  EXPECT_EQ(api(Verb::put, object_path("tenant-a/u/copy"), {},
                {{"x-amz-copy-source", "/satchel/tenant-a/u/x"}})
                .result(),
            Status::ok);
}

TEST_F(StoreKeyPolicyTest, ApiKeyMultipartOnlyUnderPrefix) {
  EXPECT_EQ(api(Verb::post, object_path("tenant-a/u/big") + "?uploads").result(), Status::ok);
  expect_denied(api(Verb::post, object_path("tenant-b/u/big") + "?uploads"));
}

TEST_F(StoreKeyPolicyTest, AdminKeyReachesEveryPrefixAndBucket) {
  EXPECT_EQ(put("tenant-b/u/x", "admin").result(), Status::ok);
  EXPECT_EQ(send(signed_request(Verb::put, object_path("x", "other"), "admin")).result(),
            Status::ok);
  EXPECT_EQ(send(signed_request(Verb::get, "/")).result(), Status::ok);
}

TEST_F(StoreKeyPolicyTest, FormUploadOnlyUnderPrefix) {
  constexpr std::string_view kBoundary = "----SatchelKeyPolicyBoundary";
  const AccessKey& key = *api_key();
  s3::RequestSigner signer(s3::Credentials{key.access_key_id, key.secret_access_key, std::nullopt},
                           "us-east-1", "s3");
  std::vector<s3::PostPolicyCondition> conditions{
      {s3::PostPolicyCondition::Kind::kStartsWith, "key", ""}};
  s3::PostPolicyRequest policy{
      .bucket = kDefaultBucket, .conditions = conditions, .time = clock_->now()};
  auto fields = s3::presign_post_policy(signer, policy);
  ASSERT_TRUE(fields);
  auto upload = [&](const std::string& object_key) {
    std::string body;
    auto add = [&](const std::string& name, const std::string& value) {
      body += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
              "\"\r\n\r\n" + value + "\r\n";
    };
    for (const auto& field : *fields) add(field.name, field.value);
    add("key", object_key);
    body += "--" + std::string(kBoundary) +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\nform bytes\r\n--" +
            std::string(kBoundary) + "--\r\n";
    http::ClientRequest request{.method = Verb::post, .target = "/satchel"};
    request.headers = {{"Content-Type", "multipart/form-data; boundary=" + std::string(kBoundary)}};
    request.body = std::move(body);
    return send(request);
  };

  EXPECT_EQ(upload("tenant-a/u/form.txt").result(), Status::no_content);
  expect_denied(upload("tenant-b/u/form.txt"));
  EXPECT_EQ(get("tenant-b/u/form.txt").result(), Status::not_found);
}

TEST_F(StoreKeyPolicyTest, PresignedUrlCannotBeBentToAnotherKey) {
  ASSERT_EQ(put("tenant-a/u/x", "mine").result(), Status::ok);
  ASSERT_EQ(put("tenant-a/u/y", "other").result(), Status::ok);
  std::string target = presigned_target("GET", "tenant-a/u/x");
  http::ClientRequest request{.method = Verb::get, .target = target};
  EXPECT_EQ(send(request).result(), Status::ok);

  std::string bent = target;
  bent.replace(bent.find("/u/x"), 4, "/u/y");
  auto response = send(http::ClientRequest{.method = Verb::get, .target = bent});
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "SignatureDoesNotMatch");
}

TEST_F(StoreKeyPolicyTest, PresignedUrlOutsidePrefixIsDenied) {
  ASSERT_EQ(put("tenant-b/u/x", "theirs").result(), Status::ok);
  std::string target = presigned_target("GET", "tenant-b/u/x");
  expect_denied(send(http::ClientRequest{.method = Verb::get, .target = target}));
}

}  // namespace
}  // namespace satchel::store
