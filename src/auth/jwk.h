// JSON Web Keys (RFC 7517) for signature verification: RSA, EC P-256/P-384
// and OKP Ed25519 public keys, turned into OpenSSL EVP_PKEY objects.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace satchel::auth {

enum class JwkError {
  kNotAnObject,         // the document or entry is not a JSON object
  kMissingMember,       // a member the key type requires is absent
  kInvalidMember,       // a member has the wrong JSON type or is not strict base64url
  kUnsupportedKeyType,  // kty other than RSA, EC or OKP
  kUnsupportedCurve,    // crv other than P-256, P-384 (EC) or Ed25519 (OKP)
  kKeyTooSmall,         // RSA modulus under kMinRsaModulusBits
  kInvalidKey,          // OpenSSL rejected the key material (for example a point off the curve)
};

// Stable snake_case name of the error, for logs and tests.
std::string_view jwk_error_reason(JwkError error);

// RSA moduli under this size are rejected (NIST SP 800-131A disallows
// 1024-bit RSA signatures).
inline constexpr int kMinRsaModulusBits = 2048;
// Larger moduli are rejected so a hostile JWKS cannot make verification slow.
inline constexpr int kMaxRsaModulusBits = 16384;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using UniqueEvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// One public key with its JWK metadata. Move-only, because it owns the
// EVP_PKEY. Private members of the JSON (d, p, q, ...) are ignored: the key
// held is always public only. Immutable after construction, so it may be
// shared between threads.
class Jwk {
 public:
  // Reads one JWK object. EC points are checked to lie on the named curve.
  static Expected<Jwk, JwkError> from_json(const nlohmann::json& object);
  static Expected<Jwk, JwkError> parse(std::string_view json_text);

  // Builds the public JWK of an existing key (public or private). kid and alg
  // may be empty, use defaults to "sig".
  static Expected<Jwk, JwkError> from_key(const EVP_PKEY* key, std::string kid, std::string alg,
                                          std::string use = "sig");

  Jwk(Jwk&&) noexcept = default;
  Jwk& operator=(Jwk&&) noexcept = default;

  const std::string& kid() const { return kid_; }
  const std::string& kty() const { return kty_; }
  // Empty for RSA keys.
  const std::string& crv() const { return crv_; }
  // Empty when the JWK carries no alg (any algorithm of the key type is then allowed).
  const std::string& alg() const { return alg_; }
  // Empty when the JWK carries no use.
  const std::string& use() const { return use_; }
  // Empty when the JWK carries no key_ops.
  const std::vector<std::string>& key_ops() const { return key_ops_; }

  EVP_PKEY* key() const { return key_.get(); }
  int bits() const { return EVP_PKEY_get_bits(key_.get()); }

  // The public JWK as JSON: the required members of the key type plus kid,
  // alg, use and key_ops when set.
  nlohmann::json to_json() const;

  // The RFC 7638 SHA-256 thumbprint, base64url-encoded.
  std::string thumbprint() const;

 private:
  Jwk() = default;

  // The required members of RFC 7638 section 3.2, which are also the whole
  // public key.
  nlohmann::json required_members() const;

  UniqueEvpPkey key_;
  std::string kid_;
  std::string kty_;
  std::string crv_;
  std::string alg_;
  std::string use_;
  std::vector<std::string> key_ops_;
};

// A JSON Web Key Set (RFC 7517 section 5). Entries of an unsupported key type
// or curve, entries that fail to parse and later duplicates of a kid are
// skipped and counted, so that one odd key in a provider's set does not
// break verification with the others. Immutable after parsing.
class JwkSet {
 public:
  // Fails only when the document is not a JSON object with a "keys" array.
  static Expected<JwkSet, JwkError> parse(std::string_view json_text);
  static Expected<JwkSet, JwkError> from_json(const nlohmann::json& document);

  JwkSet() = default;
  explicit JwkSet(std::vector<std::shared_ptr<const Jwk>> keys);

  // Returns the key with this kid, or nullptr. An empty kid matches only when
  // the set contains exactly one key, so a token without a kid is accepted
  // only when the choice of key is unambiguous.
  std::shared_ptr<const Jwk> find(std::string_view kid) const;

  const std::vector<std::shared_ptr<const Jwk>>& keys() const { return keys_; }
  size_t skipped() const { return skipped_; }

  // The set as a JWKS document of public keys.
  nlohmann::json to_json() const;

 private:
  std::vector<std::shared_ptr<const Jwk>> keys_;
  size_t skipped_ = 0;
};

// RFC 7638 thumbprint of the JSON object of required members: serialized with
// sorted keys and no whitespace, hashed with SHA-256, base64url-encoded.
std::string jwk_thumbprint(const nlohmann::json& required_members);

}  // namespace satchel::auth
