#include "meta/key_range.h"

#include <algorithm>

#include "common/encoding.h"

namespace satchel::meta {

std::string encode_list_cursor(std::string_view last_key) { return base64url_encode(last_key); }

Expected<KeyRange, MetaError> list_key_range(std::string_view prefix, std::string_view cursor) {
  KeyRange range{std::string(prefix), prefix_upper_bound(prefix)};
  if (cursor.empty()) return range;

  std::optional<std::string> last_key = base64url_decode(cursor);
  if (!last_key.has_value() || last_key->empty()) {
    return Unexpected(
        MetaError{MetaErrorCode::kInvalid, "the list cursor is malformed", std::nullopt});
  }
  // last_key + NUL is the smallest string after last_key in byte order, so the page starts
  // right after it with an inclusive bound that an index seek can use.
  std::string after_last = *last_key + '\0';
  range.lower_inclusive = std::max(range.lower_inclusive, after_last);
  return range;
}

std::optional<std::string> prefix_upper_bound(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xFF) {
    bound.pop_back();
  }
  if (bound.empty()) return std::nullopt;
  bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  return bound;
}

}  // namespace satchel::meta
