// Byte encodings used across protocols: hex, base64 (RFC 4648 section 4),
// base64url without padding (RFC 7515 section 2) and percent-encoding.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace satchel {

std::string hex_encode(std::string_view bytes);
std::optional<std::string> hex_decode(std::string_view hex);

std::string base64_encode(std::string_view bytes);
// Rejects characters outside the alphabet and wrong padding.
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
// Strict: no padding, no characters outside the base64url alphabet, and no
// non-zero bits left over in the last character.
std::optional<std::string> base64url_decode(std::string_view text);

// Percent-encodes every byte except the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - _ . ~), using upper-case hex as SigV4 requires. With
// keep_slash, '/' is left as it is, for URI paths.
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX sequences. With plus_as_space, '+' becomes a space (form
// encoding). Returns nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// True if the bytes are well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view bytes);

inline std::string_view as_chars(std::span<const unsigned char> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace satchel
