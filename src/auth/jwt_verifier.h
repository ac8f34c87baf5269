// Verification of bearer JWTs: algorithm policy, key lookup, signature, the
// registered claims of RFC 7519 and the mapping to subject, tenant and roles.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "auth/jws_algorithm.h"
#include "auth/jwt.h"
#include "auth/token_error.h"
#include "common/clock.h"
#include "common/expected.h"
#include "common/secret.h"

namespace satchel::auth {

inline constexpr std::chrono::seconds kDefaultLeeway{30};

struct JwtVerifierConfig {
  // The exact "iss" every token must carry.
  std::string issuer;
  // A token's "aud" must contain at least one of these. Empty rejects every token.
  std::vector<std::string> audiences;
  // Asymmetric algorithms accepted when the key allows them too. HS256 listed
  // here has no effect: it is governed by hs256_secret alone.
  std::vector<JwsAlgorithm> algorithms = kAsymmetricAlgorithms;
  // The issuer's shared secret. HS256 is accepted only when this is set and
  // passes check_shared_secret().
  std::optional<Secret> hs256_secret;
  // Allowed clock difference for exp, nbf and iat.
  std::chrono::seconds leeway = kDefaultLeeway;
  // Claim holding the subject: a non-empty string.
  std::string subject_claim = "sub";
  // Claim holding the tenant: a non-empty string. Empty disables the tenant.
  std::string tenant_claim = "org";
  // Dotted path to an array of role strings, such as "roles", "groups" or
  // "realm_access.roles". A top-level claim named with the whole path (for
  // example "https://example.com/roles") is tried first. Absent means no roles.
  std::string roles_claim = "roles";
};

struct VerifiedToken {
  std::string subject;
  std::string tenant;  // empty when tenant_claim is empty
  std::vector<std::string> roles;
  SystemTime expiry;
  std::string issuer;
  nlohmann::json claims;  // the whole payload
};

// Finds the verification key for a token's kid, which is empty when the token
// has none. Returns nullptr when there is no such key. Called once per
// asymmetric token, possibly from several threads at once.
using KeyLookup = std::function<std::shared_ptr<const Jwk>(std::string_view kid)>;

// A lookup over a fixed key set.
KeyLookup make_key_lookup(std::shared_ptr<const JwkSet> keys);

enum class SharedSecretError {
  kTooShort,          // under kMinHs256SecretBytes
  kPublicKeyMaterial  // a PEM block, DER public key or JWK: a public key is no secret
};

// RFC 7518 section 3.2: an HS256 key is at least as long as the hash output.
inline constexpr size_t kMinHs256SecretBytes = 32;

// Checks that a configured HS256 secret is usable. Configuration loading
// should call it to report the problem at start-up. The verifier calls it too
// and disables HS256 for a secret that fails.
Expected<void, SharedSecretError> check_shared_secret(const Secret& secret);
std::string_view shared_secret_error_description(SharedSecretError error);

// Thread-safe: verify() only reads the configuration and calls the lookup.
// The clock must outlive the verifier.
class JwtVerifier {
 public:
  JwtVerifier(JwtVerifierConfig config, KeyLookup lookup, const Clock& clock);

  // The whole check: decode_jwt(), the signature as in verify_signature(),
  // then the claims as in check_claims().
  Expected<VerifiedToken, TokenError> verify(std::string_view token) const;

  // The signature layer alone, for any JWS payload: decode_jws(), the
  // algorithm policy, the key lookup and the signature. Claims are not read.
  Expected<DecodedToken, TokenError> verify_signature(std::string_view token) const;

  // The claim checks alone, on a payload whose signature was already checked:
  // iss, aud, exp (required), nbf, iat, then subject, tenant and roles.
  Expected<VerifiedToken, TokenError> check_claims(const nlohmann::json& claims) const;

  // The value at the tenant claim path when it is a string, else empty. No
  // other claim is checked, so callers use it only on verified claims or
  // for audit events of failed sign-ins.
  std::string read_tenant(const nlohmann::json& claims) const;

  bool hs256_enabled() const { return hs256_enabled_; }

 private:
  Expected<void, TokenError> check_signature(const DecodedToken& token) const;

  JwtVerifierConfig config_;
  KeyLookup lookup_;
  const Clock& clock_;
  bool hs256_enabled_ = false;
};

}  // namespace satchel::auth
