#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <array>
#include <optional>
#include <unordered_set>

#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::auth {
namespace {

using nlohmann::json;

struct BnFree {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* builder) const { OSSL_PARAM_BLD_free(builder); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// RSA public exponents wider than this are rejected, as OpenSSL itself does
// for moduli over 3072 bits.
constexpr int kMaxRsaExponentBits = 64;

struct Curve {
  std::string_view jwk_name;
  const char* openssl_group;
  size_t coordinate_bytes;
};

constexpr std::array<Curve, 2> kCurves = {{
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
}};

constexpr size_t kEd25519PublicKeyBytes = 32;

const Curve* find_curve_by_jwk_name(std::string_view name) {
  for (const Curve& curve : kCurves) {
    if (curve.jwk_name == name) return &curve;
  }
  return nullptr;
}

const Curve* find_curve_by_group(std::string_view group) {
  // OpenSSL may report a group by its NIST name, which is also the JWK name.
  for (const Curve& curve : kCurves) {
    if (group == curve.openssl_group || group == curve.jwk_name) return &curve;
  }
  return nullptr;
}

// A string member: nullopt when absent, an error when present with another type.
Expected<std::optional<std::string>, JwkError> optional_string(const json& object,
                                                               const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return std::optional<std::string>{};
  if (!it->is_string()) return Unexpected(JwkError::kInvalidMember);
  return std::optional<std::string>{it->get<std::string>()};
}

// Returns the decoded bytes of a required member holding strict base64url.
Expected<std::string, JwkError> required_bytes(const json& object, const char* name) {
  auto text = optional_string(object, name);
  if (!text) return Unexpected(text.error());
  if (!text->has_value()) return Unexpected(JwkError::kMissingMember);
  auto bytes = base64url_decode(**text);
  if (!bytes || bytes->empty()) return Unexpected(JwkError::kInvalidMember);
  return std::move(*bytes);
}

UniqueBn to_bignum(std::string_view bytes) {
  return UniqueBn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()), nullptr));
}

// Runs EVP_PKEY_fromdata for a public key of the named algorithm.
Expected<UniqueEvpPkey, JwkError> key_from_params(const char* algorithm, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder));
  UniquePkeyCtx context(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) <= 0) {
    return Unexpected(JwkError::kInvalidKey);
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return Unexpected(JwkError::kInvalidKey);
  }
  return UniqueEvpPkey(raw);
}

Expected<UniqueEvpPkey, JwkError> parse_rsa(const json& object) {
  auto n = required_bytes(object, "n");
  if (!n) return Unexpected(n.error());
  auto e = required_bytes(object, "e");
  if (!e) return Unexpected(e.error());

  UniqueBn modulus = to_bignum(*n);
  UniqueBn exponent = to_bignum(*e);
  if (!modulus || !exponent) return Unexpected(JwkError::kInvalidKey);
  const int modulus_bits = BN_num_bits(modulus.get());
  if (modulus_bits < kMinRsaModulusBits) return Unexpected(JwkError::kKeyTooSmall);
  if (modulus_bits > kMaxRsaModulusBits) return Unexpected(JwkError::kInvalidKey);
  // A public exponent of 1 makes every "signature" equal its own message.
  if (BN_is_odd(modulus.get()) == 0 || BN_is_odd(exponent.get()) == 0 ||
      BN_is_one(exponent.get()) == 1 || BN_num_bits(exponent.get()) > kMaxRsaExponentBits) {
    return Unexpected(JwkError::kInvalidKey);
  }

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return Unexpected(JwkError::kInvalidKey);
  }
  return key_from_params("RSA", builder.get());
}

Expected<UniqueEvpPkey, JwkError> parse_ec(const json& object, const std::string& crv) {
  const Curve* curve = find_curve_by_jwk_name(crv);
  if (curve == nullptr) return Unexpected(JwkError::kUnsupportedCurve);
  auto x = required_bytes(object, "x");
  if (!x) return Unexpected(x.error());
  auto y = required_bytes(object, "y");
  if (!y) return Unexpected(y.error());
  // RFC 7518 section 6.2.1.2: coordinates are the full size of the field.
  if (x->size() != curve->coordinate_bytes || y->size() != curve->coordinate_bytes) {
    return Unexpected(JwkError::kInvalidMember);
  }

  // SEC 1 uncompressed point: 0x04 || x || y.
  std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      curve->openssl_group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Unexpected(JwkError::kInvalidKey);
  }
  auto key = key_from_params("EC", builder.get());
  if (!key) return key;

  // Full public key validation: on the curve, not the point at infinity, and
  // of the group's order.
  UniquePkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return Unexpected(JwkError::kInvalidKey);
  }
  return key;
}

