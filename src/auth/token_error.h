// Reasons for rejecting a bearer token, with stable names for metrics and the
// RFC 6750 WWW-Authenticate challenge.
#pragma once

#include <string>
#include <string_view>

namespace satchel::auth {

// Every value maps to HTTP 401 with error="invalid_token".
enum class TokenError {
  kMalformed,            // not three strict base64url parts, or header/payload not a JSON object
  kTooLarge,             // over kMaxTokenBytes
  kAlgorithmNone,        // alg "none" in any spelling
  kAlgorithmNotAllowed,  // alg unknown, not configured, or HS256 without a shared secret
  kUnsupportedHeader,    // a "crit" or "b64" header parameter
  kUnknownKey,           // no key with the token's kid
  kKeyMismatch,          // the key's kty, crv, alg, use or key_ops do not fit the alg
  kInvalidSignature,     // the signature does not verify
  kInvalidIssuer,        // iss missing or not the configured issuer
  kInvalidAudience,      // aud missing or without a configured audience
  kMissingExpiry,        // no exp claim
  kExpired,              // exp passed, beyond the leeway
  kNotYetValid,          // nbf in the future, beyond the leeway
  kIssuedInFuture,       // iat in the future, beyond the leeway
  kInvalidClaim,         // a registered or mapped claim has the wrong JSON type
  kMissingSubject,       // the configured subject claim is absent or empty
  kMissingTenant,        // the configured tenant claim is absent or empty
};

// Stable snake_case name, for metrics labels and logs ("expired", "invalid_signature", ...).
std::string_view token_error_reason(TokenError error);

// A short English sentence for error_description. It never contains token
// content, only the kind of failure.
std::string_view token_error_description(TokenError error);

// The value of a WWW-Authenticate header for a rejected token (RFC 6750
// section 3): Bearer realm="...", error="invalid_token", error_description="...".
// The realm is left out when empty, and quotes and backslashes in it are escaped.
std::string bearer_challenge(TokenError error, std::string_view realm = {});

}  // namespace satchel::auth
