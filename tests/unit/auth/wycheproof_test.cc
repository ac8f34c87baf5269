// Project Wycheproof vectors run through the product's verification paths.
#include <gtest/gtest.h>

#include <map>

#include "auth/jwt_verifier.h"
#include "common/time_format.h"
#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
using testing::b64u;
using testing::load_vector;
using testing::unhex;

// Returns the P-256 JWK of a Wycheproof group. A few groups give only the SEC 1
// uncompressed point.
json p256_jwk(const json& group) {
  if (group.contains("publicKeyJwk")) return group.at("publicKeyJwk");
  const std::string point = unhex(group.at("publicKey").at("uncompressed").get<std::string>());
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", base64url_encode(point.substr(1, 32))},
          {"y", base64url_encode(point.substr(33, 32))}};
}

TEST(Wycheproof, EcdsaP256Sha256P1363ThroughEs256Path) {
  const json file = load_vector("wycheproof/testvectors_v1/ecdsa_secp256r1_sha256_p1363_test.json");
  size_t checked = 0;
  size_t accepted = 0;
  for (const json& group : file.at("testGroups")) {
    auto key = Jwk::from_json(p256_jwk(group));
    ASSERT_TRUE(key.has_value()) << jwk_error_reason(key.error());
    for (const json& test : group.at("tests")) {
      const bool expected_valid = test.at("result") == "valid";
      const bool verified =
          verify_jws_signature(JwsAlgorithm::kEs256, *key, unhex(test.at("msg").get<std::string>()),
                               unhex(test.at("sig").get<std::string>()))
              .has_value();
      EXPECT_EQ(verified, expected_valid)
          << "tcId " << test.at("tcId") << ": " << test.at("comment").get<std::string>();
      ++checked;
      if (verified) ++accepted;
    }
  }
  EXPECT_EQ(checked, 262u);
  EXPECT_EQ(accepted, 173u);
}

TEST(Wycheproof, Ed25519ThroughEdDsaPath) {
  const json file = load_vector("wycheproof/testvectors_v1/ed25519_test.json");
  size_t checked = 0;
  for (const json& group : file.at("testGroups")) {
    auto key = Jwk::from_json(group.at("publicKeyJwk"));
    ASSERT_TRUE(key.has_value()) << jwk_error_reason(key.error());
    for (const json& test : group.at("tests")) {
      const bool expected_valid = test.at("result") == "valid";
      const bool verified =
          verify_jws_signature(JwsAlgorithm::kEdDsa, *key, unhex(test.at("msg").get<std::string>()),
                               unhex(test.at("sig").get<std::string>()))
              .has_value();
      EXPECT_EQ(verified, expected_valid)
          << "tcId " << test.at("tcId") << ": " << test.at("comment").get<std::string>();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 151u);
}

struct Divergence {
  bool accepted;
  std::string reason;
};

// Cases of json_web_signature_test.json whose outcome here differs from the
// file's "result", each on purpose or because of the file itself.
const std::map<int, Divergence>& divergences() {
  static const auto* cases = new std::map<int, Divergence>{
      {325, {false, "PS512 is not a supported algorithm"}},
      {326, {false, "PS512 is not a supported algorithm"}},
      {327, {false, "PS512 is not a supported algorithm"}},
      {328, {false, "PS512 is not a supported algorithm"}},
      {346, {false, "header alg PS384 but the key declares alg PS256: key and header must agree"}},
      {350, {false, "header alg PS384 but the key declares alg PS256: key and header must agree"}},
      {347, {false, "ES512 on P-521 is not a supported algorithm"}},
      {351, {false, "ES512 on P-521 is not a supported algorithm"}},
      {372, {false, "a '?' inside the header part: base64url decoding is strict"}},
      {373, {false, "a '?' inside the payload part: base64url decoding is strict"}},
      // The file lists these as invalid padding, but their jws strings are
      // byte for byte the valid token of tcId 357 (the padding is not there).
      {367, {true, "same string as the valid tcId 357"}},
      {370, {true, "same string as the valid tcId 357"}},
  };
  return *cases;
}

// Builds the verifier a Wycheproof JWS group describes: its public key as
// the key set and, for a symmetric group, its "k" as the HS256 secret.
JwtVerifier group_verifier(const json& group, const Clock& clock) {
  JwtVerifierConfig config;
  config.issuer = "unused";
  config.audiences = {"unused"};
  json keys = json::array();
  if (group.contains("public")) keys.push_back(group.at("public"));
  const json& private_key = group.at("private");
  if (private_key.value("kty", "") == "oct") config.hs256_secret = Secret(b64u(private_key, "k"));
  auto set = JwkSet::from_json(json{{"keys", keys}});
  return JwtVerifier(config, make_key_lookup(std::make_shared<const JwkSet>(std::move(*set))),
                     clock);
}

TEST(Wycheproof, JsonWebSignatureThroughSignatureLayer) {
  const json file = load_vector("wycheproof/testvectors_v1/json_web_signature_test.json");
  ManualClock clock(from_unix_seconds(1'700'000'000));
  size_t checked = 0;
  size_t diverging = 0;
  for (const json& group : file.at("testGroups")) {
    const JwtVerifier verifier = group_verifier(group, clock);
    for (const json& test : group.at("tests")) {
      const int id = test.at("tcId").get<int>();
      const bool accepted =
          verifier.verify_signature(test.at("jws").get<std::string>()).has_value();
      auto divergence = divergences().find(id);
      if (divergence != divergences().end()) {
        EXPECT_EQ(accepted, divergence->second.accepted)
            << "tcId " << id << ": " << divergence->second.reason;
        ++diverging;
      } else {
        EXPECT_EQ(accepted, test.at("result") == "valid")
            << "tcId " << id << ": " << test.at("comment").get<std::string>();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 401u);
  EXPECT_EQ(diverging, divergences().size());
}

}  // namespace
}  // namespace satchel::auth
