// The opaque cursor of version listings. Shared by every back end, so cursors stay
// interchangeable between them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

// Returns the cursor for a page of versions that ended at this revision.
std::string encode_version_cursor(std::int64_t last_revision);

// Returns the revision that a cursor from encode_version_cursor() carries. The next page
// contains the revisions below it. kInvalid for any other text.
Expected<std::int64_t, MetaError> decode_version_cursor(std::string_view cursor);

}  // namespace satchel::meta
