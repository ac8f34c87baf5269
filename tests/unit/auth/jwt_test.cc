#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace satchel::auth {
namespace {

using nlohmann::json;

// Joins header and payload JSON text and a signature into a compact token
// without any encoding checks, to build malformed input.
std::string compact(std::string_view header, std::string_view payload,
                    std::string_view signature = "c2lnbmF0dXJl") {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + std::string(signature);
}

constexpr std::string_view kHeader = R"({"alg":"ES256","kid":"k1"})";
constexpr std::string_view kClaims = R"({"sub":"ada"})";

TokenError decode_error(std::string_view token) {
  auto decoded = decode_jwt(token);
  EXPECT_FALSE(decoded.has_value());
  return decoded ? TokenError::kMalformed : decoded.error();
}

TEST(DecodeJwt, DecodesWellFormedToken) {
  auto decoded = decode_jwt(compact(kHeader, kClaims));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->alg, "ES256");
  EXPECT_EQ(decoded->kid, "k1");
  EXPECT_EQ(decoded->claims.at("sub"), "ada");
  EXPECT_EQ(decoded->signature, "signature");
  EXPECT_EQ(decoded->signing_input, base64url_encode(kHeader) + "." + base64url_encode(kClaims));
}

TEST(DecodeJwt, RejectsWrongPartCount) {
  const std::string token = compact(kHeader, kClaims);
  EXPECT_EQ(decode_error(token + ".extra"), TokenError::kMalformed);
  EXPECT_EQ(decode_error(token.substr(0, token.rfind('.'))), TokenError::kMalformed);
  EXPECT_EQ(decode_error(""), TokenError::kMalformed);
  EXPECT_EQ(decode_error(".."), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsPaddingInAnyPart) {
  // {"sub":"ada"} is 13 bytes, so its base64url form would take one '=' pad.
  const std::string header = base64url_encode(kHeader);
  const std::string payload = base64url_encode(kClaims);
  EXPECT_EQ(decode_error(header + "." + payload + "=.c2lnbmF0dXJl"), TokenError::kMalformed);
  EXPECT_EQ(decode_error(header + "." + payload + ".c2lnbmF0dXJlAA=="), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsCharactersOutsideBase64url) {
  const std::string header = base64url_encode(kHeader);
  const std::string payload = base64url_encode(kClaims);
  EXPECT_EQ(decode_error(header + "." + payload + ".c2ln+mF0dXJl"), TokenError::kMalformed);
  EXPECT_EQ(decode_error(header + "." + payload + ".c2ln/mF0dXJl"), TokenError::kMalformed);
  EXPECT_EQ(decode_error(header + ". " + payload + ".c2lnbmF0dXJl"), TokenError::kMalformed);
  EXPECT_EQ(decode_error(header + "." + payload + "?.c2lnbmF0dXJl"), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsNonObjectHeaderOrPayload) {
  EXPECT_EQ(decode_error(compact(R"(["ES256"])", kClaims)), TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(kHeader, "42")), TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(kHeader, R"({"sub":)")), TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(kHeader, "plain text")), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsDuplicateMemberNames) {
  EXPECT_EQ(decode_error(compact(R"({"alg":"ES256","alg":"HS256"})", kClaims)),
            TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(kHeader, R"({"sub":"ada","sub":"eve"})")), TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(kHeader, R"({"a":{"b":1,"b":2}})")), TokenError::kMalformed);
}

TEST(DecodeJwt, AllowsSameNameInSiblingObjects) {
  auto decoded = decode_jwt(compact(kHeader, R"({"a":{"b":1},"c":{"b":2}})"));
  EXPECT_TRUE(decoded.has_value());
}

TEST(DecodeJwt, RejectsMissingOrNonStringAlg) {
  EXPECT_EQ(decode_error(compact(R"({"kid":"k1"})", kClaims)), TokenError::kMalformed);
  EXPECT_EQ(decode_error(compact(R"({"alg":256})", kClaims)), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsNonStringKid) {
  EXPECT_EQ(decode_error(compact(R"({"alg":"ES256","kid":1})", kClaims)), TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsAlgNoneInAnyCase) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const json header = {{"alg", alg}};
    EXPECT_EQ(decode_error(compact(header.dump(), kClaims)), TokenError::kAlgorithmNone) << alg;
    EXPECT_EQ(decode_error(base64url_encode(header.dump()) + "." + base64url_encode(kClaims) + "."),
              TokenError::kAlgorithmNone)
        << alg;
  }
}

TEST(DecodeJwt, RejectsCritAndB64Headers) {
  EXPECT_EQ(decode_error(compact(R"({"alg":"ES256","crit":["exp"],"exp":1})", kClaims)),
            TokenError::kUnsupportedHeader);
  EXPECT_EQ(decode_error(compact(R"({"alg":"ES256","b64":false})", kClaims)),
            TokenError::kUnsupportedHeader);
}

TEST(DecodeJwt, RejectsEmptySignature) {
  EXPECT_EQ(decode_error(base64url_encode(kHeader) + "." + base64url_encode(kClaims) + "."),
            TokenError::kMalformed);
}

TEST(DecodeJwt, RejectsTokenOver8KiB) {
  const std::string padding(kMaxTokenBytes, 'a');
  const json claims = {{"sub", "ada"}, {"padding", padding}};
  EXPECT_EQ(decode_error(compact(kHeader, claims.dump())), TokenError::kTooLarge);
}

// Builds a well-formed token of exactly `size` bytes by growing a claim and
// the signature. Returns an empty string if no combination fits.
std::string token_of_size(size_t size) {
  for (size_t padding = 0; padding < size; ++padding) {
    const json claims = {{"sub", "ada"}, {"padding", std::string(padding, 'a')}};
    const std::string prefix = base64url_encode(kHeader) + "." + base64url_encode(claims.dump());
    for (size_t signature_bytes = 1; signature_bytes <= 3; ++signature_bytes) {
      std::string token = prefix + "." + base64url_encode(std::string(signature_bytes, 's'));
      if (token.size() == size) return token;
    }
  }
  return "";
}

TEST(DecodeJwt, AcceptsTokenOfExactly8KiB) {
  const std::string token = token_of_size(kMaxTokenBytes);
  ASSERT_EQ(token.size(), kMaxTokenBytes);
  EXPECT_TRUE(decode_jwt(token).has_value());
}

TEST(DecodeJwt, RejectsTokenOneByteOver8KiB) {
  const std::string token = token_of_size(kMaxTokenBytes + 1);
  ASSERT_EQ(token.size(), kMaxTokenBytes + 1);
  EXPECT_EQ(decode_error(token), TokenError::kTooLarge);
}

TEST(DecodeJws, AcceptsNonJsonPayload) {
  auto decoded = decode_jws(base64url_encode(kHeader) + "." + base64url_encode("plain text") +
                            ".c2lnbmF0dXJl");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->payload, "plain text");
  EXPECT_TRUE(decoded->claims.is_null());
}

TEST(DecodeJws, AcceptsEmptyPayload) {
  auto decoded = decode_jws(base64url_encode(kHeader) + "..c2lnbmF0dXJl");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->payload, "");
}

TEST(MakeSigningInput, EncodesCompactJson) {
  const json header = {{"alg", "ES256"}};
  const json claims = {{"sub", "ada"}};
  EXPECT_EQ(make_signing_input(header, claims),
            base64url_encode(R"({"alg":"ES256"})") + "." + base64url_encode(R"({"sub":"ada"})"));
}

}  // namespace
}  // namespace satchel::auth
