#include "auth/issuer_config.h"

#include <gtest/gtest.h>

namespace satchel::auth {
namespace {

Expected<AuthConfig, std::string> parse(std::string_view text) {
  return parse_auth_config(toml::parse(text));
}

TEST(IssuerConfig, ParsesSeveralIssuers) {
  auto config = parse(R"(
[[auth.issuers]]
issuer = "https://login.example.com"
audiences = ["satchel"]

[[auth.issuers]]
issuer = "https://ci.example.com"
audiences = ["satchel-ci", "uploads"]
jwks_uri = "https://ci.example.com/keys"
subject_claim = "repository"
tenant_claim = "owner"
roles_claim = "realm_access.roles"
algorithms = ["RS256", "EdDSA"]
leeway_seconds = 10
)");
  ASSERT_TRUE(config.has_value()) << config.error();
  ASSERT_EQ(config->issuers.size(), 2u);
  const IssuerConfig& staff = config->issuers[0];
  EXPECT_EQ(staff.issuer, "https://login.example.com");
  EXPECT_EQ(staff.audiences, std::vector<std::string>{"satchel"});
  EXPECT_FALSE(staff.jwks_uri.has_value());
  EXPECT_EQ(staff.subject_claim, "sub");
  EXPECT_EQ(staff.tenant_claim, "org");
  EXPECT_EQ(staff.roles_claim, "roles");
  EXPECT_EQ(staff.algorithms, kAsymmetricAlgorithms);
  const IssuerConfig& ci = config->issuers[1];
  EXPECT_EQ(ci.jwks_uri, "https://ci.example.com/keys");
  EXPECT_EQ(ci.subject_claim, "repository");
  EXPECT_EQ(ci.tenant_claim, "owner");
  EXPECT_EQ(ci.roles_claim, "realm_access.roles");
  EXPECT_EQ(ci.algorithms, (std::vector{JwsAlgorithm::kRs256, JwsAlgorithm::kEdDsa}));
  EXPECT_EQ(ci.leeway, std::chrono::seconds{10});
}

TEST(IssuerConfig, MissingAuthTableMeansNoIssuers) {
  auto config = parse("[server]\nlisten = \"127.0.0.1:8080\"\n");
  ASSERT_TRUE(config.has_value());
  EXPECT_TRUE(config->issuers.empty());
}

TEST(IssuerConfig, ReadsCacheSettings) {
  auto config = parse(R"(
[auth.jwks_cache]
min_lifetime_seconds = 30
max_lifetime_seconds = 7200
refetch_interval_seconds = 10
fetch_timeout_seconds = 2
)");
  ASSERT_TRUE(config.has_value()) << config.error();
  EXPECT_EQ(config->jwks_cache.min_lifetime, std::chrono::seconds{30});
  EXPECT_EQ(config->jwks_cache.max_lifetime, std::chrono::seconds{7200});
  EXPECT_EQ(config->jwks_cache.refetch_interval, std::chrono::seconds{10});
  EXPECT_EQ(config->fetch_timeout, std::chrono::seconds{2});
}

TEST(IssuerConfig, UnknownKeyNamesKeyAndLine) {
  auto config = parse(R"(
[[auth.issuers]]
issuer = "https://login.example.com"
audiences = ["satchel"]
audience = "typo"
)");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error(), "auth.issuers[1].audience (line 5): unknown key");
}

TEST(IssuerConfig, RejectsEmptyAudiences) {
  auto config = parse("[[auth.issuers]]\nissuer = \"https://a.example\"\naudiences = []\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error(),
            "auth.issuers[1].audiences (line 3): expected a non-empty array of strings");
}

TEST(IssuerConfig, RejectsMissingAudiences) {
  auto config = parse("[[auth.issuers]]\nissuer = \"https://a.example\"\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("auth.issuers[1].audiences"), std::string::npos);
}

TEST(IssuerConfig, RejectsIssuerThatIsNotUrl) {
  auto config = parse("[[auth.issuers]]\nissuer = \"login\"\naudiences = [\"a\"]\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("auth.issuers[1].issuer"), std::string::npos);
}

TEST(IssuerConfig, RejectsRepeatedIssuer) {
  auto config = parse(R"(
[[auth.issuers]]
issuer = "https://a.example"
audiences = ["x"]
[[auth.issuers]]
issuer = "https://a.example"
audiences = ["y"]
)");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("listed twice"), std::string::npos);
}

TEST(IssuerConfig, RejectsShortSharedSecret) {
  auto config = parse(
      "[[auth.issuers]]\nissuer = \"https://a.example\"\naudiences = [\"x\"]\n"
      "hs256_secret = \"short\"\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error(),
            "auth.issuers[1].hs256_secret (line 4): the HS256 shared secret is shorter than 32 "
            "bytes");
}

TEST(IssuerConfig, RejectsPublicKeyAsSharedSecret) {
  auto config = parse(
      "[[auth.issuers]]\nissuer = \"https://a.example\"\naudiences = [\"x\"]\n"
      "hs256_secret = \"-----BEGIN PUBLIC "
      "KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("is a public key"), std::string::npos);
}

TEST(IssuerConfig, AcceptsSharedSecretAndEnablesHs256) {
  auto config = parse(
      "[[auth.issuers]]\nissuer = \"https://a.example\"\naudiences = [\"x\"]\n"
      "hs256_secret = \"0123456789abcdef0123456789abcdef\"\n");
  ASSERT_TRUE(config.has_value()) << config.error();
  JwtVerifierConfig verifier = make_verifier_config(config->issuers[0]);
  ASSERT_TRUE(verifier.hs256_secret.has_value());
  EXPECT_EQ(verifier.hs256_secret->reveal(), "0123456789abcdef0123456789abcdef");
}

TEST(IssuerConfig, RejectsHs256InAlgorithms) {
  auto config = parse(
      "[[auth.issuers]]\nissuer = \"https://a.example\"\naudiences = [\"x\"]\n"
      "algorithms = [\"HS256\"]\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("auth.issuers[1].algorithms (line 4)"), std::string::npos);
}

TEST(IssuerConfig, RejectsFloorAboveCeiling) {
  auto config = parse("[auth.jwks_cache]\nmin_lifetime_seconds = 600\nmax_lifetime_seconds = 60\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().find("min_lifetime_seconds"), std::string::npos);
}

}  // namespace
}  // namespace satchel::auth
