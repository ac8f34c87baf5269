// The opaque cursor of usage listings, shared by every back end.
#pragma once

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

}  // namespace satchel::meta
