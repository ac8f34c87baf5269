// The cache of verified tokens on its own, and inside TokenAuthenticator,
// where a hit must skip the key lookup but never outlive the token's exp.
#include "auth/verified_token_cache.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "auth/token_authenticator.h"
#include "common/time_format.h"
#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int64_t kNow = 1'700'000'000;

VerifiedToken verified_for(std::string subject, int64_t expiry_unix_seconds) {
  VerifiedToken token;
  token.subject = std::move(subject);
  token.tenant = "acme";
  token.issuer = "https://issuer.example";
  token.expiry = from_unix_seconds(expiry_unix_seconds);
  token.claims = json{{"sub", token.subject}};
  return token;
}

class VerifiedTokenCacheTest : public ::testing::Test {
 protected:
  ManualClock clock_{from_unix_seconds(kNow)};
};

TEST_F(VerifiedTokenCacheTest, ReturnsClaimsOfSameToken) {
  VerifiedTokenCache cache(clock_);
  cache.insert("header.payload.signature", verified_for("ada", kNow + 600));
  auto found = cache.find("header.payload.signature");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->subject, "ada");
  EXPECT_EQ(found->claims.at("sub"), "ada");
  EXPECT_EQ(cache.counters().hits, 1u);
}

TEST_F(VerifiedTokenCacheTest, DifferentTokenNeverHits) {
  VerifiedTokenCache cache(clock_);
  cache.insert("header.payload.signature", verified_for("ada", kNow + 600));
  for (std::string_view other :
       {"header.payload.signaturE", "header.payload.signatur", "header.payload.signature.",
        "Header.payload.signature", "", "header.payload"}) {
    EXPECT_FALSE(cache.find(other).has_value()) << other;
  }
  EXPECT_EQ(cache.counters().hits, 0u);
  EXPECT_EQ(cache.counters().misses, 6u);
}

TEST_F(VerifiedTokenCacheTest, MissesFromTokenExpiry) {
  VerifiedTokenCache cache(clock_, {.capacity = 16, .max_age = seconds{3600}});
  cache.insert("token", verified_for("ada", kNow + 100));
  clock_.advance(seconds{99});
  EXPECT_TRUE(cache.find("token").has_value());
  clock_.advance(seconds{1});
  EXPECT_FALSE(cache.find("token").has_value());
  // The expired entry is dropped, not kept until it is evicted.
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(VerifiedTokenCacheTest, MissesAfterMaxAge) {
  VerifiedTokenCache cache(clock_, {.capacity = 16, .max_age = seconds{60}});
  cache.insert("token", verified_for("ada", kNow + 3600));
  clock_.advance(seconds{59});
  EXPECT_TRUE(cache.find("token").has_value());
  clock_.advance(seconds{1});
  EXPECT_FALSE(cache.find("token").has_value());
}

TEST_F(VerifiedTokenCacheTest, SkipsTokenAlreadyExpired) {
  VerifiedTokenCache cache(clock_);
  // The verifier's leeway accepts a token shortly after its exp; the cache
  // must not keep it.
  cache.insert("token", verified_for("ada", kNow - 5));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("token").has_value());
}

TEST_F(VerifiedTokenCacheTest, StaysWithinCapacity) {
  VerifiedTokenCache cache(clock_, {.capacity = 3, .max_age = seconds{60}});
  cache.insert("t1", verified_for("u1", kNow + 600));
  cache.insert("t2", verified_for("u2", kNow + 600));
  cache.insert("t3", verified_for("u3", kNow + 600));
  // Using t1 makes t2 the least recently used entry.
  ASSERT_TRUE(cache.find("t1").has_value());
  cache.insert("t4", verified_for("u4", kNow + 600));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.counters().evictions, 1u);
  EXPECT_FALSE(cache.find("t2").has_value());
  EXPECT_TRUE(cache.find("t1").has_value());
  EXPECT_TRUE(cache.find("t3").has_value());
  EXPECT_TRUE(cache.find("t4").has_value());

  for (int i = 0; i < 100; ++i) {
    cache.insert("more-" + std::to_string(i), verified_for("u", kNow + 600));
  }
  EXPECT_EQ(cache.size(), 3u);
}

TEST_F(VerifiedTokenCacheTest, InsertAgainReplacesEntry) {
  VerifiedTokenCache cache(clock_, {.capacity = 2, .max_age = seconds{60}});
  cache.insert("token", verified_for("ada", kNow + 600));
  cache.insert("token", verified_for("bob", kNow + 600));
  EXPECT_EQ(cache.size(), 1u);
  auto found = cache.find("token");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->subject, "bob");
}

TEST_F(VerifiedTokenCacheTest, ZeroCapacityStoresNothing) {
  VerifiedTokenCache cache(clock_, {.capacity = 0, .max_age = seconds{60}});
  cache.insert("token", verified_for("ada", kNow + 600));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("token").has_value());
}

