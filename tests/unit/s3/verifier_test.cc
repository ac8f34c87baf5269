#include "s3/verifier.h"

#include <gtest/gtest.h>

#include <map>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "example_files.h"
#include "s3/presigner.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kEndpoint = "http://127.0.0.1:9000";
constexpr std::string_view kHost = "127.0.0.1:9000";

Credentials test_credentials() {
  return {std::string(kAccessKeyId), Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}};
}

SystemTime test_time() { return *parse_amz_date("20130524T000000Z"); }

// A request with owned storage, so tests can tamper with any part and hand
// out a RequestView.
struct TestRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<Header> views;

  RequestView view() {
    views.clear();
    for (const auto& [name, value] : headers) views.push_back({name, value});
    return {method, path, query, views};
  }

  void set_header(std::string_view name, std::string value) {
    for (auto& header : headers) {
      if (equals_ignore_case(header.first, name)) {
        header.second = std::move(value);
        return;
      }
    }
    headers.emplace_back(std::string(name), std::move(value));
  }

  void remove_header(std::string_view name) {
    std::erase_if(headers,
                  [&](const auto& header) { return equals_ignore_case(header.first, name); });
  }

  // Replaces the value of one query parameter, as sent.
  void set_parameter(std::string_view name, std::string_view value) {
    std::string prefix = std::string(name) + "=";
    size_t start = query.starts_with(prefix) ? 0 : query.find("&" + prefix);
    ASSERT_NE(start, std::string::npos) << name;
    if (start != 0) ++start;
    size_t end = query.find('&', start);
    query.replace(start, (end == std::string::npos ? query.size() : end) - start,
                  prefix + std::string(value));
  }

  void remove_parameter(std::string_view name) {
    std::string prefix = std::string(name) + "=";
    size_t start = query.starts_with(prefix) ? 0 : query.find("&" + prefix);
    ASSERT_NE(start, std::string::npos) << name;
    size_t end = query.find('&', start + 1);
    if (start == 0) {
      query.erase(0, end == std::string::npos ? query.size() : end + 1);
    } else {
      query.erase(start, (end == std::string::npos ? query.size() : end) - start);
    }
  }
};

// Splits a presigned URL into the request a browser sends for it.
TestRequest request_for_url(std::string_view method, std::string_view url) {
  size_t authority_start = url.find("://") + 3;
  size_t path_start = url.find('/', authority_start);
  Target target = split_target(url.substr(path_start));
  TestRequest request{
      std::string(method),
      std::string(target.path),
      std::string(target.query),
      {{"Host", std::string(url.substr(authority_start, path_start - authority_start))}},
      {}};
  return request;
}

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest()
      : clock_(test_time()),
        verifier_(VerifierConfig{.region = "us-east-1"}, lookup(), clock_),
        presigner_(Presigner::create({.endpoint = std::string(kEndpoint),
                                      .credentials = test_credentials(),
                                      .region = "us-east-1"})
                       .value()) {
    credentials_.emplace(std::string(kAccessKeyId), test_credentials());
  }

  CredentialLookup lookup() {
    return [this](std::string_view access_key_id) -> std::optional<Credentials> {
      auto found = credentials_.find(std::string(access_key_id));
      if (found == credentials_.end()) return std::nullopt;
      return found->second;
    };
  }

  // A presigned PUT of the kind the API hands out for an upload.
  TestRequest presigned_put(SystemTime time = test_time(), std::chrono::seconds expires = 900s) {
    std::vector<Header> headers = {
        {"Content-Type", "application/json"}, {"Content-Length", "17"}, {"If-None-Match", "*"}};
    auto url = presigner_.presign({.method = "PUT",
                                   .bucket = "bucket",
                                   .key = "org/user/prefs.json",
                                   .headers = headers,
                                   .expires = expires,
                                   .time = time});
    EXPECT_TRUE(url.has_value());
    TestRequest request = request_for_url("PUT", url->url);
    for (const Header& header : headers) {
      request.headers.emplace_back(std::string(header.name), std::string(header.value));
    }
    return request;
  }

  // A request signed with the Authorization header, as an SDK sends it.
  TestRequest header_signed(std::string_view payload_hash = kEmptyPayloadSha256,
                            SystemTime time = test_time()) {
    TestRequest request{"GET",
                        "/bucket/org/user/prefs.json",
                        "versionId=3",
                        {{"Host", std::string(kHost)}, {"Range", "bytes=0-9"}},
                        {}};
    RequestSigner signer(test_credentials(), "us-east-1", "s3");
    HeaderSignature signature =
        signer.sign_headers(request.view(), time, {.payload_hash = payload_hash});
    for (const OwnedHeader& header : signature.headers) {
      request.headers.emplace_back(header.name, header.value);
    }
    return request;
  }

  AuthError error_of(TestRequest& request) {
    auto result = verifier_.verify(request.view());
    EXPECT_FALSE(result.has_value());
    return result.has_value() ? AuthError::kMissingAuthentication : result.error();
  }

  ManualClock clock_;
  std::map<std::string, Credentials> credentials_;
  Verifier verifier_;
  Presigner presigner_;
};