Expected<UniqueEvpPkey, JwkError> parse_okp(const json& object, const std::string& crv) {
  if (crv != "Ed25519") return Unexpected(JwkError::kUnsupportedCurve);
  auto x = required_bytes(object, "x");
  if (!x) return Unexpected(x.error());
  if (x->size() != kEd25519PublicKeyBytes) return Unexpected(JwkError::kInvalidMember);

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                   x->data(), x->size()) != 1) {
    return Unexpected(JwkError::kInvalidKey);
  }
  return key_from_params("ED25519", builder.get());
}

std::string bignum_to_base64url(const BIGNUM* number, int width_bytes) {
  std::string bytes(width_bytes > 0 ? width_bytes : BN_num_bytes(number), '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  if (width_bytes > 0) {
    BN_bn2binpad(number, out, width_bytes);
  } else {
    BN_bn2bin(number, out);
  }
  return base64url_encode(bytes);
}

Expected<std::string, JwkError> bignum_param(const EVP_PKEY* key, const char* name,
                                             int width_bytes) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return Unexpected(JwkError::kInvalidKey);
  UniqueBn number(raw);
  return bignum_to_base64url(number.get(), width_bytes);
}

Expected<json, JwkError> export_rsa(const EVP_PKEY* key) {
  auto n = bignum_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
  if (!n) return Unexpected(n.error());
  auto e = bignum_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
  if (!e) return Unexpected(e.error());
  return json{{"kty", "RSA"}, {"n", *n}, {"e", *e}};
}

Expected<json, JwkError> export_ec(const EVP_PKEY* key) {
  std::array<char, 64> group{};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     nullptr) != 1) {
    return Unexpected(JwkError::kInvalidKey);
  }
  const Curve* curve = find_curve_by_group(group.data());
  if (curve == nullptr) return Unexpected(JwkError::kUnsupportedCurve);
  const int width = static_cast<int>(curve->coordinate_bytes);
  auto x = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, width);
  if (!x) return Unexpected(x.error());
  auto y = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, width);
  if (!y) return Unexpected(y.error());
  return json{{"kty", "EC"}, {"crv", std::string(curve->jwk_name)}, {"x", *x}, {"y", *y}};
}

Expected<json, JwkError> export_ed25519(const EVP_PKEY* key) {
  std::array<unsigned char, kEd25519PublicKeyBytes> raw{};
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    return Unexpected(JwkError::kInvalidKey);
  }
  return json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", base64url_encode(as_chars(raw))}};
}

// The RFC 7638 required members of a public key, which fully describe it.
Expected<json, JwkError> export_public_members(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA") == 1) return export_rsa(key);
  if (EVP_PKEY_is_a(key, "EC") == 1) return export_ec(key);
  if (EVP_PKEY_is_a(key, "ED25519") == 1) return export_ed25519(key);
  return Unexpected(JwkError::kUnsupportedKeyType);
}

Expected<std::vector<std::string>, JwkError> parse_key_ops(const json& object) {
  std::vector<std::string> operations;
  auto it = object.find("key_ops");
  if (it == object.end()) return operations;
  if (!it->is_array()) return Unexpected(JwkError::kInvalidMember);
  for (const json& operation : *it) {
    if (!operation.is_string()) return Unexpected(JwkError::kInvalidMember);
    operations.push_back(operation.get<std::string>());
  }
  return operations;
}

}  // namespace

std::string_view jwk_error_reason(JwkError error) {
  switch (error) {
    case JwkError::kNotAnObject:
      return "not_an_object";
    case JwkError::kMissingMember:
      return "missing_member";
    case JwkError::kInvalidMember:
      return "invalid_member";
    case JwkError::kUnsupportedKeyType:
      return "unsupported_key_type";
    case JwkError::kUnsupportedCurve:
      return "unsupported_curve";
    case JwkError::kKeyTooSmall:
      return "key_too_small";
    case JwkError::kInvalidKey:
      return "invalid_key";
  }
  return "unknown";
}

