#include "auth/jwk.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
using testing::load_vector;

json rfc7515_case(const std::string& id) {
  const json file = load_vector("jose/rfc7515/rfc7515-appendix-a.json");
  for (const json& item : file.at("cases")) {
    if (item.at("id") == id) return item;
  }
  throw std::runtime_error("no RFC 7515 case " + id);
}

json wycheproof_key_group(const std::string& comment) {
  const json file = load_vector("wycheproof/testvectors_v1/json_web_key_test.json");
  for (const json& group : file.at("testGroups")) {
    if (group.at("comment") == comment) return group;
  }
  throw std::runtime_error("no Wycheproof key group " + comment);
}

TEST(Jwk, ParsesRsaPublicKey) {
  auto jwk = Jwk::from_json(rfc7515_case("A.2").at("public_jwk"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->kty(), "RSA");
  EXPECT_EQ(jwk->bits(), 2048);
  EXPECT_TRUE(EVP_PKEY_is_a(jwk->key(), "RSA"));
}

TEST(Jwk, ParsesEcP256PublicKey) {
  auto jwk = Jwk::from_json(rfc7515_case("A.3").at("public_jwk"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->kty(), "EC");
  EXPECT_EQ(jwk->crv(), "P-256");
  EXPECT_EQ(jwk->bits(), 256);
}

TEST(Jwk, ParsesEd25519PublicKey) {
  auto jwk =
      Jwk::from_json(load_vector("jose/rfc8037/rfc8037-appendix-a.json").at("A.2_public_key"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->kty(), "OKP");
  EXPECT_EQ(jwk->crv(), "Ed25519");
  EXPECT_TRUE(EVP_PKEY_is_a(jwk->key(), "ED25519"));
}

TEST(Jwk, KeepsMetadataMembers) {
  json object =
      load_vector("jose/ietf-jose-cookbook/jws/4_1.rsa_v15_signature.json").at("input").at("key");
  object["alg"] = "RS256";
  object["key_ops"] = {"verify"};
  auto jwk = Jwk::from_json(object);
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->kid(), "bilbo.baggins@hobbiton.example");
  EXPECT_EQ(jwk->use(), "sig");
  EXPECT_EQ(jwk->alg(), "RS256");
  EXPECT_EQ(jwk->key_ops(), std::vector<std::string>{"verify"});
}

TEST(Jwk, IgnoresPrivateMembers) {
  auto jwk = Jwk::from_json(rfc7515_case("A.3").at("private_jwk"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_FALSE(jwk->to_json().contains("d"));
}

TEST(Jwk, RejectsRsaKeyUnder2048Bits) {
  const json group = wycheproof_key_group("keysize_too_small");
  auto jwk = Jwk::from_json(group.at("public").at("keys").at(0));
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kKeyTooSmall);
}

TEST(Jwk, RejectsRsaPublicExponentOne) {
  const json group = wycheproof_key_group("exponentOne");
  auto jwk = Jwk::from_json(group.at("public").at("keys").at(0));
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidKey);
}

TEST(Jwk, RejectsEcPointOffTheCurve) {
  json object = rfc7515_case("A.3").at("public_jwk");
  std::string y = *base64url_decode(object.at("y").get<std::string>());
  y.back() ^= 0x01;
  object["y"] = base64url_encode(y);
  auto jwk = Jwk::from_json(object);
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidKey);
}

TEST(Jwk, RejectsWycheproofInvalidPoint) {
  const json group = wycheproof_key_group("invalid_point");
  auto jwk = Jwk::from_json(group.at("public").at("keys").at(0));
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidKey);
}

TEST(Jwk, RejectsShortEcCoordinate) {
  json object = rfc7515_case("A.3").at("public_jwk");
  std::string x = *base64url_decode(object.at("x").get<std::string>());
  object["x"] = base64url_encode(x.substr(1));
  auto jwk = Jwk::from_json(object);
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidMember);
}

TEST(Jwk, RejectsPaddedBase64url) {
  json object = rfc7515_case("A.2").at("public_jwk");
  object["e"] = "AQAB=";
  auto jwk = Jwk::from_json(object);
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidMember);
}

TEST(Jwk, RejectsP521AsUnsupportedCurve) {
  auto jwk = Jwk::from_json(rfc7515_case("A.4").at("public_jwk"));
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kUnsupportedCurve);
}

TEST(Jwk, RejectsSymmetricKey) {
  auto jwk = Jwk::from_json(rfc7515_case("A.1").at("public_jwk"));
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kUnsupportedKeyType);
}

TEST(Jwk, RejectsMissingModulus) {
  json object = rfc7515_case("A.2").at("public_jwk");
  object.erase("n");
  auto jwk = Jwk::from_json(object);
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kMissingMember);
}

