// The JWKS cache, discovery and multi-issuer routing against a JWKS server
// started by the test on 127.0.0.1, which rotates its keys mid-run. Time is
// a ManualClock, so cache lifetimes pass without sleeping.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>
#include <thread>

#include "auth/issuer_keys.h"
#include "auth/token_authenticator.h"
#include "common/time_format.h"
#include "http/server.h"
#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::load_vector;
using testing::make_token;
using testing::private_key_from_jwk;

constexpr int64_t kNow = 1'700'000'000;
constexpr char kAudience[] = "satchel";

// An io_context running on its own thread, so the test thread can block on
// the result of a coroutine.
class IoThread {
 public:
  IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }

  template <class T>
  T run(asio::awaitable<T> task) {
    return *start(std::move(task)).get();
  }

  // Starts the coroutine and returns its future result. The optional is
  // there because std::future needs a default-constructible value.
  template <class T>
  std::future<std::optional<T>> start(asio::awaitable<T> task) {
    auto wrapped = [](asio::awaitable<T> inner) -> asio::awaitable<std::optional<T>> {
      co_return co_await std::move(inner);
    };
    return asio::co_spawn(io_, wrapped(std::move(task)), asio::use_future);
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// A provider that serves discovery and a JWKS whose content, status and
// Cache-Control the test changes, and counts requests.
class JwksServer {
 public:
  explicit JwksServer(asio::io_context& io)
      : server_(io, options(), [this](http::Request& request) { return handle(request); }) {
    if (!server_.listen()) throw std::runtime_error("cannot listen for the test JWKS server");
    server_.start();
  }
  ~JwksServer() { server_.stop(); }

  static http::ServerOptions options() {
    http::ServerOptions options;
    options.name = "jwks";
    options.log_requests = false;
    return options;
  }

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  void publish(json keys) {
    std::lock_guard lock(mutex_);
    keys_ = json{{"keys", std::move(keys)}};
  }
  void set_status(http::Status status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  int jwks_requests() const {
    std::lock_guard lock(mutex_);
    return jwks_requests_;
  }
  int discovery_requests() const {
    std::lock_guard lock(mutex_);
    return discovery_requests_;
  }

 private:
  asio::awaitable<http::bhttp::message_generator> handle(http::Request& request) {
    http::Response response{http::Status::ok, 11};
    {
      std::lock_guard lock(mutex_);
      response.result(status_);
      if (request.path() == "/.well-known/openid-configuration") {
        ++discovery_requests_;
        response.body() = json{{"issuer", issuer()}, {"jwks_uri", issuer() + "/jwks"}}.dump();
      } else if (request.path() == "/jwks") {
        ++jwks_requests_;
        response.set(http::Field::cache_control, "public, max-age=300");
        response.body() = keys_.dump();
      } else {
        response.result(http::Status::not_found);
      }
    }
    response.set(http::Field::content_type, "application/json");
    co_return http::respond(request, std::move(response));
  }

  http::Server server_;
  mutable std::mutex mutex_;
  json keys_ = json{{"keys", json::array()}};  // guarded by mutex_
  http::Status status_ = http::Status::ok;     // guarded by mutex_
  int jwks_requests_ = 0;                      // guarded by mutex_
  int discovery_requests_ = 0;                 // guarded by mutex_
};

// A P-256 signing key with its public JWK under a kid.
struct EcKey {
  explicit EcKey(std::string kid_name) : kid(std::move(kid_name)), key(EVP_EC_gen("P-256")) {}
  json public_jwk() const { return Jwk::from_key(key.get(), kid, "ES256")->to_json(); }

  std::string kid;
  UniqueEvpPkey key;
};

class KeyRotationTest : public ::testing::Test {
 protected:
  KeyRotationTest()
      : clock_(from_unix_seconds(kNow)), provider_(io_.io()), k1_("k1"), k2_("k2"), k3_("k3") {}

  JwksCacheSettings settings() const {
    return JwksCacheSettings{.min_lifetime = seconds{60},
                             .max_lifetime = seconds{3600},
                             .default_lifetime = seconds{600},
                             .refetch_interval = seconds{30},
                             .max_stale = seconds{3600}};
  }

  // The authenticator trusting the test provider through discovery.
  void trust_provider() {
    IssuerConfig config;
    config.issuer = provider_.issuer();
    config.audiences = {kAudience};
    auto issuer = make_trusted_issuer(config, settings(),
                                      make_http_get(io_.io().get_executor(), seconds{5}), clock_);
    keys_ = std::static_pointer_cast<IssuerKeys>(issuer.keys);
    authenticator_ = std::make_unique<TokenAuthenticator>(std::vector{issuer}, clock_);
  }

  json claims() const {
    return {{"iss", provider_.issuer()},
            {"aud", kAudience},
            {"sub", "ada"},
            {"org", "acme"},
            {"iat", kNow},
            {"exp", kNow + 100'000}};
  }

  std::string token(const EcKey& key) const {
    return make_token(JwsAlgorithm::kEs256, key.key.get(), {{"alg", "ES256"}, {"kid", key.kid}},
                      claims());
  }

  Expected<VerifiedToken, TokenError> authenticate(const std::string& text) {
    return io_.run(authenticator_->authenticate(text));
  }

  ::testing::AssertionResult accepted(const EcKey& key) {
    auto result = authenticate(token(key));
    if (result) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "token of " << key.kid << " rejected: " << token_error_reason(result.error());
  }

  std::optional<TokenError> rejection(const EcKey& key) {
    auto result = authenticate(token(key));
    if (result) return std::nullopt;
    return result.error();
  }

  IoThread io_;
  ManualClock clock_;
  JwksServer provider_;
  EcKey k1_, k2_, k3_;
  std::shared_ptr<IssuerKeys> keys_;
  std::unique_ptr<TokenAuthenticator> authenticator_;
};

TEST_F(KeyRotationTest, FindsKeysThroughDiscovery) {
  provider_.publish({k1_.public_jwk()});
  trust_provider();
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(provider_.discovery_requests(), 1);
  EXPECT_EQ(provider_.jwks_requests(), 1);
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(provider_.jwks_requests(), 1);
  EXPECT_EQ(keys_->counters()->hits, 2u);
}

TEST_F(KeyRotationTest, RotationRefetchesOnceAndRateLimits) {
  provider_.publish({k1_.public_jwk()});
  trust_provider();
  ASSERT_TRUE(accepted(k1_));

  // The provider publishes k2 and starts signing with it.
  provider_.publish({k1_.public_jwk(), k2_.public_jwk()});
  clock_.advance(seconds{31});
  EXPECT_TRUE(accepted(k2_));
  EXPECT_EQ(provider_.jwks_requests(), 2);
  EXPECT_EQ(keys_->counters()->unknown_kid_refetches, 1u);

  // k1 is still published, so its tokens still pass, with no fetch.
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(provider_.jwks_requests(), 2);

  // k3 was never published. Right after a fetch it causes none.
  EXPECT_EQ(rejection(k3_), TokenError::kUnknownKey);
  EXPECT_EQ(provider_.jwks_requests(), 2);
  // Once the interval has passed it causes exactly one, and still fails.
  clock_.advance(seconds{30});
  EXPECT_EQ(rejection(k3_), TokenError::kUnknownKey);
  EXPECT_EQ(provider_.jwks_requests(), 3);
  EXPECT_EQ(rejection(k3_), TokenError::kUnknownKey);
  EXPECT_EQ(rejection(k3_), TokenError::kUnknownKey);
  EXPECT_EQ(provider_.jwks_requests(), 3);
  EXPECT_EQ(keys_->counters()->refetches_suppressed, 3u);
}

TEST_F(KeyRotationTest, RemovedKeyStopsWorkingAfterCacheLifetime) {
  provider_.publish({k1_.public_jwk(), k2_.public_jwk()});
  trust_provider();
  ASSERT_TRUE(accepted(k1_));

  provider_.publish({k2_.public_jwk()});
  // Within the 300 s max-age the cached k1 still verifies.
  clock_.advance(seconds{299});
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(provider_.jwks_requests(), 1);

  clock_.advance(seconds{1});
  EXPECT_EQ(rejection(k1_), TokenError::kUnknownKey);
  EXPECT_EQ(provider_.jwks_requests(), 2);
  EXPECT_TRUE(accepted(k2_));
}

TEST_F(KeyRotationTest, KeepsServingCachedKeysWhileProviderIsDown) {
  provider_.publish({k1_.public_jwk()});
  trust_provider();
  ASSERT_TRUE(accepted(k1_));

  provider_.set_status(http::Status::service_unavailable);
  clock_.advance(seconds{300});
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(keys_->counters()->fetch_failures, 1u);
  // A failed JWKS fetch sends the next one through discovery again.
  clock_.advance(seconds{30});
  EXPECT_TRUE(accepted(k1_));

  // Until the stale set is older than max_stale.
  clock_.advance(seconds{3600});
  EXPECT_EQ(rejection(k1_), TokenError::kUnknownKey);

  // The provider comes back: the next allowed fetch restores service.
  provider_.set_status(http::Status::ok);
  clock_.advance(seconds{30});
  EXPECT_TRUE(accepted(k1_));
}

TEST_F(KeyRotationTest, MixedKeyTypesMatchTheirAlgorithms) {
  const json rfc7515 = load_vector("jose/rfc7515/rfc7515-appendix-a.json");
  const json rfc8037 = load_vector("jose/rfc8037/rfc8037-appendix-a.json");
  json rsa_case;
  for (const json& item : rfc7515.at("cases")) {
    if (item.at("id") == "A.2") rsa_case = item;
  }
  json rsa = rsa_case.at("public_jwk");
  rsa["kid"] = "rsa";
  json ed = rfc8037.at("A.2_public_key");
  ed["kid"] = "ed";
  provider_.publish({rsa, ed, {{"kty", "XYZ"}, {"kid", "odd"}, {"k", "AAAA"}}});
  trust_provider();

  UniqueEvpPkey rsa_private = private_key_from_jwk(rsa_case.at("private_jwk"));
  UniqueEvpPkey ed_private = private_key_from_jwk(rfc8037.at("A.1_private_key"));
  auto rs256 = make_token(JwsAlgorithm::kRs256, rsa_private.get(),
                          {{"alg", "RS256"}, {"kid", "rsa"}}, claims());
  auto eddsa = make_token(JwsAlgorithm::kEdDsa, ed_private.get(), {{"alg", "EdDSA"}, {"kid", "ed"}},
                          claims());
  auto eddsa_naming_rsa = make_token(JwsAlgorithm::kEdDsa, ed_private.get(),
                                     {{"alg", "EdDSA"}, {"kid", "rsa"}}, claims());
  EXPECT_TRUE(authenticate(rs256).has_value());
  EXPECT_TRUE(authenticate(eddsa).has_value());
  auto mismatch = authenticate(eddsa_naming_rsa);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error(), TokenError::kKeyMismatch);
  EXPECT_EQ(provider_.jwks_requests(), 1);
}

TEST_F(KeyRotationTest, ConfiguredJwksUriSkipsDiscovery) {
  provider_.publish({k1_.public_jwk()});
  IssuerConfig config;
  config.issuer = provider_.issuer();
  config.audiences = {kAudience};
  config.jwks_uri = provider_.issuer() + "/jwks";
  authenticator_ = std::make_unique<TokenAuthenticator>(
      std::vector{make_trusted_issuer(config, settings(),
                                      make_http_get(io_.io().get_executor(), seconds{5}), clock_)},
      clock_);
  EXPECT_TRUE(accepted(k1_));
  EXPECT_EQ(provider_.discovery_requests(), 0);
}

TEST_F(KeyRotationTest, AlgNoneAndKeyConfusionCauseNoFetch) {
  provider_.publish({k1_.public_jwk()});
  trust_provider();
  const std::string none = make_signing_input({{"alg", "none"}, {"kid", "k1"}}, claims()) + ".";
  auto unsigned_result = authenticate(none);
  ASSERT_FALSE(unsigned_result.has_value());
  EXPECT_EQ(unsigned_result.error(), TokenError::kAlgorithmNone);
  const std::string jwk_text = k1_.public_jwk().dump();
  auto confused = authenticate(
      testing::make_hs256_token(jwk_text, {{"alg", "HS256"}, {"kid", "k1"}}, claims()));
  ASSERT_FALSE(confused.has_value());
  EXPECT_EQ(confused.error(), TokenError::kAlgorithmNotAllowed);
  EXPECT_EQ(provider_.jwks_requests(), 0);
}

// ---- Concurrency, with an HttpGet held open by the test --------------------

// An HttpGet that returns only when the test releases it, counting calls.
class GatedFetch {
 public:
  explicit GatedFetch(asio::any_io_executor executor)
      : gate_(std::make_shared<Gate>(executor, 16)) {}

  HttpGet get(json keys) {
    return [gate = gate_, calls = calls_, keys = std::move(keys)](
               std::string) -> asio::awaitable<Expected<HttpDocument, std::string>> {
      ++*calls;
      co_await gate->async_receive(asio::as_tuple(asio::use_awaitable));
      co_return HttpDocument{.status = 200, .body = keys.dump(), .cache_control = "max-age=300"};
    };
  }
  void release() { gate_->try_send(boost::system::error_code{}); }
  int calls() const { return *calls_; }

 private:
  using Gate = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  std::shared_ptr<Gate> gate_;
  std::shared_ptr<std::atomic<int>> calls_ = std::make_shared<std::atomic<int>>(0);
};

TEST_F(KeyRotationTest, ConcurrentTokensShareOneFetch) {
  GatedFetch fetch(io_.io().get_executor());
  IssuerConfig config;
  config.issuer = provider_.issuer();
  config.audiences = {kAudience};
  config.jwks_uri = "http://127.0.0.1:1/jwks";
  authenticator_ = std::make_unique<TokenAuthenticator>(
      std::vector{make_trusted_issuer(config, settings(),
                                      fetch.get(json{{"keys", {k1_.public_jwk()}}}), clock_)},
      clock_);

  std::vector<std::future<std::optional<Expected<VerifiedToken, TokenError>>>> results;
  for (int i = 0; i < 5; ++i)
    results.push_back(io_.start(authenticator_->authenticate(token(k1_))));
  // Whichever way the five interleave with the fetch, one fetch serves them all.
  for (int attempt = 0; attempt < 1000 && fetch.calls() == 0; ++attempt) {
    std::this_thread::yield();
  }
  fetch.release();
  for (auto& result : results) EXPECT_TRUE(result.get()->has_value());
  EXPECT_EQ(fetch.calls(), 1);
}

// ---- Several issuers ------------------------------------------------------

TEST(TokenAuthenticator, RoutesByIssuerWithEachClaimMapping) {
  ManualClock clock(from_unix_seconds(kNow));
  IoThread io;
  EcKey staff_key("staff-1");
  EcKey ci_key("ci-1");
  auto fixed = [](const EcKey& key) {
    auto set = JwkSet::from_json(json{{"keys", {key.public_jwk()}}});
    return std::make_shared<FixedKeySource>(std::make_shared<const JwkSet>(std::move(*set)));
  };
  JwtVerifierConfig staff;
  staff.issuer = "https://staff.example";
  staff.audiences = {"satchel"};
  JwtVerifierConfig ci;
  ci.issuer = "https://ci.example";
  ci.audiences = {"satchel-ci"};
  ci.subject_claim = "repository";
  ci.tenant_claim = "owner";
  ci.roles_claim = "realm_access.roles";
  TokenAuthenticator authenticator({{staff, fixed(staff_key)}, {ci, fixed(ci_key)}}, clock);

  json ci_claims = {{"iss", "https://ci.example"},
                    {"aud", "satchel-ci"},
                    {"repository", "build-bot"},
                    {"owner", "acme"},
                    {"realm_access", {{"roles", {"uploader"}}}},
                    {"exp", kNow + 600}};
  auto ci_token = make_token(JwsAlgorithm::kEs256, ci_key.key.get(),
                             {{"alg", "ES256"}, {"kid", "ci-1"}}, ci_claims);
  auto verified = io.run(authenticator.authenticate(ci_token));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->subject, "build-bot");
  EXPECT_EQ(verified->tenant, "acme");
  EXPECT_EQ(verified->roles, std::vector<std::string>{"uploader"});
  EXPECT_EQ(verified->issuer, "https://ci.example");

  // The staff key does not verify tokens that claim the CI issuer.
  auto forged = make_token(JwsAlgorithm::kEs256, staff_key.key.get(),
                           {{"alg", "ES256"}, {"kid", "ci-1"}}, ci_claims);
  auto rejected = io.run(authenticator.authenticate(forged));
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error(), TokenError::kInvalidSignature);

  ci_claims["iss"] = "https://unknown.example";
  auto stranger = io.run(authenticator.authenticate(make_token(
      JwsAlgorithm::kEs256, ci_key.key.get(), {{"alg", "ES256"}, {"kid", "ci-1"}}, ci_claims)));
  ASSERT_FALSE(stranger.has_value());
  EXPECT_EQ(stranger.error(), TokenError::kInvalidIssuer);
}

TEST(TokenAuthenticator, UnverifiedTenantFollowsIssuerMapping) {
  ManualClock clock(from_unix_seconds(kNow));
  EcKey ci_key("ci-1");
  EcKey other_key("other-1");
  auto set = JwkSet::from_json(json{{"keys", {ci_key.public_jwk()}}});
  auto keys = std::make_shared<FixedKeySource>(std::make_shared<const JwkSet>(std::move(*set)));
  JwtVerifierConfig ci;
  ci.issuer = "https://ci.example";
  ci.audiences = {"satchel-ci"};
  ci.tenant_claim = "owner";
  TokenAuthenticator authenticator({{ci, keys}}, clock);
  json claims = {{"iss", "https://ci.example"}, {"owner", "acme"}, {"org", "globex"}};
  auto sign = [&](const json& payload) {
    return make_token(JwsAlgorithm::kEs256, other_key.key.get(),
                      {{"alg", "ES256"}, {"kid", "ci-1"}}, payload);
  };

  // The signature is wrong, but the claims are readable.
  EXPECT_EQ(authenticator.unverified_tenant(sign(claims)), "acme");
  EXPECT_EQ(authenticator.unverified_tenant("not.a.token"), "");
  json stranger = claims;
  stranger["iss"] = "https://unknown.example";
  EXPECT_EQ(authenticator.unverified_tenant(sign(stranger)), "");
  json number = claims;
  number["owner"] = 7;
  EXPECT_EQ(authenticator.unverified_tenant(sign(number)), "");
  json oversized = claims;
  oversized["owner"] = std::string(kMaxUnverifiedTenantBytes + 1, 'a');
  EXPECT_EQ(authenticator.unverified_tenant(sign(oversized)), "");
}

TEST_F(KeyRotationTest, ServeConfigurationTrustsEveryIssuer) {
  provider_.publish({k1_.public_jwk()});
  EcKey dev_key("dev-1");
  auto dev_keys = JwkSet::from_json(json{{"keys", {dev_key.public_jwk()}}});
  std::vector<TrustedIssuer> fixed = {
      make_fixed_issuer("http://127.0.0.1:1/oidc", {"satchel-web"},
                        std::make_shared<const JwkSet>(std::move(*dev_keys)))};
  const std::string text = "[[auth.issuers]]\nissuer = \"" + provider_.issuer() +
                           "\"\naudiences = [\"" + kAudience + "\"]\n";
  auto built = make_token_authenticator(toml::parse(text), std::move(fixed),
                                        io_.io().get_executor(), clock_);
  ASSERT_TRUE(built.has_value()) << built.error();
  EXPECT_EQ((*built)->issuer_count(), 2u);
  EXPECT_TRUE(io_.run((*built)->authenticate(token(k1_))).has_value());
  json dev_claims = {{"iss", "http://127.0.0.1:1/oidc"},
                     {"aud", "satchel-web"},
                     {"sub", "ada"},
                     {"org", "acme"},
                     {"exp", kNow + 600}};
  auto dev_token = make_token(JwsAlgorithm::kEs256, dev_key.key.get(),
                              {{"alg", "ES256"}, {"kid", "dev-1"}}, dev_claims);
  EXPECT_TRUE(io_.run((*built)->authenticate(dev_token)).has_value());

  // Only the fetched issuer has cache counters.
  auto counters = (*built)->key_cache_counters();
  ASSERT_EQ(counters.size(), 1u);
  EXPECT_EQ(counters[0].first, provider_.issuer());
  EXPECT_EQ(counters[0].second.fetches, 1u);
  EXPECT_EQ(counters[0].second.hits, 1u);
}

TEST(MakeTokenAuthenticator, RejectsInvalidAuthTable) {
  ManualClock clock(from_unix_seconds(kNow));
  asio::io_context io;
  auto built = make_token_authenticator(toml::parse("[auth]\nissuer = \"x\"\n"), {},
                                        io.get_executor(), clock);
  ASSERT_FALSE(built.has_value());
  EXPECT_EQ(built.error(), "auth.issuer (line 2): unknown key");
}

}  // namespace
}  // namespace satchel::auth
