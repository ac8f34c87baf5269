// The cursor of list_tenants() pages, shared by every back end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

// The checked arguments of one page of tenants.
struct TenantPageBounds {
  std::string after_tenant;  // empty for the first page
  std::size_t page_size = 0;
};

// Returns the cursor for a page of tenants that ended at last_tenant.
std::string encode_tenant_cursor(std::string_view last_tenant);

// Checks a list_tenants() request: kInvalid when cursor is neither empty nor one that
// encode_tenant_cursor() returns. limit is clamped to 1..kMaxListLimit.
Expected<TenantPageBounds, MetaError> tenant_page_bounds(std::string_view cursor,
                                                         std::size_t limit);

}  // namespace satchel::meta
