// Bucket CORS configuration over HTTP: PutBucketCors, GetBucketCors,
// DeleteBucketCors, and the rules applied to preflights and responses.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr std::string_view kRuleOrigin = "https://app.other.example";

class StoreBucketCorsTest : public StoreServerTest {
 protected:
  static std::string configuration() {
    return "<CORSConfiguration><CORSRule><ID>browser</ID>"
           "<AllowedOrigin>https://*.other.example</AllowedOrigin>"
           "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
           "<AllowedHeader>content-*</AllowedHeader><AllowedHeader>x-amz-meta-owner</AllowedHeader>"
           "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>"
           "</CORSRule></CORSConfiguration>";
  }

  http::Response preflight(std::string_view origin, std::string_view method,
                           std::string_view headers = {}) {
    http::ClientRequest request;
    request.method = Verb::options;
    request.target = object_path("a.txt");
    request.headers = {{"Origin", std::string(origin)},
                       {"Access-Control-Request-Method", std::string(method)}};
    if (!headers.empty()) {
      request.headers.emplace_back("Access-Control-Request-Headers", std::string(headers));
    }
    return send(request);
  }
};

TEST_F(StoreBucketCorsTest, PutGetDeleteRoundTrip) {
  auto missing = bucket_request(Verb::get, "cors");
  EXPECT_EQ(missing.result(), Status::not_found);
  EXPECT_EQ(xml_element(missing.body(), "Code"), "NoSuchCORSConfiguration");

  ASSERT_EQ(bucket_request(Verb::put, "cors", configuration()).result(), Status::ok);
  auto stored = bucket_request(Verb::get, "cors");
  ASSERT_EQ(stored.result(), Status::ok);
  EXPECT_EQ(xml_element(stored.body(), "ID"), "browser");
  EXPECT_EQ(xml_elements(stored.body(), "AllowedMethod"), (std::vector<std::string>{"PUT", "GET"}));
  EXPECT_EQ(xml_element(stored.body(), "MaxAgeSeconds"), "3000");

  EXPECT_EQ(bucket_request(Verb::delete_, "cors").result(), Status::no_content);
  EXPECT_EQ(bucket_request(Verb::get, "cors").result(), Status::not_found);
}

TEST_F(StoreBucketCorsTest, InvalidConfigurationsAreRejected) {
  auto malformed = bucket_request(Verb::put, "cors", "<CORSConfiguration/>");
  EXPECT_EQ(malformed.result(), Status::bad_request);
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "MalformedXML");
  auto bad_method =
      bucket_request(Verb::put, "cors",
                     "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                     "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>");
  EXPECT_EQ(bad_method.result(), Status::bad_request);
  EXPECT_EQ(xml_element(bad_method.body(), "Code"), "InvalidRequest");
  auto two_stars =
      bucket_request(Verb::put, "cors",
                     "<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin>"
                     "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
  EXPECT_EQ(two_stars.result(), Status::bad_request);
}

TEST_F(StoreBucketCorsTest, RulesAllowPreflightBeyondStoreOrigins) {
  EXPECT_EQ(preflight(kRuleOrigin, "PUT").result(), Status::forbidden);
  ASSERT_EQ(bucket_request(Verb::put, "cors", configuration()).result(), Status::ok);

  auto allowed = preflight(kRuleOrigin, "PUT", "Content-Type, x-amz-meta-owner");
  EXPECT_EQ(allowed.result(), Status::ok);
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Origin"), kRuleOrigin);
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Methods"), "PUT, GET");
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Headers"), "Content-Type, x-amz-meta-owner");
  EXPECT_EQ(header(allowed, "Access-Control-Max-Age"), "3000");
  EXPECT_EQ(header(allowed, "Access-Control-Expose-Headers"), "ETag");

  EXPECT_EQ(preflight(kRuleOrigin, "DELETE").result(), Status::forbidden);
  EXPECT_EQ(preflight(kRuleOrigin, "PUT", "x-amz-meta-other").result(), Status::forbidden);
  EXPECT_EQ(preflight("https://other.example", "PUT").result(), Status::forbidden);
  // The store's own origins keep working.
  EXPECT_EQ(preflight(kTestOrigin, "DELETE").result(), Status::ok);
}

TEST_F(StoreBucketCorsTest, RulesAddHeadersToResponses) {
  ASSERT_EQ(bucket_request(Verb::put, "cors", configuration()).result(), Status::ok);
  ASSERT_EQ(put("a.txt", "x").result(), Status::ok);
  auto response = get("a.txt", {{"Origin", std::string(kRuleOrigin)}});
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), kRuleOrigin);
  EXPECT_EQ(header(response, "Access-Control-Expose-Headers"), "ETag");
  auto other = get("a.txt", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(header(other, "Access-Control-Allow-Origin"), "");
}

TEST_F(StoreBucketCorsTest, ConfigurationSurvivesRestart) {
  ASSERT_EQ(bucket_request(Verb::put, "cors", configuration()).result(), Status::ok);
  auto rules = store_->engine().get_cors("satchel");
  ASSERT_TRUE(rules);
  EngineOptions options;
  options.root = dir_.path() / "store-copy";
  std::filesystem::copy(dir_.path() / "store", options.root,
                        std::filesystem::copy_options::recursive);
  auto reopened = Engine::open(options);
  ASSERT_TRUE(reopened);
  auto reloaded = (*reopened)->get_cors("satchel");
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(*reloaded, *rules);
}

}  // namespace
}  // namespace satchel::store
