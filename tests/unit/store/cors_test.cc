#include "store/cors.h"

#include <gtest/gtest.h>

namespace satchel::store {
namespace {

using Result = CorsPolicy::PreflightResult;

TEST(CorsPolicy, AllowsListedOriginOnly) {
  CorsPolicy policy({"http://app.example"});
  EXPECT_TRUE(policy.allows_origin("http://app.example"));
  EXPECT_FALSE(policy.allows_origin("http://app.example:8080"));
  EXPECT_FALSE(policy.allows_origin(""));
}

TEST(CorsPolicy, WildcardAllowsAnyOrigin) {
  CorsPolicy policy({"*"});
  EXPECT_TRUE(policy.allows_origin("http://anything.example"));
}

TEST(CorsPolicy, EmptyListAllowsNothing) {
  CorsPolicy policy({});
  EXPECT_FALSE(policy.allows_origin("http://app.example"));
}

TEST(CorsPolicy, PreflightChecks) {
  CorsPolicy policy({"http://app.example"});
  EXPECT_EQ(policy.check_preflight("http://app.example", "PUT", "content-type"), Result::kAllowed);
  EXPECT_EQ(policy.check_preflight("http://app.example", "", ""), Result::kIncomplete);
  EXPECT_EQ(policy.check_preflight("", "PUT", ""), Result::kIncomplete);
  EXPECT_EQ(policy.check_preflight("http://evil.example", "PUT", ""), Result::kForbidden);
  EXPECT_EQ(policy.check_preflight("http://app.example", "PATCH", ""), Result::kForbidden);
  EXPECT_EQ(policy.check_preflight("http://app.example", "PUT", "a\"b"), Result::kForbidden);
}

TEST(CorsPolicy, ResponseHeadersOnlyForAllowedOrigin) {
  CorsPolicy policy({"http://app.example"});
  http::bhttp::fields allowed;
  policy.add_response_headers(allowed, "http://app.example");
  EXPECT_EQ(allowed[http::Field::access_control_allow_origin], "http://app.example");
  EXPECT_EQ(allowed[http::Field::vary], "Origin");
  http::bhttp::fields denied;
  policy.add_response_headers(denied, "http://evil.example");
  EXPECT_EQ(denied.count(http::Field::access_control_allow_origin), 0u);
  EXPECT_EQ(denied[http::Field::vary], "Origin");
}

}  // namespace
}  // namespace satchel::store
