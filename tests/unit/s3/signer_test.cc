#include "s3/signer.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::s3 {
namespace {

Credentials example_credentials() {
  return {"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), {}};
}

SystemTime example_time() { return *parse_amz_date("20150830T123600Z"); }

TEST(SigningKey, DerivationMatchesIamExample) {
  SigningScope scope{"20150830", "us-east-1", "iam"};
  EXPECT_EQ(hex_encode(derive_signing_key(example_credentials().secret_access_key, scope).bytes()),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigningScope, CredentialScopeEndsWithTerminator) {
  SigningScope scope{"20150830", "us-east-1", "s3"};
  EXPECT_EQ(scope.credential_scope(), "20150830/us-east-1/s3/aws4_request");
  EXPECT_EQ(scope_at(example_time(), "us-east-1", "s3"), scope);
}

TEST(SigningKeyCache, ReturnsDerivedKey) {
  SigningKeyCache cache;
  SigningScope scope{"20150830", "us-east-1", "iam"};
  Credentials credentials = example_credentials();
  std::string first(cache.get(credentials, scope).bytes());
  std::string second(cache.get(credentials, scope).bytes());
  EXPECT_EQ(first, std::string(derive_signing_key(credentials.secret_access_key, scope).bytes()));
  EXPECT_EQ(second, first);
}

TEST(SigningKeyCache, RederivesAfterSecretRotation) {
  SigningKeyCache cache;
  SigningScope scope{"20150830", "us-east-1", "s3"};
  Credentials credentials = example_credentials();
  std::string old_key(cache.get(credentials, scope).bytes());
  credentials.secret_access_key = Secret("another-secret");
  std::string new_key(cache.get(credentials, scope).bytes());
  EXPECT_NE(old_key, new_key);
  EXPECT_EQ(new_key, std::string(derive_signing_key(credentials.secret_access_key, scope).bytes()));
}

TEST(SigningKeyCache, SeparatesScopesBeyondCapacity) {
  SigningKeyCache cache(2);
  Credentials credentials = example_credentials();
  for (int round = 0; round < 2; ++round) {
    for (const char* date : {"20150830", "20150831", "20150901"}) {
      SigningScope scope{date, "us-east-1", "s3"};
      EXPECT_EQ(std::string(cache.get(credentials, scope).bytes()),
                std::string(derive_signing_key(credentials.secret_access_key, scope).bytes()))
          << date;
    }
  }
}

TEST(RequestSigner, HeaderSignatureAddsSessionToken) {
  Credentials credentials = example_credentials();
  credentials.session_token = Secret("token/value");
  RequestSigner signer(std::move(credentials), "us-east-1", "s3");
  std::vector<Header> headers = {{"Host", "example.com"}};
  HeaderSignature result =
      signer.sign_headers({"GET", "/bucket/key", "", headers}, example_time(), {});
  ASSERT_EQ(result.headers.size(), 4u);
  EXPECT_EQ(result.headers[0], (OwnedHeader{"X-Amz-Date", "20150830T123600Z"}));
  EXPECT_EQ(result.headers[1],
            (OwnedHeader{"x-amz-content-sha256", std::string(kEmptyPayloadSha256)}));
  EXPECT_EQ(result.headers[2], (OwnedHeader{"X-Amz-Security-Token", "token/value"}));
  EXPECT_EQ(result.headers[3].name, "Authorization");
  EXPECT_NE(result.canonical_request.find("x-amz-security-token:token/value\n"), std::string::npos);
}

TEST(RequestSigner, HeaderSignatureReplacesCallerAuthHeaders) {
  RequestSigner signer(example_credentials(), "us-east-1", "s3");
  std::vector<Header> headers = {{"Host", "example.com"},
                                 {"X-Amz-Date", "19990101T000000Z"},
                                 {"Authorization", "stale"},
                                 {"x-amz-content-sha256", "stale"}};
  HeaderSignature result =
      signer.sign_headers({"GET", "/bucket/key", "", headers}, example_time(), {});
  EXPECT_EQ(result.canonical_request.find("19990101"), std::string::npos);
  EXPECT_EQ(result.canonical_request.find("stale"), std::string::npos);
  EXPECT_EQ(result.canonical_request.find("authorization"), std::string::npos);
}

TEST(RequestSigner, QuerySignatureRejectsExpiryOutOfRange) {
  RequestSigner signer(example_credentials(), "us-east-1", "s3");
  std::vector<Header> headers = {{"Host", "example.com"}};
  RequestView request{"GET", "/bucket/key", "", headers};
  for (auto expires : {std::chrono::seconds(0), std::chrono::seconds(604801)}) {
    auto result = signer.sign_query(request, example_time(), {.expires = expires});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), SigningError::kInvalidExpiry);
  }
  EXPECT_TRUE(signer.sign_query(request, example_time(), {.expires = kMaxPresignExpiry}));
  EXPECT_TRUE(signer.sign_query(request, example_time(), {.expires = kMinPresignExpiry}));
}

TEST(RequestSigner, QuerySignatureRejectsAuthParametersInQuery) {
  RequestSigner signer(example_credentials(), "us-east-1", "s3");
  std::vector<Header> headers = {{"Host", "example.com"}};
  RequestView request{"GET", "/bucket/key", "x-amz-signature=abc", headers};
  auto result = signer.sign_query(request, example_time(), {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), SigningError::kReservedQueryParameter);
}

TEST(RequestSigner, QuerySignatureEndsWithSignature) {
  RequestSigner signer(example_credentials(), "us-east-1", "s3");
  std::vector<Header> headers = {{"Host", "example.com"}};
  auto result =
      signer.sign_query({"GET", "/bucket/key", "versionId=3", headers}, example_time(), {});
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->query.ends_with("&X-Amz-Signature=" + result->signature));
  EXPECT_TRUE(result->query.starts_with("X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
  EXPECT_NE(result->query.find("&versionId=3&"), std::string::npos);
}

}  // namespace
}  // namespace satchel::s3
