#include "auth/jwks_cache.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "auth/oidc_discovery.h"
#include "common/time_format.h"

namespace satchel::auth {
namespace {

using std::chrono::seconds;
using Step = CachePlan::Step;

// A key set of fresh P-256 keys with the given kids.
std::shared_ptr<const JwkSet> key_set(std::initializer_list<const char*> kids) {
  std::vector<std::shared_ptr<const Jwk>> keys;
  for (const char* kid : kids) {
    UniqueEvpPkey key(EVP_EC_gen("P-256"));
    auto jwk = Jwk::from_key(key.get(), kid, "ES256");
    if (!jwk) throw std::runtime_error("cannot build test key");
    keys.push_back(std::make_shared<const Jwk>(std::move(*jwk)));
  }
  return std::make_shared<const JwkSet>(std::move(keys));
}

JwksCacheSettings test_settings() {
  return JwksCacheSettings{.min_lifetime = seconds{60},
                           .max_lifetime = seconds{3600},
                           .default_lifetime = seconds{600},
                           .refetch_interval = seconds{30},
                           .max_stale = seconds{7200}};
}

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest() : clock_(from_unix_seconds(1'700'000'000)), cache_(test_settings(), clock_) {}

  // Runs the first fetch to success with the given keys and max-age.
  void load(std::shared_ptr<const JwkSet> keys, std::optional<seconds> max_age = seconds{300}) {
    ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
    cache_.fetch_succeeded(std::move(keys), max_age);
  }

  ManualClock clock_;
  JwksCache cache_;
};

TEST_F(JwksCacheTest, FirstLookupClaimsInitialFetch) {
  CachePlan plan = cache_.plan("k1");
  EXPECT_EQ(plan.step, Step::kFetch);
  EXPECT_EQ(plan.reason, FetchReason::kInitial);
  EXPECT_TRUE(cache_.fetch_in_flight());
}

TEST_F(JwksCacheTest, ConcurrentCallerAwaitsFetchInFlight) {
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  EXPECT_EQ(cache_.plan("k1").step, Step::kAwaitFetch);
  EXPECT_EQ(cache_.counters().fetches, 1u);
}

TEST_F(JwksCacheTest, KnownKidInFreshSetUsesCache) {
  load(key_set({"k1"}));
  EXPECT_EQ(cache_.plan("k1").step, Step::kUseCache);
  EXPECT_NE(cache_.find("k1"), nullptr);
  EXPECT_EQ(cache_.counters().hits, 1u);
}

TEST_F(JwksCacheTest, UnknownKidRefetchesOncePerInterval) {
  load(key_set({"k1"}));
  // Within the interval of the first fetch: no second fetch.
  EXPECT_EQ(cache_.plan("k2").step, Step::kUseCache);
  EXPECT_EQ(cache_.counters().refetches_suppressed, 1u);

  clock_.advance(seconds{30});
  CachePlan plan = cache_.plan("k2");
  EXPECT_EQ(plan.step, Step::kFetch);
  EXPECT_EQ(plan.reason, FetchReason::kUnknownKey);
  cache_.fetch_succeeded(key_set({"k1"}), seconds{300});

  EXPECT_EQ(cache_.plan("k3").step, Step::kUseCache);
  clock_.advance(seconds{29});
  EXPECT_EQ(cache_.plan("k3").step, Step::kUseCache);
  EXPECT_EQ(cache_.counters().unknown_kid_refetches, 1u);
  EXPECT_EQ(cache_.counters().refetches_suppressed, 3u);
  EXPECT_EQ(cache_.find("k3"), nullptr);
  EXPECT_EQ(cache_.counters().misses, 1u);
}

TEST_F(JwksCacheTest, RotatedKeyFoundAfterRefetch) {
  load(key_set({"k1"}));
  clock_.advance(seconds{31});
  ASSERT_EQ(cache_.plan("k2").step, Step::kFetch);
  cache_.fetch_succeeded(key_set({"k1", "k2"}), seconds{300});
  EXPECT_EQ(cache_.plan("k2").step, Step::kUseCache);
  EXPECT_NE(cache_.find("k2"), nullptr);
  EXPECT_NE(cache_.find("k1"), nullptr);
}

TEST_F(JwksCacheTest, ExpiredSetIsRefetchedBeforeUse) {
  load(key_set({"k1"}), seconds{300});
  clock_.advance(seconds{299});
  EXPECT_EQ(cache_.plan("k1").step, Step::kUseCache);
  clock_.advance(seconds{1});
  CachePlan plan = cache_.plan("k1");
  EXPECT_EQ(plan.step, Step::kFetch);
  EXPECT_EQ(plan.reason, FetchReason::kExpired);
}

TEST_F(JwksCacheTest, RemovedKeyStopsWorkingAfterLifetime) {
  load(key_set({"k1", "k2"}), seconds{300});
  clock_.advance(seconds{300});
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  cache_.fetch_succeeded(key_set({"k2"}), seconds{300});
  EXPECT_EQ(cache_.find("k1"), nullptr);
  EXPECT_NE(cache_.find("k2"), nullptr);
}

TEST_F(JwksCacheTest, MaxAgeIsClampedToFloor) {
  load(key_set({"k1"}), seconds{0});
  EXPECT_EQ(cache_.expires_at(), clock_.now() + seconds{60});
}

TEST_F(JwksCacheTest, MaxAgeIsClampedToCeiling) {
  load(key_set({"k1"}), seconds{7 * 24 * 3600});
  EXPECT_EQ(cache_.expires_at(), clock_.now() + seconds{3600});
}

TEST_F(JwksCacheTest, MissingMaxAgeUsesDefaultLifetime) {
  load(key_set({"k1"}), std::nullopt);
  EXPECT_EQ(cache_.expires_at(), clock_.now() + seconds{600});
}

TEST_F(JwksCacheTest, FailedFetchKeepsServingCachedKeys) {
  load(key_set({"k1"}), seconds{300});
  clock_.advance(seconds{300});
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  cache_.fetch_failed();
  EXPECT_NE(cache_.find("k1"), nullptr);
  EXPECT_EQ(cache_.counters().stale_lookups, 1u);
  EXPECT_EQ(cache_.counters().fetch_failures, 1u);
}

TEST_F(JwksCacheTest, KnownKeysSkipRetryAfterFailure) {
  load(key_set({"k1"}), seconds{300});
  clock_.advance(seconds{300});
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  cache_.fetch_failed();
  // Within the refetch interval: no new fetch, the stale key is used.
  EXPECT_EQ(cache_.plan("k1").step, Step::kUseCache);
  clock_.advance(seconds{30});
  // The retry runs in the background, and a request meanwhile is not held up.
  EXPECT_EQ(cache_.plan("k1").step, Step::kFetchInBackground);
  EXPECT_EQ(cache_.plan("k1").step, Step::kUseCache);
}

TEST_F(JwksCacheTest, StaleSetIsDroppedAfterMaxStale) {
  load(key_set({"k1"}), seconds{300});
  clock_.advance(seconds{300});
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  cache_.fetch_failed();
  clock_.advance(seconds{7199});
  EXPECT_NE(cache_.find("k1"), nullptr);
  clock_.advance(seconds{1});
  EXPECT_EQ(cache_.find("k1"), nullptr);
}

TEST_F(JwksCacheTest, FailedInitialFetchIsRetriedAfterInterval) {
  ASSERT_EQ(cache_.plan("k1").step, Step::kFetch);
  cache_.fetch_failed();
  EXPECT_EQ(cache_.plan("k1").step, Step::kUseCache);
  EXPECT_EQ(cache_.find("k1"), nullptr);
  clock_.advance(seconds{30});
  CachePlan plan = cache_.plan("k1");
  EXPECT_EQ(plan.step, Step::kFetch);
  EXPECT_EQ(plan.reason, FetchReason::kInitial);
}

TEST(CacheControl, ReadsMaxAge) {
  EXPECT_EQ(parse_cache_max_age("public, max-age=3600"), seconds{3600});
}

TEST(CacheControl, ReadsQuotedMaxAgeInAnyCase) {
  EXPECT_EQ(parse_cache_max_age("Max-Age=\"120\", must-revalidate"), seconds{120});
}

TEST(CacheControl, NoStoreAndNoCacheMeanZero) {
  EXPECT_EQ(parse_cache_max_age("no-store"), seconds{0});
  EXPECT_EQ(parse_cache_max_age("max-age=600, no-cache"), seconds{0});
}

TEST(CacheControl, RepeatedMaxAgeTakesSmallest) {
  EXPECT_EQ(parse_cache_max_age("max-age=600, max-age=60"), seconds{60});
}

TEST(CacheControl, IgnoresInvalidValues) {
  EXPECT_EQ(parse_cache_max_age("max-age=-5"), std::nullopt);
  EXPECT_EQ(parse_cache_max_age("max-age=1h"), std::nullopt);
  EXPECT_EQ(parse_cache_max_age("max-age"), std::nullopt);
  EXPECT_EQ(parse_cache_max_age(""), std::nullopt);
}

TEST(CacheControl, SaturatesHugeMaxAge) {
  EXPECT_EQ(parse_cache_max_age("max-age=99999999999999999999"), seconds{int64_t{1} << 31});
}

TEST(OidcDiscovery, BuildsWellKnownUrl) {
  EXPECT_EQ(discovery_url("https://login.example.com"),
            "https://login.example.com/.well-known/openid-configuration");
  EXPECT_EQ(discovery_url("https://login.example.com/realms/staff/"),
            "https://login.example.com/realms/staff/.well-known/openid-configuration");
}

TEST(OidcDiscovery, ParsesJwksUri) {
  auto metadata = parse_provider_metadata(
      R"({"issuer":"https://idp.example","jwks_uri":"https://idp.example/keys",)"
      R"("id_token_signing_alg_values_supported":["RS256","ES256"]})",
      "https://idp.example");
  ASSERT_TRUE(metadata.has_value());
  EXPECT_EQ(metadata->jwks_uri, "https://idp.example/keys");
  EXPECT_EQ(metadata->signing_algorithms, (std::vector<std::string>{"RS256", "ES256"}));
}

TEST(OidcDiscovery, RejectsOtherIssuer) {
  auto metadata = parse_provider_metadata(
      R"({"issuer":"https://evil.example","jwks_uri":"https://evil.example/keys"})",
      "https://idp.example");
  ASSERT_FALSE(metadata.has_value());
  EXPECT_EQ(metadata.error(), DiscoveryError::kIssuerMismatch);
}

TEST(OidcDiscovery, RejectsMissingOrRelativeJwksUri) {
  auto missing =
      parse_provider_metadata(R"({"issuer":"https://idp.example"})", "https://idp.example");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), DiscoveryError::kMissingJwksUri);
  auto relative = parse_provider_metadata(R"({"issuer":"https://idp.example","jwks_uri":"/keys"})",
                                          "https://idp.example");
  ASSERT_FALSE(relative.has_value());
  EXPECT_EQ(relative.error(), DiscoveryError::kInvalidJwksUri);
}

TEST(OidcDiscovery, RejectsNonObjectBody) {
  auto metadata = parse_provider_metadata("[]", "https://idp.example");
  ASSERT_FALSE(metadata.has_value());
  EXPECT_EQ(metadata.error(), DiscoveryError::kNotAnObject);
}

}  // namespace
}  // namespace satchel::auth
