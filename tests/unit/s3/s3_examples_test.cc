// Header signatures of the AWS documentation's worked examples: S3 GET, PUT,
// ?lifecycle and listing, the seeds of the chunked uploads, and the IAM
// ListUsers example of the general SigV4 pages.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "example_files.h"
#include "s3/signer.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

using testing::Example;

bool is_header_example(const nlohmann::json& json) {
  const auto& expected = json.value("expected", nlohmann::json::object());
  return json.contains("input") && json["input"].contains("headers") &&
         json["input"].contains("request_target") &&
         (expected.contains("canonical_request") || expected.contains("seed_canonical_request"));
}

// The streaming examples prefix their seed values with "seed_".
std::string expected_value(const Example& example, const std::string& key) {
  const auto& expected = example.expected();
  if (expected.contains(key)) return expected[key];
  return expected.at("seed_" + key);
}

class HeaderAuthExample : public ::testing::TestWithParam<Example> {};

TEST_P(HeaderAuthExample, SignatureMatchesEveryStep) {
  const Example& example = GetParam();
  const auto& input = example.input();
  std::vector<std::pair<std::string, std::string>> owned_headers;
  for (const auto& header : input.at("headers")) owned_headers.emplace_back(header[0], header[1]);
  std::vector<Header> headers;
  std::optional<std::string> content_sha256;
  for (const auto& [name, value] : owned_headers) {
    headers.push_back({name, value});
    if (equals_ignore_case(name, "x-amz-content-sha256")) content_sha256 = value;
  }
  const std::string target = input.at("request_target");
  auto [path, query] = split_target(target);
  RequestView request{input.at("method").get<std::string_view>(), path, query, headers};

  const bool is_s3 = example.service() == "s3";
  HeaderSigningOptions options;
  const std::string payload_hash =
      content_sha256.value_or(hex_encode(sha256(input.value("body", ""))));
  options.payload_hash = payload_hash;
  options.add_content_sha256 = content_sha256.has_value();
  options.uri = is_s3 ? kS3Uri : kGenericUri;
  RequestSigner signer(example.credentials(), example.region(), example.service());
  HeaderSignature result = signer.sign_headers(request, example.time(), options);

  {
    SCOPED_TRACE("signing key");
    const auto& derived = example.json.value("derived", nlohmann::json::object());
    std::string expected_key = example.expected().value(
        "signing_key_hex", derived.value("signing_key_hex", std::string()));
    ASSERT_FALSE(expected_key.empty());
    EXPECT_EQ(hex_encode(signer.signing_key(signer.scope_at(example.time())).bytes()),
              expected_key);
  }
  {
    SCOPED_TRACE("canonical request");
    EXPECT_EQ(result.canonical_request, expected_value(example, "canonical_request"));
  }
  {
    SCOPED_TRACE("string to sign");
    EXPECT_EQ(result.string_to_sign, expected_value(example, "string_to_sign"));
  }
  {
    SCOPED_TRACE("signature");
    EXPECT_EQ(result.signature, expected_value(example, "signature"));
  }
  if (example.expected().contains("authorization_header")) {
    SCOPED_TRACE("authorization header");
    ASSERT_FALSE(result.headers.empty());
    EXPECT_EQ(result.headers.back().value, example.expected()["authorization_header"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Documentation, HeaderAuthExample,
                         ::testing::ValuesIn(testing::examples_where(is_header_example)),
                         [](const auto& info) { return testing::test_name(info.param.name()); });

TEST(HeaderAuthExample, FoldersHoldExamples) {
  // GET, PUT, lifecycle, listing, two streaming seeds and IAM ListUsers.
  EXPECT_GE(testing::examples_where(is_header_example).size(), 7u);
}

}  // namespace
}  // namespace satchel::s3