Expected<Jwk, JwkError> Jwk::from_json(const json& object) {
  if (!object.is_object()) return Unexpected(JwkError::kNotAnObject);
  auto kty = optional_string(object, "kty");
  auto crv = optional_string(object, "crv");
  auto kid = optional_string(object, "kid");
  auto alg = optional_string(object, "alg");
  auto use = optional_string(object, "use");
  auto key_ops = parse_key_ops(object);
  for (const auto* member : {&kty, &crv, &kid, &alg, &use}) {
    if (!*member) return Unexpected(member->error());
  }
  if (!key_ops) return Unexpected(key_ops.error());
  if (!kty->has_value()) return Unexpected(JwkError::kMissingMember);

  Jwk jwk;
  jwk.kty_ = **kty;
  jwk.crv_ = crv->value_or("");
  jwk.kid_ = kid->value_or("");
  jwk.alg_ = alg->value_or("");
  jwk.use_ = use->value_or("");
  jwk.key_ops_ = std::move(*key_ops);

  Expected<UniqueEvpPkey, JwkError> key = Unexpected(JwkError::kUnsupportedKeyType);
  if (jwk.kty_ == "RSA") {
    jwk.crv_.clear();
    key = parse_rsa(object);
  } else if (jwk.kty_ == "EC" || jwk.kty_ == "OKP") {
    if (!crv->has_value()) return Unexpected(JwkError::kMissingMember);
    key = jwk.kty_ == "EC" ? parse_ec(object, jwk.crv_) : parse_okp(object, jwk.crv_);
  }
  if (!key) return Unexpected(key.error());
  jwk.key_ = std::move(*key);
  return jwk;
}

Expected<Jwk, JwkError> Jwk::parse(std::string_view json_text) {
  json object = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return Unexpected(JwkError::kNotAnObject);
  return from_json(object);
}

Expected<Jwk, JwkError> Jwk::from_key(const EVP_PKEY* key, std::string kid, std::string alg,
                                      std::string use) {
  auto members = export_public_members(key);
  if (!members) return Unexpected(members.error());
  if (!kid.empty()) (*members)["kid"] = std::move(kid);
  if (!alg.empty()) (*members)["alg"] = std::move(alg);
  if (!use.empty()) (*members)["use"] = std::move(use);
  return from_json(*members);
}

json Jwk::required_members() const {
  auto members = export_public_members(key_.get());
  // The key was built from these same members, so exporting cannot fail.
  assert(members.has_value());
  return members ? std::move(*members) : json::object();
}

json Jwk::to_json() const {
  json object = required_members();
  if (!kid_.empty()) object["kid"] = kid_;
  if (!alg_.empty()) object["alg"] = alg_;
  if (!use_.empty()) object["use"] = use_;
  if (!key_ops_.empty()) object["key_ops"] = key_ops_;
  return object;
}

std::string Jwk::thumbprint() const { return jwk_thumbprint(required_members()); }

std::string jwk_thumbprint(const json& required_members) {
  // nlohmann::json keeps object members sorted and dump() adds no whitespace,
  // which is the RFC 7638 section 3.3 serialization for these ASCII members.
  return base64url_encode(sha256(required_members.dump()));
}

JwkSet::JwkSet(std::vector<std::shared_ptr<const Jwk>> keys) : keys_(std::move(keys)) {}

Expected<JwkSet, JwkError> JwkSet::parse(std::string_view json_text) {
  json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Unexpected(JwkError::kNotAnObject);
  return from_json(document);
}

Expected<JwkSet, JwkError> JwkSet::from_json(const json& document) {
  if (!document.is_object()) return Unexpected(JwkError::kNotAnObject);
  auto keys = document.find("keys");
  if (keys == document.end()) return Unexpected(JwkError::kMissingMember);
  if (!keys->is_array()) return Unexpected(JwkError::kInvalidMember);

  JwkSet set;
  std::unordered_set<std::string> seen_kids;
  for (const json& entry : *keys) {
    auto jwk = Jwk::from_json(entry);
    if (!jwk) {
      ++set.skipped_;
      continue;
    }
    // A repeated kid would make the key choice depend on the set's order.
    if (!jwk->kid().empty() && !seen_kids.insert(jwk->kid()).second) {
      ++set.skipped_;
      continue;
    }
    set.keys_.push_back(std::make_shared<const Jwk>(std::move(*jwk)));
  }
  return set;
}

std::shared_ptr<const Jwk> JwkSet::find(std::string_view kid) const {
  if (kid.empty()) return keys_.size() == 1 ? keys_.front() : nullptr;
  for (const auto& key : keys_) {
    if (key->kid() == kid) return key;
  }
  return nullptr;
}

json JwkSet::to_json() const {
  json keys = json::array();
  for (const auto& key : keys_) keys.push_back(key->to_json());
  return json{{"keys", std::move(keys)}};
}

}  // namespace satchel::auth
