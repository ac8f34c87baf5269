#include "meta/version_cursor.h"

#include <charconv>
#include <optional>

#include "common/encoding.h"

namespace satchel::meta {
namespace {

// Identifies the cursor's kind, so a listing cursor is not taken for a version cursor.
constexpr std::string_view kVersionCursorPrefix = "revision:";

}  // namespace

std::string encode_version_cursor(std::int64_t last_revision) {
  return base64url_encode(std::string(kVersionCursorPrefix) + std::to_string(last_revision));
}

Expected<std::int64_t, MetaError> decode_version_cursor(std::string_view cursor) {
  auto invalid = [] {
    return Unexpected(
        MetaError{MetaErrorCode::kInvalid, "the version cursor is malformed", std::nullopt});
  };
  std::optional<std::string> text = base64url_decode(cursor);
  if (!text.has_value() || !text->starts_with(kVersionCursorPrefix)) return invalid();
  std::string_view digits = std::string_view(*text).substr(kVersionCursorPrefix.size());
  std::int64_t revision = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), revision);
  if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
      revision < 1) {
    return invalid();
  }
  return revision;
}

}  // namespace satchel::meta
