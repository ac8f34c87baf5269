#include "auth/dev_provider.h"

#include <gtest/gtest.h>

#include "auth/jwt_verifier.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::auth {
namespace {

using nlohmann::json;

constexpr char kIssuer[] = "http://127.0.0.1:8080/dev";
constexpr char kRedirectUri[] = "http://127.0.0.1:8080/callback";
constexpr int64_t kStart = 1'700'000'000;

// The verifier and challenge of RFC 7636 appendix B. There is no file of
// RFC 7636 examples among the shared test vectors, so the two published
// values are written here.
constexpr char kRfc7636Verifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kRfc7636Challenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

FormParams authorization_request() {
  return {{"response_type", "code"},         {"client_id", "satchel-web"},
          {"redirect_uri", kRedirectUri},    {"code_challenge", kRfc7636Challenge},
          {"code_challenge_method", "S256"}, {"state", "af0ifjsldkj"},
          {"nonce", "n-0S6_WzA2Mj"},         {"scope", "openid"}};
}

FormParams login_form(std::string user = "ada", std::string tenant = "acme", bool admin = true) {
  FormParams form = authorization_request();
  form["user"] = std::move(user);
  form["tenant"] = std::move(tenant);
  if (admin) form["admin"] = "on";
  return form;
}

FormParams token_request(const std::string& code, std::string verifier = kRfc7636Verifier) {
  return {{"grant_type", "authorization_code"},
          {"code", code},
          {"redirect_uri", kRedirectUri},
          {"client_id", "satchel-web"},
          {"code_verifier", std::move(verifier)}};
}

// Returns the value of a query parameter in a URL, or "" when absent.
std::string query_param(const std::string& url, const std::string& name) {
  const size_t query = url.find('?');
  if (query == std::string::npos) return "";
  auto params = parse_form(url.substr(query + 1));
  if (!params) return "";
  auto it = params->find(name);
  return it == params->end() ? "" : it->second;
}

class DevProviderTest : public ::testing::Test {
 protected:
  DevProviderTest() : clock_(from_unix_seconds(kStart)) {
    auto generated = SigningKey::generate();
    if (!generated) throw std::runtime_error("key generation failed");
    key_ = std::make_shared<const SigningKey>(std::move(*generated));
    provider_ = std::make_unique<DevProvider>(config(), key_, clock_);
  }

  static DevProviderConfig config() {
    DevProviderConfig config;
    config.issuer = kIssuer;
    config.redirect_uris = {kRedirectUri, "http://localhost:5173/cb?app=1"};
    return config;
  }

  // Runs authorize() and returns the issued code.
  std::string issue_code(const FormParams& form = login_form()) {
    auto redirect = provider_->authorize(form);
    if (!redirect) throw std::runtime_error("authorize failed");
    return query_param(*redirect, "code");
  }

  JwtVerifier id_token_verifier() const {
    auto keys = JwkSet::from_json(provider_->jwks());
    if (!keys) throw std::runtime_error("provider JWKS did not parse");
    JwtVerifierConfig verifier_config;
    verifier_config.issuer = kIssuer;
    verifier_config.audiences = {"satchel-web"};
    return JwtVerifier(verifier_config,
                       make_key_lookup(std::make_shared<const JwkSet>(std::move(*keys))), clock_);
  }

