// The current AWS SigV4 test suite (aws-c-auth aws-signing-test-suite/v4):
// every case folder is signed twice, as an Authorization header and as a
// presigned query, and each step is compared with its own file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "s3/signer.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

using testing::HttpMessage;
using testing::read_file;

std::filesystem::path suite_dir() {
  return testing::testdata_dir() / "sigv4/aws-c-auth/aws-signing-test-suite/v4";
}

struct SuiteCase {
  std::filesystem::path folder;
  nlohmann::json context;
  HttpMessage request;

  std::string expected(std::string_view file) const { return read_file(folder / file); }

  RequestSigner signer() const {
    const auto& credentials = context["credentials"];
    Credentials out{credentials["access_key_id"].get<std::string>(),
                    Secret(credentials["secret_access_key"].get<std::string>()),
                    {}};
    if (credentials.contains("token")) {
      out.session_token = Secret(credentials["token"].get<std::string>());
    }
    return RequestSigner(std::move(out), context["region"].get<std::string>(),
                         context["service"].get<std::string>());
  }

  SystemTime time() const {
    auto parsed = parse_iso8601(context["timestamp"].get<std::string>());
    EXPECT_TRUE(parsed.has_value());
    return parsed.value_or(SystemTime{});
  }

  UriOptions uri() const {
    return {.normalize_path = context["normalize"].get<bool>(),
            .double_encode = context["service"] != "s3"};
  }

  bool sign_security_token() const { return !context.value("omit_session_token", false); }
  std::string payload_hash() const { return hex_encode(sha256(request.body)); }
};

SuiteCase load_case(const std::filesystem::path& folder) {
  return {folder, nlohmann::json::parse(read_file(folder / "context.json")),
          testing::parse_http_message(read_file(folder / "request.txt"))};
}

class AwsSigningSuite : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(AwsSigningSuite, HeaderSignatureMatchesEveryStep) {
  const SuiteCase test = load_case(GetParam());
  auto [path, query] = split_target(test.request.target);
  auto headers = test.request.header_views();
  RequestView request{test.request.method, path, query, headers};

  HeaderSigningOptions options;
  const std::string payload_hash = test.payload_hash();
  options.payload_hash = payload_hash;
  options.add_content_sha256 = test.context["sign_body"].get<bool>();
  options.sign_security_token = test.sign_security_token();
  options.uri = test.uri();
  HeaderSignature result = test.signer().sign_headers(request, test.time(), options);

  {
    SCOPED_TRACE("canonical request");
    EXPECT_EQ(result.canonical_request, test.expected("header-canonical-request.txt"));
  }
  {
    SCOPED_TRACE("string to sign");
    EXPECT_EQ(result.string_to_sign, test.expected("header-string-to-sign.txt"));
  }
  {
    SCOPED_TRACE("signature");
    EXPECT_EQ(result.signature, test.expected("header-signature.txt"));
  }
  {
    SCOPED_TRACE("signed request");
    HttpMessage expected = testing::parse_http_message(test.expected("header-signed-request.txt"));
    auto signed_headers = test.request.headers;
    for (const OwnedHeader& added : result.headers) {
      signed_headers.emplace_back(added.name, added.value);
    }
    EXPECT_EQ(test.request.method + " " + test.request.target,
              expected.method + " " + expected.target);
    EXPECT_EQ(testing::normalized_headers(signed_headers),
              testing::normalized_headers(expected.headers));
    EXPECT_EQ(test.request.body, expected.body);
  }
}

TEST_P(AwsSigningSuite, QuerySignatureMatchesEveryStep) {
  const SuiteCase test = load_case(GetParam());
  auto [path, query] = split_target(test.request.target);
  auto headers = test.request.header_views();
  RequestView request{test.request.method, path, query, headers};

  QuerySigningOptions options;
  const std::string payload_hash = test.payload_hash();
  options.payload_hash = payload_hash;
  options.expires = std::chrono::seconds(test.context["expiration_in_seconds"].get<int64_t>());
  options.sign_security_token = test.sign_security_token();
  options.uri = test.uri();
  auto result = test.signer().sign_query(request, test.time(), options);
  ASSERT_TRUE(result.has_value()) << describe(result.error());

  {
    SCOPED_TRACE("canonical request");
    EXPECT_EQ(result->canonical_request, test.expected("query-canonical-request.txt"));
  }
  {
    SCOPED_TRACE("string to sign");
    EXPECT_EQ(result->string_to_sign, test.expected("query-string-to-sign.txt"));
  }
  {
    SCOPED_TRACE("signature");
    EXPECT_EQ(result->signature, test.expected("query-signature.txt"));
  }
  {
    SCOPED_TRACE("signed request");
    HttpMessage expected = testing::parse_http_message(test.expected("query-signed-request.txt"));
    auto [expected_path, expected_query] = split_target(expected.target);
    EXPECT_EQ(test.request.method, expected.method);
    EXPECT_EQ(path, expected_path);
    EXPECT_EQ(testing::decoded_query(result->query), testing::decoded_query(expected_query));
    EXPECT_EQ(testing::normalized_headers(test.request.headers),
              testing::normalized_headers(expected.headers));
    EXPECT_EQ(test.request.body, expected.body);
  }
}

INSTANTIATE_TEST_SUITE_P(V4, AwsSigningSuite,
                         ::testing::ValuesIn(testing::sorted_subfolders(suite_dir())),
                         [](const auto& info) {
                           return testing::test_name(info.param.filename().string());
                         });

TEST(AwsSigningSuite, FolderHoldsCases) {
  // Guards against a wrong SATCHEL_TESTDATA_DIR silently running no case.
  EXPECT_GE(testing::sorted_subfolders(suite_dir()).size(), 38u);
}

}  // namespace
}  // namespace satchel::s3
