#include "auth/jwt.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

#include "common/encoding.h"

namespace satchel::auth {
namespace {

using nlohmann::json;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct CompactParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

std::optional<CompactParts> split_compact(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  return CompactParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                      token.substr(second + 1)};
}

// Decodes and checks the protected header, then fills header, alg and kid.
Expected<void, TokenError> decode_header(std::string_view encoded, DecodedToken& token) {
  if (encoded.empty()) return Unexpected(TokenError::kMalformed);
  auto text = base64url_decode(encoded);
  if (!text) return Unexpected(TokenError::kMalformed);
  auto header = parse_json_object(*text);
  if (!header) return Unexpected(TokenError::kMalformed);

  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return Unexpected(TokenError::kMalformed);
  token.alg = alg->get<std::string>();
  if (equals_ignoring_case(token.alg, "none")) return Unexpected(TokenError::kAlgorithmNone);
  // RFC 7515 section 4.1.11: a recipient must reject a JWS whose crit lists an
  // extension it does not implement, and this one implements none. RFC 7797
  // section 6 makes b64 valid only under crit.
  if (header->contains("crit") || header->contains("b64")) {
    return Unexpected(TokenError::kUnsupportedHeader);
  }
  auto kid = header->find("kid");
  if (kid != header->end()) {
    if (!kid->is_string()) return Unexpected(TokenError::kMalformed);
    token.kid = kid->get<std::string>();
  }
  token.header = std::move(*header);
  return {};
}

}  // namespace

std::optional<json> parse_json_object(std::string_view text) {
  std::vector<std::set<std::string>> names_per_object;
  bool duplicate = false;
  json::parser_callback_t track_names = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        names_per_object.emplace_back();
        break;
      case json::parse_event_t::key:
        if (!names_per_object.back().insert(parsed.get<std::string>()).second) duplicate = true;
        break;
      case json::parse_event_t::object_end:
        names_per_object.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), track_names, /*allow_exceptions=*/false);
  if (value.is_discarded() || duplicate || !value.is_object()) return std::nullopt;
  return value;
}

Expected<DecodedToken, TokenError> decode_jws(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return Unexpected(TokenError::kTooLarge);
  auto parts = split_compact(token);
  if (!parts) return Unexpected(TokenError::kMalformed);

  DecodedToken decoded;
  auto header = decode_header(parts->header, decoded);
  if (!header) return Unexpected(header.error());

  auto payload = base64url_decode(parts->payload);
  auto signature = base64url_decode(parts->signature);
  if (!payload || !signature || signature->empty()) return Unexpected(TokenError::kMalformed);
  decoded.payload = std::move(*payload);
  decoded.signature = std::move(*signature);
  decoded.signing_input = std::string(token.substr(0, token.size() - parts->signature.size() - 1));
  return decoded;
}

Expected<DecodedToken, TokenError> decode_jwt(std::string_view token) {
  auto decoded = decode_jws(token);
  if (!decoded) return decoded;
  auto claims = parse_json_object(decoded->payload);
  if (!claims) return Unexpected(TokenError::kMalformed);
  decoded->claims = std::move(*claims);
  return decoded;
}

std::string make_signing_input(const json& header, const json& claims) {
  // Invalid UTF-8 in a string is replaced rather than thrown on, so a bad
  // value makes a token that fails verification instead of an exception.
  auto compact = [](const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  return base64url_encode(compact(header)) + "." + base64url_encode(compact(claims));
}

}  // namespace satchel::auth