TEST_F(VerifierTest, AcceptsPresignedPut) {
  TestRequest request = presigned_put();
  auto result = verifier_.verify(request.view());
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->method, AuthMethod::kQuery);
  EXPECT_EQ(result->access_key_id, kAccessKeyId);
  EXPECT_EQ(result->scope, (SigningScope{"20130524", "us-east-1", "s3"}));
  EXPECT_EQ(result->payload_hash, kUnsignedPayload);
  EXPECT_EQ(result->payload_mode, PayloadMode::kUnsigned);
  EXPECT_EQ(result->expires_at, test_time() + 900s);
  EXPECT_TRUE(result->is_signed("Content-Type"));
  EXPECT_TRUE(result->is_signed("if-none-match"));
  EXPECT_FALSE(result->is_signed("range"));
}

TEST_F(VerifierTest, RejectsPresignedRequestWithTamperedHost) {
  TestRequest request = presigned_put();
  request.set_header("Host", "localhost:9000");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithTamperedPort) {
  TestRequest request = presigned_put();
  request.set_header("Host", "127.0.0.1:9001");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
  request.set_header("Host", "127.0.0.1");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithTamperedMethod) {
  TestRequest request = presigned_put();
  request.method = "GET";
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithTamperedPath) {
  TestRequest request = presigned_put();
  request.path = "/bucket/org/other/prefs.json";
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithAddedParameter) {
  TestRequest request = presigned_put();
  request.query += "&versionId=2";
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithLongerExpiry) {
  TestRequest request = presigned_put();
  request.set_parameter("X-Amz-Expires", "604800");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestWithTamperedSignedHeader) {
  TestRequest request = presigned_put();
  request.set_header("Content-Type", "text/html");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
  request = presigned_put();
  request.set_header("Content-Length", "1000000");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsPresignedRequestMissingSignedHeader) {
  TestRequest request = presigned_put();
  request.remove_header("If-None-Match");
  EXPECT_EQ(error_of(request), AuthError::kSignedHeaderMissing);
}

TEST_F(VerifierTest, RejectsUnsignedAmzHeader) {
  TestRequest request = presigned_put();
  request.set_header("x-amz-acl", "public-read");
  EXPECT_EQ(error_of(request), AuthError::kUnsignedAmzHeader);
}

TEST_F(VerifierTest, RejectsExpiredPresignedRequest) {
  TestRequest request = presigned_put();
  clock_.set(test_time() + 900s);
  EXPECT_TRUE(verifier_.verify(request.view()).has_value());
  clock_.set(test_time() + 901s);
  EXPECT_EQ(error_of(request), AuthError::kRequestExpired);
}

TEST_F(VerifierTest, RejectsPresignedRequestFromFuture) {
  TestRequest early = presigned_put(test_time() + 14min);
  EXPECT_TRUE(verifier_.verify(early.view()).has_value());
  TestRequest future = presigned_put(test_time() + 16min);
  EXPECT_EQ(error_of(future), AuthError::kRequestNotYetValid);
}

TEST_F(VerifierTest, RejectsInvalidExpires) {
  for (const char* expires : {"0", "604801", "abc", "-5", "1e3", "", "99999999999999999999"}) {
    TestRequest request = presigned_put();
    request.set_parameter("X-Amz-Expires", expires);
    EXPECT_EQ(error_of(request), AuthError::kInvalidExpires) << expires;
  }
}

TEST_F(VerifierTest, RejectsMissingQueryParameters) {
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                           "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    TestRequest request = presigned_put();
    request.remove_parameter(name);
    EXPECT_EQ(error_of(request), AuthError::kAuthorizationQueryParametersError) << name;
  }
}

TEST_F(VerifierTest, RejectsWrongAlgorithmAndDuplicates) {
  TestRequest request = presigned_put();
  request.set_parameter("X-Amz-Algorithm", "AWS4-HMAC-SHA512");
  EXPECT_EQ(error_of(request), AuthError::kAuthorizationQueryParametersError);
  request = presigned_put();
  request.query += "&X-Amz-Date=20130524T000000Z";
  EXPECT_EQ(error_of(request), AuthError::kAuthorizationQueryParametersError);
  request = presigned_put();
  request.set_parameter("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3");
  EXPECT_EQ(error_of(request), AuthError::kAuthorizationQueryParametersError);
}