  ManualClock clock_;
  std::shared_ptr<const SigningKey> key_;
  std::unique_ptr<DevProvider> provider_;
};

// ---- Discovery and keys ---------------------------------------------------

TEST(DiscoveryDocument, ListsEndpointsAndCapabilities) {
  const json document = discovery_document(kIssuer);
  EXPECT_EQ(document.at("issuer"), kIssuer);
  EXPECT_EQ(document.at("authorization_endpoint"), std::string(kIssuer) + "/authorize");
  EXPECT_EQ(document.at("token_endpoint"), std::string(kIssuer) + "/token");
  EXPECT_EQ(document.at("jwks_uri"), std::string(kIssuer) + "/jwks");
  EXPECT_EQ(document.at("response_types_supported"), json::array({"code"}));
  EXPECT_EQ(document.at("grant_types_supported"), json::array({"authorization_code"}));
  EXPECT_EQ(document.at("code_challenge_methods_supported"), json::array({"S256"}));
  EXPECT_EQ(document.at("id_token_signing_alg_values_supported"), json::array({"ES256"}));
  EXPECT_EQ(document.at("subject_types_supported"), json::array({"public"}));
  EXPECT_EQ(document.at("token_endpoint_auth_methods_supported"), json::array({"none"}));
  EXPECT_EQ(document.at("scopes_supported"), json::array({"openid"}));
}

TEST_F(DevProviderTest, PublishesSigningKeyInJwks) {
  const json jwks = provider_->jwks();
  ASSERT_EQ(jwks.at("keys").size(), 1u);
  EXPECT_EQ(jwks.at("keys").at(0).at("kid"), key_->kid());
  EXPECT_EQ(jwks.at("keys").at(0).at("alg"), "ES256");
  EXPECT_FALSE(jwks.at("keys").at(0).contains("d"));
}

TEST(Pkce, S256MatchesRfc7636AppendixB) {
  EXPECT_EQ(pkce_s256_challenge(kRfc7636Verifier), kRfc7636Challenge);
}

// ---- The whole code flow --------------------------------------------------

TEST_F(DevProviderTest, CompletesCodeFlowWithPkce) {
  auto request = provider_->check_authorization_request(authorization_request());
  ASSERT_TRUE(request.has_value());
  auto page = provider_->login_page_html(authorization_request());
  ASSERT_TRUE(page.has_value());

  auto redirect = provider_->authorize(login_form());
  ASSERT_TRUE(redirect.has_value());
  EXPECT_TRUE(redirect->starts_with(std::string(kRedirectUri) + "?code="));
  EXPECT_EQ(query_param(*redirect, "state"), "af0ifjsldkj");
  const std::string code = query_param(*redirect, "code");
  EXPECT_EQ(base64url_decode(code)->size(), 32u);

  auto response = provider_->exchange_code(token_request(code));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->at("token_type"), "Bearer");
  EXPECT_EQ(response->at("expires_in"), 15 * 60);
  EXPECT_EQ(response->at("access_token"), response->at("id_token"));

  auto verified = id_token_verifier().verify(response->at("id_token").get<std::string>());
  ASSERT_TRUE(verified.has_value()) << token_error_reason(verified.error());
  EXPECT_EQ(verified->subject, "ada");
  EXPECT_EQ(verified->tenant, "acme");
  EXPECT_EQ(verified->roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(verified->claims.at("aud"), "satchel-web");
  EXPECT_EQ(verified->claims.at("nonce"), "n-0S6_WzA2Mj");
  EXPECT_EQ(verified->claims.at("iat"), kStart);
  EXPECT_EQ(verified->claims.at("exp"), kStart + 15 * 60);
}

TEST_F(DevProviderTest, IssuesNoRolesWithoutAdminBox) {
  const std::string code = issue_code(login_form("bob", "acme", /*admin=*/false));
  auto response = provider_->exchange_code(token_request(code));
  ASSERT_TRUE(response.has_value());
  auto verified = id_token_verifier().verify(response->at("id_token").get<std::string>());
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->roles.empty());
  EXPECT_EQ(verified->claims.at("roles"), json::array());
}

TEST_F(DevProviderTest, OmitsNonceAndStateWhenAbsent) {
  FormParams form = login_form();
  form.erase("nonce");
  form.erase("state");
  auto redirect = provider_->authorize(form);
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->find("state="), std::string::npos);
  auto response = provider_->exchange_code(token_request(query_param(*redirect, "code")));
  ASSERT_TRUE(response.has_value());
  auto verified = id_token_verifier().verify(response->at("id_token").get<std::string>());
  ASSERT_TRUE(verified.has_value());
  EXPECT_FALSE(verified->claims.contains("nonce"));
}

TEST_F(DevProviderTest, KeepsExistingQueryOfRedirectUri) {
  FormParams form = login_form();
  form["redirect_uri"] = "http://localhost:5173/cb?app=1";
  auto redirect = provider_->authorize(form);
  ASSERT_TRUE(redirect.has_value());
  EXPECT_TRUE(redirect->starts_with("http://localhost:5173/cb?app=1&code="));
}

