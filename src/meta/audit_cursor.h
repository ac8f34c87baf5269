// The opaque cursor of audit event listings, shared by every back end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

// Returns the cursor for a page of audit events that ended at this id.
std::string encode_audit_cursor(std::int64_t last_id);

// Returns the id that a cursor from encode_audit_cursor() carries. The next page contains the
// ids below it. kInvalid for any other text.
Expected<std::int64_t, MetaError> decode_audit_cursor(std::string_view cursor);

}  // namespace satchel::meta
