// The opaque cursor of usage listings, shared by every back end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

// Returns the cursor for a page of usage rows that ended at this owner.
std::string encode_usage_cursor(std::string_view last_owner);

// Returns the owner that a cursor from encode_usage_cursor() carries. The next page contains
// the owners after it in byte order. kInvalid for any other text.
Expected<std::string, MetaError> decode_usage_cursor(std::string_view cursor);

// The checked arguments of one usage page, the same for every back end.
struct UsagePageBounds {
  std::string after_owner;  // empty for the first page
  std::size_t page_size = 0;
};

// Checks a usage request: kInvalid when name_prefix is not UTF-8 or contains NUL, or when
// cursor is not one that encode_usage_cursor() returns. limit is clamped to 1..kMaxListLimit.
Expected<UsagePageBounds, MetaError> usage_page_bounds(std::string_view name_prefix,
                                                       std::string_view cursor, std::size_t limit);

}  // namespace satchel::meta