TEST_F(DevProviderTest, UsesConfiguredIdTokenTtl) {
  DevProviderConfig short_lived = config();
  short_lived.id_token_ttl = std::chrono::minutes{2};
  DevProvider provider(short_lived, key_, clock_);
  auto redirect = provider.authorize(login_form());
  ASSERT_TRUE(redirect.has_value());
  auto response = provider.exchange_code(token_request(query_param(*redirect, "code")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->at("expires_in"), 120);
  auto decoded = decode_jwt(response->at("id_token").get<std::string>());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->claims.at("exp").get<int64_t>() - decoded->claims.at("iat").get<int64_t>(),
            120);
}

// ---- Token endpoint failures ----------------------------------------------

TEST_F(DevProviderTest, RejectsWrongVerifier) {
  const std::string code = issue_code();
  auto response = provider_->exchange_code(token_request(code, std::string(43, 'a')));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, WrongVerifierUsesUpCode) {
  const std::string code = issue_code();
  ASSERT_FALSE(provider_->exchange_code(token_request(code, std::string(43, 'a'))).has_value());
  auto retry = provider_->exchange_code(token_request(code));
  ASSERT_FALSE(retry.has_value());
  EXPECT_EQ(retry.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, RejectsReusedCode) {
  const std::string code = issue_code();
  ASSERT_TRUE(provider_->exchange_code(token_request(code)).has_value());
  auto second = provider_->exchange_code(token_request(code));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, RejectsExpiredCode) {
  const std::string code = issue_code();
  clock_.advance(std::chrono::seconds{60});
  auto response = provider_->exchange_code(token_request(code));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, AcceptsCodeJustBeforeExpiry) {
  const std::string code = issue_code();
  clock_.advance(std::chrono::seconds{59});
  EXPECT_TRUE(provider_->exchange_code(token_request(code)).has_value());
}

TEST_F(DevProviderTest, RejectsCodeWithOtherRedirectUri) {
  const std::string code = issue_code();
  FormParams request = token_request(code);
  request["redirect_uri"] = "http://localhost:5173/cb?app=1";
  auto response = provider_->exchange_code(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, RejectsUnknownClientAtTokenEndpoint) {
  const std::string code = issue_code();
  FormParams request = token_request(code);
  request["client_id"] = "other";
  auto response = provider_->exchange_code(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kInvalidClient);
  EXPECT_EQ(token_endpoint_error_status(response.error()), 401);
}

TEST_F(DevProviderTest, RejectsUnknownCode) {
  auto response = provider_->exchange_code(token_request(random_token(32)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kInvalidGrant);
}

TEST_F(DevProviderTest, RejectsUnsupportedGrantType) {
  FormParams request = token_request(issue_code());
  request["grant_type"] = "client_credentials";
  auto response = provider_->exchange_code(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error(), TokenEndpointError::kUnsupportedGrantType);
  EXPECT_EQ(token_endpoint_error_body(response.error()),
            (json{{"error", "unsupported_grant_type"}}));
}

TEST_F(DevProviderTest, RejectsMissingTokenParameters) {
  for (const char* name : {"grant_type", "code", "redirect_uri", "client_id", "code_verifier"}) {
    FormParams request = token_request(issue_code());
    request.erase(name);
    auto response = provider_->exchange_code(request);
    ASSERT_FALSE(response.has_value()) << name;
    EXPECT_EQ(response.error(), TokenEndpointError::kInvalidRequest) << name;
    EXPECT_EQ(token_endpoint_error_status(response.error()), 400) << name;
  }
}

TEST_F(DevProviderTest, FailedTokenRequestStillUsesUpCode) {
  const std::string code = issue_code();
  FormParams request = token_request(code);
  request["grant_type"] = "password";
  ASSERT_FALSE(provider_->exchange_code(request).has_value());
  EXPECT_EQ(provider_->pending_code_count(), 0u);
}

// ---- Authorization request checks -----------------------------------------

TEST_F(DevProviderTest, RejectsUnknownRedirectUri) {
  FormParams form = login_form();
  form["redirect_uri"] = "http://127.0.0.1:8080/callback/";
  auto redirect = provider_->authorize(form);
  ASSERT_FALSE(redirect.has_value());
  EXPECT_EQ(redirect.error(), AuthorizeError::kInvalidRedirectUri);
  EXPECT_FALSE(is_redirectable(redirect.error()));
  EXPECT_FALSE(provider_->error_redirect_url(form, redirect.error()).has_value());
}

TEST_F(DevProviderTest, RejectsUnknownClient) {
  FormParams form = authorization_request();
  form["client_id"] = "other-app";
  auto request = provider_->check_authorization_request(form);
  ASSERT_FALSE(request.has_value());
  EXPECT_EQ(request.error(), AuthorizeError::kInvalidClient);
  EXPECT_FALSE(is_redirectable(request.error()));
}

TEST_F(DevProviderTest, RejectsImplicitFlow) {
  FormParams form = authorization_request();
  form["response_type"] = "token";
  auto request = provider_->check_authorization_request(form);
  ASSERT_FALSE(request.has_value());
  EXPECT_EQ(request.error(), AuthorizeError::kUnsupportedResponseType);
  auto redirect = provider_->error_redirect_url(form, request.error());
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(*redirect,
            std::string(kRedirectUri) + "?error=unsupported_response_type&state=af0ifjsldkj");
}

TEST_F(DevProviderTest, RejectsPlainOrMissingChallengeMethod) {
  for (const char* method : {"plain", "s256", ""}) {
    FormParams form = authorization_request();
    form["code_challenge_method"] = method;
    auto request = provider_->check_authorization_request(form);
    ASSERT_FALSE(request.has_value()) << method;
    EXPECT_EQ(request.error(), AuthorizeError::kInvalidRequest) << method;
  }
  FormParams form = authorization_request();
  form.erase("code_challenge_method");
  EXPECT_FALSE(provider_->check_authorization_request(form).has_value());
}

TEST_F(DevProviderTest, ChecksChallengeLengthAndAlphabet) {
  const std::vector<std::pair<std::string, bool>> cases = {{std::string(42, 'a'), false},
                                                           {std::string(43, 'a'), true},
                                                           {std::string(128, 'a'), true},
                                                           {std::string(129, 'a'), false},
                                                           {std::string(42, 'a') + "+", false},
                                                           {std::string(42, 'a') + "~", true},
                                                           {"", false}};
  for (const auto& [challenge, valid] : cases) {
    FormParams form = authorization_request();
    form["code_challenge"] = challenge;
    EXPECT_EQ(provider_->check_authorization_request(form).has_value(), valid) << challenge;
  }
}

TEST_F(DevProviderTest, RejectsStateWithControlCharacters) {
  FormParams form = authorization_request();
  form["state"] = "abc\ndef";
  auto request = provider_->check_authorization_request(form);
  ASSERT_FALSE(request.has_value());
  EXPECT_EQ(request.error(), AuthorizeError::kInvalidRequest);
}

TEST_F(DevProviderTest, ValidatesIdentityNames) {
  const std::vector<std::pair<std::string, bool>> cases = {{"ada", true},
                                                           {"Ada.L_9-x", true},
                                                           {std::string(64, 'u'), true},
                                                           {"", false},
                                                           {".", false},
                                                           {"..", false},
                                                           {"...", true},
                                                           {std::string(65, 'u'), false},
                                                           {"a/b", false},
                                                           {"a b", false},
                                                           {"caf\xc3\xa9", false},
                                                           {"a\\b", false},
                                                           {"a%2fb", false}};
  for (const auto& [name, valid] : cases) {
    EXPECT_EQ(is_valid_identity_name(name), valid) << name;
    auto as_user = provider_->authorize(login_form(name, "acme"));
    EXPECT_EQ(as_user.has_value(), valid) << name;
    auto as_tenant = provider_->authorize(login_form("ada", name));
    EXPECT_EQ(as_tenant.has_value(), valid) << name;
    if (!valid) {
      EXPECT_EQ(as_user.error(), AuthorizeError::kInvalidIdentity) << name;
    }
  }
}

TEST(CheckIdentity, SetsAdminOnlyForCheckboxValueOn) {
  FormParams form = {{"user", "ada"}, {"tenant", "acme"}, {"admin", "on"}};
  auto checked = check_identity(form);
  ASSERT_TRUE(checked.has_value());
  EXPECT_TRUE(checked->admin);
  form["admin"] = "yes";
  checked = check_identity(form);
  ASSERT_TRUE(checked.has_value());
  EXPECT_FALSE(checked->admin);
  form.erase("admin");
  checked = check_identity(form);
  ASSERT_TRUE(checked.has_value());
  EXPECT_FALSE(checked->admin);
}

TEST_F(DevProviderTest, LimitsPendingCodes) {
  DevProviderConfig small = config();
  small.max_pending_codes = 2;
  DevProvider provider(small, key_, clock_);
  ASSERT_TRUE(provider.authorize(login_form()).has_value());
  ASSERT_TRUE(provider.authorize(login_form()).has_value());
  auto third = provider.authorize(login_form());
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error(), AuthorizeError::kTemporarilyUnavailable);

  // Expired codes are purged on the next authorization.
  clock_.advance(std::chrono::seconds{61});
  EXPECT_TRUE(provider.authorize(login_form()).has_value());
  EXPECT_EQ(provider.pending_code_count(), 1u);
}

// ---- Login page -----------------------------------------------------------

TEST_F(DevProviderTest, LoginPageCarriesRequestAsHiddenFields) {
  auto page = provider_->login_page_html(authorization_request());
  ASSERT_TRUE(page.has_value());
  EXPECT_NE(page->find(R"(<form method="post" action="http://127.0.0.1:8080/dev/authorize">)"),
            std::string::npos);
  for (const auto& [name, value] : authorization_request()) {
    const std::string field =
        "<input type=\"hidden\" name=\"" + name + "\" value=\"" + value + "\">";
    EXPECT_NE(page->find(field), std::string::npos) << name;
  }
  EXPECT_NE(page->find(R"(name="user")"), std::string::npos);
  EXPECT_NE(page->find(R"(name="tenant")"), std::string::npos);
  EXPECT_NE(page->find(R"(type="checkbox" name="admin")"), std::string::npos);
}

TEST_F(DevProviderTest, LoginPageHasNoScriptOrExternalResource) {
  auto page = provider_->login_page_html(authorization_request());
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->find("<script"), std::string::npos);
  EXPECT_EQ(page->find("<link"), std::string::npos);
  EXPECT_EQ(page->find(" src="), std::string::npos);
  EXPECT_EQ(page->find("url("), std::string::npos);
  EXPECT_EQ(page->find("@import"), std::string::npos);
}

TEST_F(DevProviderTest, LoginPageEscapesValues) {
  FormParams params = authorization_request();
  params["state"] = R"("><script>alert('x')</script>)";
  params["user"] = "<b>";
  auto page = provider_->login_page_html(params, "Bad & <wrong>");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->find("<script"), std::string::npos);
  EXPECT_NE(page->find("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(page->find(R"(value="&lt;b&gt;")"), std::string::npos);
  EXPECT_NE(page->find("Bad &amp; &lt;wrong&gt;"), std::string::npos);
}

TEST_F(DevProviderTest, LoginPageRejectsInvalidRequest) {
  FormParams params = authorization_request();
  params["redirect_uri"] = "https://evil.example/";
  auto page = provider_->login_page_html(params);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error(), AuthorizeError::kInvalidRedirectUri);
}

TEST_F(DevProviderTest, ContentSecurityPolicyAllowsOnlyInlineStyle) {
  const std::string policy = login_page_content_security_policy();
  EXPECT_TRUE(policy.starts_with("default-src 'none'; style-src 'sha256-"));
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(policy.find("script-src"), std::string::npos);
}

// ---- Form parsing ---------------------------------------------------------

TEST(ParseForm, DecodesPlusAndPercentEscapes) {
  auto params = parse_form("a=1&redirect_uri=http%3A%2F%2Fx%2Fcb&name=Ada+L&empty=&flag");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->at("a"), "1");
  EXPECT_EQ(params->at("redirect_uri"), "http://x/cb");
  EXPECT_EQ(params->at("name"), "Ada L");
  EXPECT_EQ(params->at("empty"), "");
  EXPECT_EQ(params->at("flag"), "");
}

TEST(ParseForm, RejectsRepeatedName) { EXPECT_FALSE(parse_form("code=a&code=b").has_value()); }

TEST(ParseForm, RejectsMalformedEscape) { EXPECT_FALSE(parse_form("code=%zz").has_value()); }

TEST(ParseForm, AcceptsEmptyInput) {
  auto params = parse_form("");
  ASSERT_TRUE(params.has_value());
  EXPECT_TRUE(params->empty());
}

}  // namespace
}  // namespace satchel::auth
