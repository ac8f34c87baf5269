#include "s3/presigner.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "example_files.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

using namespace std::chrono_literals;

Credentials test_credentials() {
  return {"AKIAIOSFODNN7EXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}};
}

SystemTime test_time() { return *parse_amz_date("20130524T000000Z"); }

Presigner make_presigner(std::string endpoint,
                         AddressingStyle addressing = AddressingStyle::kPath) {
  auto presigner = Presigner::create({.endpoint = std::move(endpoint),
                                      .credentials = test_credentials(),
                                      .region = "us-east-1",
                                      .addressing = addressing});
  EXPECT_TRUE(presigner.has_value());
  return std::move(presigner).value();
}

bool is_presigned_url_example(const nlohmann::json& json) {
  return json.contains("expected") && json["expected"].contains("presigned_url");
}

class PresignedUrlExample : public ::testing::TestWithParam<testing::Example> {};

TEST_P(PresignedUrlExample, UrlMatchesDocumentation) {
  const testing::Example& example = GetParam();
  const auto& input = example.input();
  const std::string host = input.at("host");
  const std::string bucket = input.at("bucket");
  const bool virtual_hosted = host.starts_with(bucket + ".");
  const std::string endpoint = input.at("scheme").get<std::string>() + "://" +
                               (virtual_hosted ? host.substr(bucket.size() + 1) : host);
  auto presigner = Presigner::create(
      {.endpoint = endpoint,
       .credentials = example.credentials(),
       .region = example.region(),
       .service = example.service(),
       .addressing = virtual_hosted ? AddressingStyle::kVirtualHosted : AddressingStyle::kPath});
  ASSERT_TRUE(presigner.has_value());
  const std::string key = input.at("key");
  auto url = presigner->presign({.method = input.at("method").get<std::string_view>(),
                                 .bucket = bucket,
                                 .key = key,
                                 .expires = std::chrono::seconds(input.at("expires_seconds")),
                                 .time = example.time()});
  ASSERT_TRUE(url.has_value()) << describe(url.error());
  EXPECT_EQ(url->url, example.expected().at("presigned_url"));
}

TEST_P(PresignedUrlExample, QuerySignerMatchesEveryStep) {
  const testing::Example& example = GetParam();
  const auto& input = example.input();
  const std::string host = input.at("host");
  std::vector<Header> headers = {{"Host", host}};
  const std::string path = input.at("path");
  RequestSigner signer(example.credentials(), example.region(), example.service());
  auto result = signer.sign_query(
      {input.at("method").get<std::string_view>(), path, "", headers}, example.time(),
      {.expires = std::chrono::seconds(input.at("expires_seconds")),
       .payload_hash = input.at("payload_hash").get<std::string_view>()});
  ASSERT_TRUE(result.has_value());
  {
    SCOPED_TRACE("canonical request");
    EXPECT_EQ(result->canonical_request, example.expected().at("canonical_request"));
  }
  {
    SCOPED_TRACE("string to sign");
    EXPECT_EQ(result->string_to_sign, example.expected().at("string_to_sign"));
  }
  {
    SCOPED_TRACE("signature");
    EXPECT_EQ(result->signature, example.expected().at("signature"));
  }
}

INSTANTIATE_TEST_SUITE_P(Documentation, PresignedUrlExample,
                         ::testing::ValuesIn(testing::examples_where(is_presigned_url_example)),
                         [](const auto& info) { return testing::test_name(info.param.name()); });

TEST(Presigner, EncodesKeyOnceKeepingSlashes) {
  Presigner presigner = make_presigner("http://127.0.0.1:9000");
  auto url = presigner.presign({.bucket = "bucket", .key = "a+b c/\xC3\xBC", .time = test_time()});
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(url->url.starts_with("http://127.0.0.1:9000/bucket/a%2Bb%20c/%C3%BC?")) << url->url;
  EXPECT_EQ(encode_key("a+b c/\xC3\xBC"), "a%2Bb%20c/%C3%BC");
}

TEST(Presigner, KeepsNonDefaultPortInHost) {
  EXPECT_EQ(make_presigner("http://localhost:9000").authority(), "localhost:9000");
  EXPECT_EQ(make_presigner("https://S3.Example.com:8443/").authority(), "s3.example.com:8443");
  EXPECT_EQ(make_presigner("http://[::1]:9000").authority(), "[::1]:9000");
}

TEST(Presigner, DropsDefaultPort) {
  EXPECT_EQ(make_presigner("https://s3.example.com:443").authority(), "s3.example.com");
  EXPECT_EQ(make_presigner("http://s3.example.com:80").authority(), "s3.example.com");
  EXPECT_EQ(make_presigner("http://s3.example.com:443").authority(), "s3.example.com:443");
}

TEST(Presigner, RejectsInvalidEndpoints) {
  for (const char* endpoint :
       {"", "s3.example.com", "ftp://s3.example.com", "http://", "http://host/path",
        "http://user@host", "http://host:0", "http://host:65536", "http://host:", "http://[::1",
        "http://[]:80", "http://host?x=1"}) {
    auto presigner = Presigner::create(
        {.endpoint = endpoint, .credentials = test_credentials(), .region = "us-east-1"});
    ASSERT_FALSE(presigner.has_value()) << endpoint;
    EXPECT_EQ(presigner.error(), SigningError::kInvalidEndpoint) << endpoint;
  }
}

TEST(Presigner, RejectsExpiryOutOfRange) {
  Presigner presigner = make_presigner("http://localhost:9000");
  for (auto expires : {0s, -1s, 604801s}) {
    auto url = presigner.presign(
        {.bucket = "bucket", .key = "key", .expires = expires, .time = test_time()});
    ASSERT_FALSE(url.has_value());
    EXPECT_EQ(url.error(), SigningError::kInvalidExpiry);
  }
  for (auto expires : {1s, 604800s}) {
    EXPECT_TRUE(presigner.presign(
        {.bucket = "bucket", .key = "key", .expires = expires, .time = test_time()}));
  }
}

TEST(Presigner, ReportsExpiryTime) {
  Presigner presigner = make_presigner("http://localhost:9000");
  auto url = presigner.presign({.bucket = "b", .key = "k", .expires = 60s, .time = test_time()});
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->expires_at, test_time() + 60s);
  EXPECT_NE(url->url.find("&X-Amz-Expires=60&"), std::string::npos);
}

