#include "auth/jwt_verifier.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>

namespace satchel::auth {
namespace {

using nlohmann::json;

// Seconds since the epoch as a double, the domain of NumericDate values
// (RFC 7519 section 2), which may carry fractions.
double unix_seconds(SystemTime time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

// Converts a NumericDate to a time point, clamped to what SystemTime holds.
SystemTime to_time_point(double seconds) {
  const double latest =
      std::chrono::duration<double>(SystemTime::max().time_since_epoch()).count() * 0.99;
  const double clamped = std::clamp(seconds, -latest, latest);
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(
      std::chrono::duration<double>(std::floor(clamped))));
}

// A NumericDate claim: nullopt when absent, kInvalidClaim when not a number.
Expected<std::optional<double>, TokenError> numeric_date(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>{};
  if (!it->is_number()) return Unexpected(TokenError::kInvalidClaim);
  return std::optional<double>{it->get<double>()};
}

bool audience_matches(const json& aud, const std::vector<std::string>& accepted) {
  auto accepted_value = [&](const json& value) {
    return value.is_string() &&
           std::find(accepted.begin(), accepted.end(), value.get<std::string>()) != accepted.end();
  };
  if (aud.is_string()) return accepted_value(aud);
  if (!aud.is_array()) return false;
  return std::any_of(aud.begin(), aud.end(), accepted_value);
}

// Follows a dotted path through nested objects. A top-level member named with
// the whole path wins, because namespaced claim names contain dots.
const json* find_claim(const json& claims, std::string_view path) {
  auto whole = claims.find(std::string(path));
  if (whole != claims.end()) return &*whole;
  const json* node = &claims;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string name(path.substr(0, dot));
    if (!node->is_object()) return nullptr;
    auto it = node->find(name);
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return node;
}

Expected<std::string, TokenError> required_string(const json& claims, const std::string& name,
                                                  TokenError missing) {
  const json* value = find_claim(claims, name);
  if (value == nullptr) return Unexpected(missing);
  if (!value->is_string()) return Unexpected(TokenError::kInvalidClaim);
  std::string text = value->get<std::string>();
  if (text.empty()) return Unexpected(missing);
  return text;
}

Expected<std::vector<std::string>, TokenError> roles_at(const json& claims,
                                                        const std::string& path) {
  std::vector<std::string> roles;
  const json* value = find_claim(claims, path);
  if (value == nullptr) return roles;
  if (!value->is_array()) return Unexpected(TokenError::kInvalidClaim);
  for (const json& role : *value) {
    if (!role.is_string()) return Unexpected(TokenError::kInvalidClaim);
    roles.push_back(role.get<std::string>());
  }
  return roles;
}

bool starts_with_ignoring_space(std::string_view text, std::string_view prefix) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text.substr(start).starts_with(prefix);
}

bool is_der_public_key(std::string_view bytes) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
  const long length = static_cast<long>(bytes.size());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, length);
  if (key == nullptr) {
    cursor = reinterpret_cast<const unsigned char*>(bytes.data());
    key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, length);
  }
  const bool parsed = key != nullptr;
  EVP_PKEY_free(key);
  // A failed parse leaves entries on this thread's OpenSSL error queue.
  ERR_clear_error();
  return parsed;
}

}  // namespace

KeyLookup make_key_lookup(std::shared_ptr<const JwkSet> keys) {
  return [keys = std::move(keys)](std::string_view kid) { return keys->find(kid); };
}

Expected<void, SharedSecretError> check_shared_secret(const Secret& secret) {
  const std::string& bytes = secret.reveal();
  // Public key material is checked first: a PEM or JWK is long enough to pass
  // the length rule, and naming the real problem helps the operator.
  const bool pem = bytes.find("-----BEGIN") != std::string::npos;
  const bool jwk =
      starts_with_ignoring_space(bytes, "{") && bytes.find("\"kty\"") != std::string::npos;
  if (pem || jwk || is_der_public_key(bytes)) {
    return Unexpected(SharedSecretError::kPublicKeyMaterial);
  }
  if (bytes.size() < kMinHs256SecretBytes) return Unexpected(SharedSecretError::kTooShort);
  return {};
}

std::string_view shared_secret_error_description(SharedSecretError error) {
  switch (error) {
    case SharedSecretError::kTooShort:
      return "the HS256 shared secret is shorter than 32 bytes";
    case SharedSecretError::kPublicKeyMaterial:
      return "the HS256 shared secret is a public key (PEM, DER or JWK), which is not secret";
  }
  return "the HS256 shared secret is invalid";
}

