#include "meta/audit_cursor.h"

#include <charconv>
#include <optional>

#include "common/encoding.h"

namespace satchel::meta {
namespace {

// Identifies the cursor's kind, so a version or listing cursor is not taken for this one.
constexpr std::string_view kAuditCursorPrefix = "audit:";

}  // namespace

std::string encode_audit_cursor(std::int64_t last_id) {
  return base64url_encode(std::string(kAuditCursorPrefix) + std::to_string(last_id));
}

Expected<std::int64_t, MetaError> decode_audit_cursor(std::string_view cursor) {
  auto invalid = [] {
    return Unexpected(
        MetaError{MetaErrorCode::kInvalid, "the audit cursor is malformed", std::nullopt});
  };
  std::optional<std::string> text = base64url_decode(cursor);
  if (!text.has_value() || !text->starts_with(kAuditCursorPrefix)) return invalid();
  std::string_view digits = std::string_view(*text).substr(kAuditCursorPrefix.size());
  std::int64_t id = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || id < 1) {
    return invalid();
  }
  return id;
}

}  // namespace satchel::meta