TEST(Jwk, RejectsNonStringKid) {
  json object = rfc7515_case("A.3").at("public_jwk");
  object["kid"] = 7;
  auto jwk = Jwk::from_json(object);
  ASSERT_FALSE(jwk.has_value());
  EXPECT_EQ(jwk.error(), JwkError::kInvalidMember);
}

TEST(JwkThumbprint, MatchesRfc7638Example) {
  const json vector = load_vector("jose/rfc7638/rfc7638-section-3.1.json");
  auto jwk = Jwk::from_json(vector.at("jwk"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->thumbprint(), vector.at("sha256_b64u").get<std::string>());
}

TEST(JwkThumbprint, MatchesRfc8037Ed25519Example) {
  const json vector = load_vector("jose/rfc8037/rfc8037-appendix-a.json");
  auto jwk = Jwk::from_json(vector.at("A.2_public_key"));
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(jwk->thumbprint(), vector.at("A.3_thumbprint").at("sha256_b64u").get<std::string>());
}

TEST(JwkThumbprint, HashesRfc7638SerializedInput) {
  const json vector = load_vector("jose/rfc7638/rfc7638-section-3.1.json");
  const json members = json::parse(vector.at("thumbprint_input").get<std::string>());
  EXPECT_EQ(members.dump(), vector.at("thumbprint_input").get<std::string>());
  EXPECT_EQ(jwk_thumbprint(members), vector.at("sha256_b64u").get<std::string>());
}

TEST(Jwk, FromKeyRoundTripsPublicMembers) {
  auto original = Jwk::from_json(rfc7515_case("A.3").at("public_jwk"));
  ASSERT_TRUE(original.has_value());
  auto copy = Jwk::from_key(original->key(), "k1", "ES256");
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->to_json().at("x"), rfc7515_case("A.3").at("public_jwk").at("x"));
  EXPECT_EQ(copy->to_json().at("y"), rfc7515_case("A.3").at("public_jwk").at("y"));
  EXPECT_EQ(copy->kid(), "k1");
  EXPECT_EQ(copy->alg(), "ES256");
  EXPECT_EQ(copy->use(), "sig");
}

TEST(JwkSet, ParsesRfc7517PublicSet) {
  auto set = JwkSet::from_json(
      load_vector("jose/rfc7517/rfc7517-appendix-a-b.json").at("A.1_public_keys"));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->keys().size(), 2u);
  EXPECT_EQ(set->skipped(), 0u);
  ASSERT_NE(set->find("1"), nullptr);
  EXPECT_EQ(set->find("1")->kty(), "EC");
  ASSERT_NE(set->find("2011-04-29"), nullptr);
  EXPECT_EQ(set->find("2011-04-29")->kty(), "RSA");
}

TEST(JwkSet, SkipsUnknownKeyTypesAndBrokenEntries) {
  json document = load_vector("jose/rfc7517/rfc7517-appendix-a-b.json").at("A.1_public_keys");
  document["keys"].push_back({{"kty", "oct"}, {"k", "AyM1"}});
  document["keys"].push_back({{"kty", "XYZ"}, {"kid", "future"}});
  document["keys"].push_back({{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}});
  document["keys"].push_back("not an object");
  auto set = JwkSet::from_json(document);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->keys().size(), 2u);
  EXPECT_EQ(set->skipped(), 4u);
}

TEST(JwkSet, SkipsDuplicateKid) {
  json document = load_vector("jose/rfc7517/rfc7517-appendix-a-b.json").at("A.1_public_keys");
  json duplicate = document["keys"][1];
  duplicate["kid"] = "1";
  document["keys"].push_back(duplicate);
  auto set = JwkSet::from_json(document);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->skipped(), 1u);
  ASSERT_NE(set->find("1"), nullptr);
  EXPECT_EQ(set->find("1")->kty(), "EC");
}

TEST(JwkSet, RejectsDocumentWithoutKeysArray) {
  auto missing = JwkSet::parse(R"({"key": []})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), JwkError::kMissingMember);
  auto wrong_type = JwkSet::parse(R"({"keys": {}})");
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_EQ(wrong_type.error(), JwkError::kInvalidMember);
  auto not_json = JwkSet::parse("{");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error(), JwkError::kNotAnObject);
}

TEST(JwkSet, EmptyKidMatchesOnlyASingleKey) {
  auto two = JwkSet::from_json(
      load_vector("jose/rfc7517/rfc7517-appendix-a-b.json").at("A.1_public_keys"));
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->find(""), nullptr);

  json one = {{"keys", {rfc7515_case("A.3").at("public_jwk")}}};
  auto single = JwkSet::from_json(one);
  ASSERT_TRUE(single.has_value());
  EXPECT_NE(single->find(""), nullptr);
}

TEST(JwkSet, UnknownKidIsNotFound) {
  auto set = JwkSet::from_json(
      load_vector("jose/rfc7517/rfc7517-appendix-a-b.json").at("A.1_public_keys"));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->find("no-such-kid"), nullptr);
}

}  // namespace
}  // namespace satchel::auth
