// Strict decoding of compact JWS (RFC 7515 section 7.1) and JWT (RFC 7519)
// strings, before any signature or claim check.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "auth/token_error.h"
#include "common/expected.h"

namespace satchel::auth {

// Tokens longer than this are rejected before any parsing. Typical provider
// tokens are well under 2 KiB, and the margin is for large group claims.
inline constexpr size_t kMaxTokenBytes = size_t{8} * 1024;

struct DecodedToken {
  nlohmann::json header;      // a JSON object
  nlohmann::json claims;      // a JSON object from decode_jwt(), null from decode_jws()
  std::string payload;        // the decoded payload bytes
  std::string signing_input;  // the first two parts as received, joined by '.'
  std::string signature;      // the decoded signature bytes, never empty
  std::string alg;            // the header's alg, exactly as written
  std::string kid;            // the header's kid, empty when absent
};

// Decodes a compact JWS whose payload may be any bytes. Rejects, in this order:
// - more than kMaxTokenBytes (kTooLarge),
// - not exactly three parts, a part that is not strict unpadded base64url, a
//   header that is not a JSON object with unique member names, a missing or
//   non-string alg, a non-string kid or an empty signature (kMalformed),
// - alg "none" in any letter case (kAlgorithmNone),
// - a "crit" or "b64" header parameter (kUnsupportedHeader), because this
//   verifier implements no header extension.
Expected<DecodedToken, TokenError> decode_jws(std::string_view token);

// Decodes like decode_jws(), and also requires the payload to be a JSON object
// with unique member names, which is returned in claims.
Expected<DecodedToken, TokenError> decode_jwt(std::string_view token);

// Parses JSON text that must be an object with no member name repeated at any
// depth. RFC 7515 section 4 allows rejecting duplicates, which removes any
// doubt about which value a check saw.
std::optional<nlohmann::json> parse_json_object(std::string_view text);

// BASE64URL(header) '.' BASE64URL(claims) with both serialized compactly: the
// input that a JWS signature covers.
std::string make_signing_input(const nlohmann::json& header, const nlohmann::json& claims);

}  // namespace satchel::auth