// ---- Inside TokenAuthenticator ----------------------------------------------

// A fixed key set that counts lookups, so a test can tell a verified token
// from a cached one.
class CountingKeySource final : public KeySource {
 public:
  explicit CountingKeySource(std::shared_ptr<const JwkSet> keys) : keys_(std::move(keys)) {}
  asio::awaitable<void> prepare(std::string) override { co_return; }
  std::shared_ptr<const Jwk> find(std::string_view kid) override {
    ++lookups_;
    return keys_->find(kid);
  }
  int lookups() const { return lookups_.load(); }

 private:
  std::shared_ptr<const JwkSet> keys_;
  std::atomic<int> lookups_{0};
};

Expected<VerifiedToken, TokenError> run(const TokenAuthenticator& authenticator,
                                        const std::string& token) {
  // std::future needs a default-constructible value, which Expected is not.
  auto wrapped = [&]() -> asio::awaitable<std::optional<Expected<VerifiedToken, TokenError>>> {
    co_return co_await authenticator.authenticate(token);
  };
  asio::io_context io;
  auto result = asio::co_spawn(io, wrapped(), asio::use_future);
  io.run();
  return *result.get();
}

class CachingAuthenticatorTest : public ::testing::Test {
 protected:
  CachingAuthenticatorTest() : key_(EVP_EC_gen("P-256")) {
    auto jwk = Jwk::from_key(key_.get(), "k1", "ES256");
    auto set = JwkSet::from_json(json{{"keys", {jwk->to_json()}}});
    keys_ = std::make_shared<CountingKeySource>(std::make_shared<const JwkSet>(std::move(*set)));
    JwtVerifierConfig config;
    config.issuer = "https://issuer.example";
    config.audiences = {"satchel"};
    authenticator_ = std::make_unique<TokenAuthenticator>(
        std::vector<TrustedIssuer>{{config, keys_}}, clock_,
        VerifiedTokenCacheSettings{.capacity = 16, .max_age = seconds{3600}});
  }

  std::string token(int64_t expiry_unix_seconds) const {
    return testing::make_token(JwsAlgorithm::kEs256, key_.get(), {{"alg", "ES256"}, {"kid", "k1"}},
                               {{"iss", "https://issuer.example"},
                                {"aud", "satchel"},
                                {"sub", "ada"},
                                {"org", "acme"},
                                {"exp", expiry_unix_seconds}});
  }

  ManualClock clock_{from_unix_seconds(kNow)};
  UniqueEvpPkey key_;
  std::shared_ptr<CountingKeySource> keys_;
  std::unique_ptr<TokenAuthenticator> authenticator_;
};

TEST_F(CachingAuthenticatorTest, SecondUseSkipsVerification) {
  const std::string text = token(kNow + 600);
  auto first = run(*authenticator_, text);
  ASSERT_TRUE(first.has_value());
  auto second = run(*authenticator_, text);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->subject, "ada");
  EXPECT_EQ(second->tenant, "acme");
  EXPECT_EQ(keys_->lookups(), 1);
  EXPECT_EQ(authenticator_->verified_token_cache_counters().hits, 1u);
}

TEST_F(CachingAuthenticatorTest, CachedTokenStillExpires) {
  const std::string text = token(kNow + 600);
  ASSERT_TRUE(run(*authenticator_, text).has_value());
  // Past exp and the verifier's leeway, the cache must not answer.
  clock_.advance(seconds{600} + kDefaultLeeway);
  auto late = run(*authenticator_, text);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(), TokenError::kExpired);
}

TEST_F(CachingAuthenticatorTest, AlteredSignatureIsVerifiedAndRejected) {
  const std::string text = token(kNow + 600);
  ASSERT_TRUE(run(*authenticator_, text).has_value());
  // Same header and claims, another signature: it must reach the verifier.
  // A character inside the signature changes whole bytes, unlike the last
  // one, whose low bits are padding.
  std::string altered = text;
  char& changed = altered[altered.size() - 10];
  changed = changed == 'A' ? 'B' : 'A';
  auto result = run(*authenticator_, altered);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), TokenError::kInvalidSignature);
  EXPECT_EQ(keys_->lookups(), 2);
}

TEST_F(CachingAuthenticatorTest, RejectedTokenIsNotCached) {
  const std::string text = token(kNow - 3600);
  EXPECT_FALSE(run(*authenticator_, text).has_value());
  EXPECT_FALSE(run(*authenticator_, text).has_value());
  EXPECT_EQ(keys_->lookups(), 2);
  EXPECT_EQ(authenticator_->verified_token_cache_counters().hits, 0u);
}

}  // namespace
}  // namespace satchel::auth
