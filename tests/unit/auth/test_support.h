// Helpers shared by the auth tests: published vectors, private JWKs and
// token construction.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "auth/jwk.h"
#include "auth/jws_algorithm.h"
#include "auth/jwt.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::auth::testing {

// Reads a JSON file under the published test vector folder.
inline nlohmann::json load_vector(const std::string& relative_path) {
  const std::string path = std::string(SATCHEL_TESTDATA_DIR) + "/" + relative_path;
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open test vector " + path);
  std::stringstream text;
  text << file.rdbuf();
  return nlohmann::json::parse(text.str());
}

inline std::string b64u(const nlohmann::json& object, const char* name) {
  auto bytes = base64url_decode(object.at(name).get<std::string>());
  if (!bytes) throw std::runtime_error(std::string("bad base64url in member ") + name);
  return *bytes;
}

inline std::string unhex(const std::string& hex) {
  auto bytes = hex_decode(hex);
  if (!bytes) throw std::runtime_error("bad hex in test vector");
  return *bytes;
}

// Builds a private EVP_PKEY from a private JWK (RSA with CRT members, EC
// P-256/P-384, OKP Ed25519). Test-only: the product never loads private JWKs.
inline UniqueEvpPkey private_key_from_jwk(const nlohmann::json& jwk) {
  struct BldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
  };
  struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  };
  struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  };
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> builder(OSSL_PARAM_BLD_new());
  std::vector<BIGNUM*> numbers;
  auto push_bn = [&](const char* param, const char* member) {
    const std::string bytes = b64u(jwk, member);
    BIGNUM* number = BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()), nullptr);
    numbers.push_back(number);
    OSSL_PARAM_BLD_push_BN(builder.get(), param, number);
  };

  std::string point;
  std::string private_bytes;
  std::string group;
  const std::string kty = jwk.at("kty").get<std::string>();
  const char* algorithm = nullptr;
  if (kty == "RSA") {
    algorithm = "RSA";
    push_bn(OSSL_PKEY_PARAM_RSA_N, "n");
    push_bn(OSSL_PKEY_PARAM_RSA_E, "e");
    push_bn(OSSL_PKEY_PARAM_RSA_D, "d");
    push_bn(OSSL_PKEY_PARAM_RSA_FACTOR1, "p");
    push_bn(OSSL_PKEY_PARAM_RSA_FACTOR2, "q");
    push_bn(OSSL_PKEY_PARAM_RSA_EXPONENT1, "dp");
    push_bn(OSSL_PKEY_PARAM_RSA_EXPONENT2, "dq");
    push_bn(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, "qi");
  } else if (kty == "EC") {
    algorithm = "EC";
    group = jwk.at("crv") == "P-256" ? "prime256v1" : "secp384r1";
    point = "\x04" + b64u(jwk, "x") + b64u(jwk, "y");
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    push_bn(OSSL_PKEY_PARAM_PRIV_KEY, "d");
  } else {
    algorithm = "ED25519";
    point = b64u(jwk, "x");
    private_bytes = b64u(jwk, "d");
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_bytes.data(),
                                     private_bytes.size());
  }

  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder.get()));
  for (BIGNUM* number : numbers) BN_free(number);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> context(
      EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(context.get()) <= 0 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
    throw std::runtime_error("cannot build private key from JWK");
  }
  return UniqueEvpPkey(key);
}

// Signs header and claims into a compact JWS.
inline std::string make_token(JwsAlgorithm algorithm, EVP_PKEY* key, const nlohmann::json& header,
                              const nlohmann::json& claims) {
  const std::string input = make_signing_input(header, claims);
  auto signature = sign_jws(algorithm, key, input);
  if (!signature) throw std::runtime_error("signing failed");
  return input + "." + base64url_encode(*signature);
}

// An HS256 compact JWS over header and claims with the given secret bytes.
inline std::string make_hs256_token(std::string_view secret, const nlohmann::json& header,
                                    const nlohmann::json& claims) {
  const std::string input = make_signing_input(header, claims);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

}  // namespace satchel::auth::testing
