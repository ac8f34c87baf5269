#include "meta/usage_cursor.h"

#include <algorithm>
#include <optional>

#include "common/encoding.h"
#include "meta/repository.h"

namespace satchel::meta {
namespace {

// Identifies the cursor's kind, so a listing or audit cursor is not taken for this one.
constexpr std::string_view kUsageCursorPrefix = "usage:";

}  // namespace

std::string encode_usage_cursor(std::string_view last_owner) {
  return base64url_encode(std::string(kUsageCursorPrefix) + std::string(last_owner));
}

Expected<std::string, MetaError> decode_usage_cursor(std::string_view cursor) {
  std::optional<std::string> text = base64url_decode(cursor);
  if (!text.has_value() || !text->starts_with(kUsageCursorPrefix) ||
      text->size() == kUsageCursorPrefix.size() || !is_valid_utf8(*text) ||
      text->find('\0') != std::string::npos) {
    return Unexpected(
        MetaError{MetaErrorCode::kInvalid, "the usage cursor is malformed", std::nullopt});
  }
  return text->substr(kUsageCursorPrefix.size());
}

Expected<UsagePageBounds, MetaError> usage_page_bounds(std::string_view name_prefix,
                                                       std::string_view cursor, std::size_t limit) {
  if (!is_valid_utf8(name_prefix) || name_prefix.find('\0') != std::string_view::npos) {
    return Unexpected(MetaError{MetaErrorCode::kInvalid,
                                "the name prefix is not valid UTF-8 or contains NUL",
                                std::nullopt});
  }
  UsagePageBounds bounds;
  if (!cursor.empty()) {
    auto decoded = decode_usage_cursor(cursor);
    if (!decoded) return Unexpected(decoded.error());
    bounds.after_owner = std::move(*decoded);
  }
  bounds.page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);
  return bounds;
}

}  // namespace satchel::meta