TEST(Presigner, RejectsReservedHeadersAndParameters) {
  Presigner presigner = make_presigner("http://localhost:9000");
  for (const char* name : {"Host", "authorization", "X-Amz-Date", "x-amz-security-token"}) {
    std::vector<Header> headers = {{name, "x"}};
    auto url =
        presigner.presign({.bucket = "b", .key = "k", .headers = headers, .time = test_time()});
    ASSERT_FALSE(url.has_value()) << name;
    EXPECT_EQ(url.error(), SigningError::kReservedHeader) << name;
  }
  for (const char* name : {"X-Amz-Signature", "x-amz-credential", "X-Amz-Expires"}) {
    std::vector<QueryArgument> query = {{name, "x"}};
    auto url = presigner.presign({.bucket = "b", .key = "k", .query = query, .time = test_time()});
    ASSERT_FALSE(url.has_value()) << name;
    EXPECT_EQ(url.error(), SigningError::kReservedQueryParameter) << name;
  }
}

TEST(Presigner, RejectsInvalidBuckets) {
  Presigner path_style = make_presigner("http://localhost:9000");
  Presigner virtual_hosted =
      make_presigner("https://s3.amazonaws.com", AddressingStyle::kVirtualHosted);
  for (const char* bucket : {"", "a/b"}) {
    auto url = path_style.presign({.bucket = bucket, .key = "k", .time = test_time()});
    ASSERT_FALSE(url.has_value()) << bucket;
    EXPECT_EQ(url.error(), SigningError::kInvalidBucket);
  }
  for (const char* bucket : {"", "ab", "Upper", "under_score", "a:b"}) {
    auto url = virtual_hosted.presign({.bucket = bucket, .key = "k", .time = test_time()});
    ASSERT_FALSE(url.has_value()) << bucket;
    EXPECT_EQ(url.error(), SigningError::kInvalidBucket);
  }
}

TEST(Presigner, SignsExtraHeadersAndQuery) {
  Presigner presigner = make_presigner("http://localhost:9000");
  std::vector<Header> headers = {{"Content-Type", "application/json"}, {"Content-Length", "42"}};
  std::vector<QueryArgument> query = {{"versionId", "v 1"}};
  auto url = presigner.presign({.method = "PUT",
                                .bucket = "b",
                                .key = "k",
                                .query = query,
                                .headers = headers,
                                .time = test_time()});
  ASSERT_TRUE(url.has_value());
  EXPECT_NE(url->url.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
            std::string::npos)
      << url->url;
  EXPECT_NE(url->url.find("&versionId=v%201"), std::string::npos) << url->url;
}

TEST(Presigner, AddsSessionToken) {
  Credentials credentials = test_credentials();
  credentials.session_token = Secret("token+/=");
  auto presigner = Presigner::create({.endpoint = "http://localhost:9000",
                                      .credentials = std::move(credentials),
                                      .region = "us-east-1"});
  ASSERT_TRUE(presigner.has_value());
  auto url = presigner->presign({.bucket = "b", .key = "k", .time = test_time()});
  ASSERT_TRUE(url.has_value());
  EXPECT_NE(url->url.find("&X-Amz-Security-Token=token%2B%2F%3D&"), std::string::npos) << url->url;
}

TEST(Presigner, BucketOperationHasNoTrailingSlash) {
  Presigner presigner = make_presigner("http://localhost:9000");
  auto url = presigner.presign({.bucket = "bucket", .time = test_time()});
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(url->url.starts_with("http://localhost:9000/bucket?")) << url->url;
}

}  // namespace
}  // namespace satchel::s3