TEST_F(VerifierTest, RejectsUnknownAccessKey) {
  credentials_.clear();
  TestRequest request = presigned_put();
  EXPECT_EQ(error_of(request), AuthError::kInvalidAccessKeyId);
}

TEST_F(VerifierTest, RejectsWrongSecret) {
  credentials_[std::string(kAccessKeyId)].secret_access_key = Secret("other");
  TestRequest request = presigned_put();
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsOtherRegionOrService) {
  TestRequest request = presigned_put();
  Verifier other_region(VerifierConfig{.region = "eu-west-1"}, lookup(), clock_);
  auto result = other_region.verify(request.view());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), AuthError::kCredentialScopeMismatch);
  Verifier other_service(VerifierConfig{.region = "us-east-1", .service = "iam"}, lookup(), clock_);
  result = other_service.verify(request.view());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), AuthError::kCredentialScopeMismatch);
}

TEST_F(VerifierTest, RejectsCredentialDateOtherThanRequestDate) {
  TestRequest request = presigned_put();
  request.set_parameter("X-Amz-Date", "20130525T000000Z");
  EXPECT_EQ(error_of(request), AuthError::kCredentialScopeMismatch);
}

TEST_F(VerifierTest, RejectsUnsignedHost) {
  RequestSigner signer(test_credentials(), "us-east-1", "s3");
  std::vector<Header> headers = {{"Content-Type", "text/plain"}};
  auto signature = signer.sign_query({"GET", "/bucket/key", "", headers}, test_time(), {});
  ASSERT_TRUE(signature.has_value());
  TestRequest request{"GET",
                      "/bucket/key",
                      signature->query,
                      {{"Host", std::string(kHost)}, {"Content-Type", "text/plain"}},
                      {}};
  EXPECT_EQ(error_of(request), AuthError::kHostNotSigned);
}

TEST_F(VerifierTest, ChecksSessionToken) {
  Credentials temporary = test_credentials();
  temporary.session_token = Secret("session-token");
  credentials_[std::string(kAccessKeyId)] = temporary;
  auto presigner = Presigner::create(
      {.endpoint = std::string(kEndpoint), .credentials = temporary, .region = "us-east-1"});
  ASSERT_TRUE(presigner.has_value());
  auto url = presigner->presign({.bucket = "bucket", .key = "key", .time = test_time()});
  ASSERT_TRUE(url.has_value());
  TestRequest request = request_for_url("GET", url->url);
  EXPECT_TRUE(verifier_.verify(request.view()).has_value());

  credentials_[std::string(kAccessKeyId)].session_token = Secret("rotated-token");
  EXPECT_EQ(error_of(request), AuthError::kInvalidToken);

  request.remove_parameter("X-Amz-Security-Token");
  EXPECT_EQ(error_of(request), AuthError::kMissingSecurityToken);

  credentials_[std::string(kAccessKeyId)].session_token.reset();
  TestRequest with_token = request_for_url("GET", url->url);
  EXPECT_EQ(error_of(with_token), AuthError::kInvalidToken);
}

TEST_F(VerifierTest, AcceptsHeaderSignedRequest) {
  TestRequest request = header_signed();
  auto result = verifier_.verify(request.view());
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->method, AuthMethod::kHeader);
  EXPECT_EQ(result->payload_mode, PayloadMode::kSha256);
  EXPECT_EQ(result->payload_hash, kEmptyPayloadSha256);
  EXPECT_EQ(result->expires_at, std::nullopt);
  EXPECT_EQ(result->amz_date, "20130524T000000Z");
  EXPECT_EQ(result->signed_headers,
            (std::vector<std::string>{"host", "range", "x-amz-content-sha256", "x-amz-date"}));
}

TEST_F(VerifierTest, RejectsHeaderSignedRequestWithTamperedParts) {
  TestRequest request = header_signed();
  request.query = "versionId=4";
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
  request = header_signed();
  request.set_header("Range", "bytes=0-99");
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
  request = header_signed();
  request.set_header("x-amz-content-sha256", std::string(kUnsignedPayload));
  EXPECT_EQ(error_of(request), AuthError::kSignatureDoesNotMatch);
}

TEST_F(VerifierTest, RejectsSkewedHeaderSignedRequest) {
  TestRequest request = header_signed();
  clock_.set(test_time() + 15min);
  EXPECT_TRUE(verifier_.verify(request.view()).has_value());
  clock_.set(test_time() + 16min);
  EXPECT_EQ(error_of(request), AuthError::kRequestTimeTooSkewed);
  clock_.set(test_time() - 16min);
  EXPECT_EQ(error_of(request), AuthError::kRequestTimeTooSkewed);
}

