#include "auth/token_error.h"

namespace satchel::auth {
namespace {

struct ErrorText {
  std::string_view reason;
  std::string_view description;
};

ErrorText text_of(TokenError error) {
  switch (error) {
    case TokenError::kMalformed:
      return {"malformed", "The token is not a well-formed compact JWS"};
    case TokenError::kTooLarge:
      return {"too_large", "The token is too large"};
    case TokenError::kAlgorithmNone:
      return {"alg_none", "Unsigned tokens are not accepted"};
    case TokenError::kAlgorithmNotAllowed:
      return {"alg_not_allowed", "The signature algorithm is not accepted"};
    case TokenError::kUnsupportedHeader:
      return {"unsupported_header", "The token uses an unsupported header parameter"};
    case TokenError::kUnknownKey:
      return {"unknown_key", "The signing key is not known"};
    case TokenError::kKeyMismatch:
      return {"key_mismatch", "The signing key does not allow this algorithm"};
    case TokenError::kInvalidSignature:
      return {"invalid_signature", "The signature is invalid"};
    case TokenError::kInvalidIssuer:
      return {"invalid_issuer", "The token issuer is not accepted"};
    case TokenError::kInvalidAudience:
      return {"invalid_audience", "The token audience is not accepted"};
    case TokenError::kMissingExpiry:
      return {"missing_exp", "The token has no expiry"};
    case TokenError::kExpired:
      return {"expired", "The token has expired"};
    case TokenError::kNotYetValid:
      return {"not_yet_valid", "The token is not valid yet"};
    case TokenError::kIssuedInFuture:
      return {"issued_in_future", "The token was issued in the future"};
    case TokenError::kInvalidClaim:
      return {"invalid_claim", "A token claim has an invalid type"};
    case TokenError::kMissingSubject:
      return {"missing_subject", "The token has no subject"};
    case TokenError::kMissingTenant:
      return {"missing_tenant", "The token has no tenant"};
  }
  return {"unknown", "The token is invalid"};
}

// RFC 9110 section 5.6.4 quoted-string: backslash-escape '"' and '\'.
// Control characters are dropped because no header may carry them.
std::string quote(std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) continue;
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace

std::string_view token_error_reason(TokenError error) { return text_of(error).reason; }

std::string_view token_error_description(TokenError error) { return text_of(error).description; }

std::string bearer_challenge(TokenError error, std::string_view realm) {
  std::string value = "Bearer ";
  if (!realm.empty()) value += "realm=" + quote(realm) + ", ";
  value += "error=\"invalid_token\", error_description=";
  value += quote(token_error_description(error));
  return value;
}

}  // namespace satchel::auth
