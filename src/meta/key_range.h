// The key range one listing page reads, built from a prefix and a cursor. Shared by every back
// end, so cursors stay interchangeable between them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

// Keys k with lower_inclusive <= k < upper_exclusive in byte order. No upper bound when
// upper_exclusive is nullopt. Both bounds are valid UTF-8, except that lower_inclusive ends in
// one NUL byte when it comes from a cursor.
struct KeyRange {
  std::string lower_inclusive;
  std::optional<std::string> upper_exclusive;
};

// Returns the opaque cursor for a page that ended at last_key: base64url of the key.
std::string encode_list_cursor(std::string_view last_key);

// Returns the range of keys that start with prefix and, when cursor is not empty, come after
// the key it encodes. kInvalid when the prefix is not UTF-8 or contains NUL (no key can then
// match, and PostgreSQL rejects such text), or when cursor is not one that
// encode_list_cursor() returns for a valid key.
Expected<KeyRange, MetaError> list_key_range(std::string_view prefix, std::string_view cursor);

// Returns the smallest valid UTF-8 string greater than every string that starts with prefix,
// or nullopt when there is none (an empty prefix, or one made only of U+10FFFF). prefix must
// be valid UTF-8. The last code point is incremented rather than the last byte, because a
// byte increment can leave invalid UTF-8 ("\xC2\xBF" would become "\xC2\xC0"). UTF-8 byte
// order is code point order, so the result bounds the same set of valid UTF-8 keys.
std::optional<std::string> prefix_upper_bound(std::string_view prefix);

}  // namespace satchel::meta
