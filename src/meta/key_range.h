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
// upper_exclusive is nullopt.
struct KeyRange {
  std::string lower_inclusive;
  std::optional<std::string> upper_exclusive;
};

// Returns the opaque cursor for a page that ended at last_key: base64url of the key.
std::string encode_list_cursor(std::string_view last_key);

// Returns the range of keys that start with prefix and, when cursor is not empty, come after
// the key it encodes. kInvalid when cursor is not one that encode_list_cursor() returns.
Expected<KeyRange, MetaError> list_key_range(std::string_view prefix, std::string_view cursor);

// Returns the smallest string greater than every string that starts with prefix, or nullopt
// when there is none (an empty prefix, or one made only of 0xFF bytes).
std::optional<std::string> prefix_upper_bound(std::string_view prefix);

}  // namespace satchel::meta