TEST_F(VerifierTest, RejectsMissingOrInvalidPayloadHash) {
  TestRequest request = header_signed();
  request.remove_header("x-amz-content-sha256");
  EXPECT_EQ(error_of(request), AuthError::kMissingContentSha256);
  TestRequest invalid = header_signed("ABC");
  EXPECT_EQ(error_of(invalid), AuthError::kInvalidContentSha256);
}

TEST_F(VerifierTest, AcceptsDateHeaderWithoutAmzDate) {
  TestRequest request{"GET", "/bucket/key", "", {{"Host", std::string(kHost)}}, {}};
  request.set_header("Date", "Fri, 24 May 2013 00:00:00 GMT");
  request.set_header("x-amz-content-sha256", std::string(kUnsignedPayload));
  // Sign by hand: the signer always adds X-Amz-Date.
  std::vector<Header> headers = {{"date", "Fri, 24 May 2013 00:00:00 GMT"},
                                 {"host", kHost},
                                 {"x-amz-content-sha256", kUnsignedPayload}};
  CanonicalHeaders canonical = canonical_headers(headers);
  SigningScope scope{"20130524", "us-east-1", "s3"};
  std::string signature =
      signature_hex(derive_signing_key(test_credentials().secret_access_key, scope),
                    string_to_sign("20130524T000000Z", scope.credential_scope(),
                                   canonical_request("GET", "/bucket/key", "", canonical.lines,
                                                     canonical.signed_headers, kUnsignedPayload)));
  request.set_header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" +
                                          scope.credential_scope() +
                                          ",SignedHeaders=date;host;x-amz-content-sha256,"
                                          "Signature=" +
                                          signature);
  auto result = verifier_.verify(request.view());
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->amz_date, "20130524T000000Z");
  request.remove_header("Date");
  EXPECT_EQ(error_of(request), AuthError::kMissingDate);
}

TEST_F(VerifierTest, RejectsMalformedAuthorizationHeaders) {
  const std::string credential =
      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
  const std::string signed_headers = "SignedHeaders=host;x-amz-content-sha256;x-amz-date";
  const std::string signature = "Signature=" + std::string(64, 'a');
  for (const std::string& value : std::vector<std::string>{
           "AWS4-HMAC-SHA256",
           "AWS4-HMAC-SHA256 " + credential + ", " + signed_headers,
           "AWS4-HMAC-SHA256 " + credential + ", " + signed_headers + ", Signature=abc",
           "AWS4-HMAC-SHA256 " + credential + ", " + signed_headers + ", " + signature +
               ", Extra=1",
           "AWS4-HMAC-SHA256 " + credential + ", " + credential + ", " + signature,
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2013/us-east-1/s3/aws4_request, " +
               signed_headers + ", " + signature,
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws5, " +
               signed_headers + ", " + signature,
           "AWS4-HMAC-SHA256 " + credential + ", SignedHeaders=Host;;x-amz-date, " + signature,
       }) {
    TestRequest request = header_signed();
    request.set_header("Authorization", value);
    EXPECT_EQ(error_of(request), AuthError::kAuthorizationHeaderMalformed) << value;
  }
}

TEST_F(VerifierTest, RejectsOtherAuthorizationSchemes) {
  for (const char* value : {"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
                            "AWS4-ECDSA-P256-SHA256 Credential=x", "Bearer token"}) {
    TestRequest request = header_signed();
    request.set_header("Authorization", value);
    EXPECT_EQ(error_of(request), AuthError::kUnsupportedAuthorization) << value;
  }
  TestRequest sigv2{"GET",
                    "/bucket/key",
                    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybd",
                    {{"Host", std::string(kHost)}},
                    {}};
  EXPECT_EQ(error_of(sigv2), AuthError::kUnsupportedAuthorization);
}

TEST_F(VerifierTest, RejectsBothMechanismsAndNeither) {
  TestRequest both = presigned_put();
  both.set_header("Authorization", header_signed().headers.back().second);
  EXPECT_EQ(error_of(both), AuthError::kMultipleAuthMechanisms);
  TestRequest neither{"GET", "/bucket/key", "", {{"Host", std::string(kHost)}}, {}};
  EXPECT_EQ(error_of(neither), AuthError::kMissingAuthentication);
}

bool is_s3_header_example(const nlohmann::json& json) {
  return json.contains("input") && json["input"].value("service", "") == "s3" &&
         json["input"].contains("request_target") && json.contains("expected") &&
         (json["expected"].contains("signature") || json["expected"].contains("seed_signature"));
}