JwtVerifier::JwtVerifier(JwtVerifierConfig config, KeyLookup lookup, const Clock& clock)
    : config_(std::move(config)), lookup_(std::move(lookup)), clock_(clock) {
  hs256_enabled_ =
      config_.hs256_secret.has_value() && check_shared_secret(*config_.hs256_secret).has_value();
}

Expected<VerifiedToken, TokenError> JwtVerifier::verify(std::string_view token) const {
  auto decoded = decode_jwt(token);
  if (!decoded) return Unexpected(decoded.error());
  auto signature = check_signature(*decoded);
  if (!signature) return Unexpected(signature.error());
  return check_claims(decoded->claims);
}

Expected<DecodedToken, TokenError> JwtVerifier::verify_signature(std::string_view token) const {
  auto decoded = decode_jws(token);
  if (!decoded) return decoded;
  auto signature = check_signature(*decoded);
  if (!signature) return Unexpected(signature.error());
  return decoded;
}

Expected<void, TokenError> JwtVerifier::check_signature(const DecodedToken& token) const {
  // The algorithm comes from the header but is only used once the
  // configuration and then the key allow it.
  auto algorithm = parse_jws_algorithm(token.alg);
  if (!algorithm) return Unexpected(TokenError::kAlgorithmNotAllowed);

  if (*algorithm == JwsAlgorithm::kHs256) {
    // The JWKS is never consulted for HS256, so no public key can become an
    // HMAC secret.
    if (!hs256_enabled_) return Unexpected(TokenError::kAlgorithmNotAllowed);
    if (!verify_hs256_signature(*config_.hs256_secret, token.signing_input, token.signature)) {
      return Unexpected(TokenError::kInvalidSignature);
    }
    return {};
  }

  if (std::find(config_.algorithms.begin(), config_.algorithms.end(), *algorithm) ==
      config_.algorithms.end()) {
    return Unexpected(TokenError::kAlgorithmNotAllowed);
  }
  std::shared_ptr<const Jwk> key = lookup_ ? lookup_(token.kid) : nullptr;
  if (!key) return Unexpected(TokenError::kUnknownKey);
  auto verified = verify_jws_signature(*algorithm, *key, token.signing_input, token.signature);
  if (!verified) {
    return Unexpected(verified.error() == SignatureError::kKeyMismatch
                          ? TokenError::kKeyMismatch
                          : TokenError::kInvalidSignature);
  }
  return {};
}

std::string JwtVerifier::read_tenant(const nlohmann::json& claims) const {
  if (config_.tenant_claim.empty()) return {};
  const json* value = find_claim(claims, config_.tenant_claim);
  if (value == nullptr || !value->is_string()) return {};
  return value->get<std::string>();
}

Expected<VerifiedToken, TokenError> JwtVerifier::check_claims(const json& claims) const {
  if (!claims.is_object()) return Unexpected(TokenError::kMalformed);
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != config_.issuer) {
    return Unexpected(TokenError::kInvalidIssuer);
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !audience_matches(*aud, config_.audiences)) {
    return Unexpected(TokenError::kInvalidAudience);
  }

  auto exp = numeric_date(claims, "exp");
  auto nbf = numeric_date(claims, "nbf");
  auto iat = numeric_date(claims, "iat");
  if (!exp || !nbf || !iat) return Unexpected(TokenError::kInvalidClaim);
  if (!exp->has_value()) return Unexpected(TokenError::kMissingExpiry);
  const double now = unix_seconds(clock_.now());
  const auto leeway = static_cast<double>(config_.leeway.count());
  // RFC 7519 section 4.1.4: the current time must be before exp.
  if (now >= **exp + leeway) return Unexpected(TokenError::kExpired);
  if (nbf->has_value() && now + leeway < **nbf) return Unexpected(TokenError::kNotYetValid);
  if (iat->has_value() && **iat > now + leeway) return Unexpected(TokenError::kIssuedInFuture);

  VerifiedToken verified;
  auto subject = required_string(claims, config_.subject_claim, TokenError::kMissingSubject);
  if (!subject) return Unexpected(subject.error());
  verified.subject = std::move(*subject);
  if (!config_.tenant_claim.empty()) {
    auto tenant = required_string(claims, config_.tenant_claim, TokenError::kMissingTenant);
    if (!tenant) return Unexpected(tenant.error());
    verified.tenant = std::move(*tenant);
  }
  auto roles = roles_at(claims, config_.roles_claim);
  if (!roles) return Unexpected(roles.error());
  verified.roles = std::move(*roles);
  verified.expiry = to_time_point(**exp);
  verified.issuer = config_.issuer;
  verified.claims = claims;
  return verified;
}

}  // namespace satchel::auth
