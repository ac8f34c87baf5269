#include "meta/key_range.h"

#include <algorithm>
#include <cstdint>

#include "common/encoding.h"

namespace satchel::meta {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kFirstSurrogate = 0xD800;
constexpr char32_t kAfterLastSurrogate = 0xE000;

MetaError invalid(std::string message) {
  return MetaError{MetaErrorCode::kInvalid, std::move(message), std::nullopt};
}

bool is_clean_text(std::string_view text) {
  return is_valid_utf8(text) && text.find('\0') == std::string_view::npos;
}

bool is_continuation_byte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// Decodes one code point of valid UTF-8.
char32_t decode_code_point(std::string_view bytes) {
  auto byte = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(bytes[i]));
  };
  switch (bytes.size()) {
    case 1:
      return byte(0);
    case 2:
      return ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    case 3:
      return ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    default:
      return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
             (byte(3) & 0x3F);
  }
}

void append_code_point(std::string& out, char32_t code_point) {
  auto put = [&](char32_t value) { out.push_back(static_cast<char>(value)); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xC0 | (code_point >> 6));
    put(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    put(0xE0 | (code_point >> 12));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  } else {
    put(0xF0 | (code_point >> 18));
    put(0x80 | ((code_point >> 12) & 0x3F));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  }
}

}  // namespace

std::string encode_list_cursor(std::string_view last_key) { return base64url_encode(last_key); }

Expected<KeyRange, MetaError> list_key_range(std::string_view prefix, std::string_view cursor) {
  if (!is_clean_text(prefix)) {
    return Unexpected(invalid("the list prefix is not valid UTF-8 or contains NUL"));
  }
  KeyRange range{std::string(prefix), prefix_upper_bound(prefix)};
  if (cursor.empty()) return range;

  std::optional<std::string> last_key = base64url_decode(cursor);
  if (!last_key.has_value() || last_key->empty() || !is_clean_text(*last_key)) {
    return Unexpected(invalid("the list cursor is malformed"));
  }
  // last_key + NUL is the smallest string after last_key in byte order, so the page starts
  // right after it with an inclusive bound that an index seek can use.
  std::string after_last = *last_key + '\0';
  range.lower_inclusive = std::max(range.lower_inclusive, after_last);
  return range;
}

std::optional<std::string> prefix_upper_bound(std::string_view prefix) {
  std::string_view rest = prefix;
  while (!rest.empty()) {
    std::size_t start = rest.size() - 1;
    while (start > 0 && is_continuation_byte(rest[start])) --start;
    char32_t last = decode_code_point(rest.substr(start));
    rest = rest.substr(0, start);
    if (last == kMaxCodePoint) continue;

    char32_t next = last + 1 == kFirstSurrogate ? kAfterLastSurrogate : last + 1;
    std::string bound(rest);
    append_code_point(bound, next);
    return bound;
  }
  return std::nullopt;
}

}  // namespace satchel::meta