class DocumentedRequest : public ::testing::TestWithParam<testing::Example> {};

// The store must accept what the AWS documentation signs, including the
// seeds of streaming uploads.
TEST_P(DocumentedRequest, Verifies) {
  const testing::Example& example = GetParam();
  const auto& input = example.input();
  const auto& expected = example.expected();
  const std::string signature = expected.value("signature", expected.value("seed_signature", ""));
  const std::string signed_headers = expected.at("signed_headers");
  TestRequest request{input.at("method"), "", "", {}, {}};
  Target target = split_target(input.at("request_target").get<std::string_view>());
  request.path = target.path;
  request.query = target.query;
  for (const auto& header : input.at("headers")) request.headers.emplace_back(header[0], header[1]);
  request.headers.emplace_back(
      "Authorization", "AWS4-HMAC-SHA256 Credential=" +
                           input.at("credentials").at("access_key_id").get<std::string>() + "/" +
                           input.at("date").get<std::string>() +
                           "/us-east-1/s3/aws4_request, SignedHeaders=" + signed_headers +
                           ", Signature=" + signature);
  ManualClock clock(example.time());
  Credentials credentials = example.credentials();
  Verifier verifier(
      VerifierConfig{.region = example.region()},
      [&](std::string_view) -> std::optional<Credentials> { return credentials; }, clock);
  auto result = verifier.verify(request.view());
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->seed_signature, signature);
  const std::string claimed(*find_header(request.view().headers, "x-amz-content-sha256"));
  EXPECT_EQ(result->payload_hash, claimed);
}

INSTANTIATE_TEST_SUITE_P(Documentation, DocumentedRequest,
                         ::testing::ValuesIn(testing::examples_where(is_s3_header_example)),
                         [](const auto& info) { return testing::test_name(info.param.name()); });

TEST(PayloadHash, ClassifiesLiteralsAndHex) {
  EXPECT_EQ(classify_payload_hash("UNSIGNED-PAYLOAD"), PayloadMode::kUnsigned);
  EXPECT_EQ(classify_payload_hash(kEmptyPayloadSha256), PayloadMode::kSha256);
  EXPECT_EQ(classify_payload_hash("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            PayloadMode::kStreamingSigned);
  EXPECT_EQ(classify_payload_hash("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            PayloadMode::kStreamingSignedTrailer);
  EXPECT_EQ(classify_payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            PayloadMode::kStreamingUnsignedTrailer);
  EXPECT_EQ(classify_payload_hash("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"), std::nullopt);
  EXPECT_EQ(classify_payload_hash(std::string(64, 'A')), std::nullopt);
  EXPECT_EQ(classify_payload_hash("abc"), std::nullopt);
}

TEST(AuthError, MapsToS3CodesAndStatuses) {
  EXPECT_EQ(s3_error_code(AuthError::kSignatureDoesNotMatch), "SignatureDoesNotMatch");
  EXPECT_EQ(http_status(AuthError::kSignatureDoesNotMatch), 403);
  EXPECT_EQ(s3_error_code(AuthError::kRequestExpired), "AccessDenied");
  EXPECT_EQ(describe(AuthError::kRequestExpired), "Request has expired");
  EXPECT_EQ(s3_error_code(AuthError::kInvalidExpires), "AuthorizationQueryParametersError");
  EXPECT_EQ(http_status(AuthError::kInvalidExpires), 400);
  EXPECT_EQ(s3_error_code(AuthError::kCredentialScopeMismatch), "AuthorizationHeaderMalformed");
  EXPECT_EQ(http_status(AuthError::kRequestTimeTooSkewed), 403);
  EXPECT_EQ(http_status(AuthError::kMissingDecodedContentLength), 411);
  EXPECT_EQ(s3_error_code(AuthError::kInvalidAccessKeyId), "InvalidAccessKeyId");
  EXPECT_EQ(s3_error_code(AuthError::kMissingSecurityToken), "MissingSecurityHeader");
  EXPECT_EQ(s3_error_code(AuthError::kInvalidToken), "InvalidToken");
}

TEST(AuthError, EveryValueHasCodeAndMessage) {
  for (int value = 0; value <= static_cast<int>(AuthError::kPolicyConditionFailed); ++value) {
    auto error = static_cast<AuthError>(value);
    EXPECT_FALSE(describe(error).empty()) << value;
    EXPECT_NE(reason(error), "unknown") << value;
    EXPECT_GE(http_status(error), 400) << value;
  }
}

}  // namespace
}  // namespace satchel::s3
