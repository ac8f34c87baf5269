#include "meta/tenant_cursor.h"

#include <algorithm>
#include <optional>

#include "common/encoding.h"
#include "meta/repository.h"

namespace satchel::meta {
namespace {

// Identifies the cursor's kind, so a usage or listing cursor is not taken for this one.
constexpr std::string_view kTenantCursorPrefix = "tenants:";

}  // namespace

std::string encode_tenant_cursor(std::string_view last_tenant) {
  return base64url_encode(std::string(kTenantCursorPrefix) + std::string(last_tenant));
}

Expected<TenantPageBounds, MetaError> tenant_page_bounds(std::string_view cursor,
                                                         std::size_t limit) {
  TenantPageBounds bounds;
  bounds.page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);
  if (cursor.empty()) return bounds;
  std::optional<std::string> text = base64url_decode(cursor);
  if (!text.has_value() || !text->starts_with(kTenantCursorPrefix) ||
      text->size() == kTenantCursorPrefix.size() || !is_valid_utf8(*text) ||
      text->find('\0') != std::string::npos) {
    return Unexpected(
        MetaError{MetaErrorCode::kInvalid, "the tenant cursor is malformed", std::nullopt});
  }
  bounds.after_tenant = text->substr(kTenantCursorPrefix.size());
  return bounds;
}

}  // namespace satchel::meta
