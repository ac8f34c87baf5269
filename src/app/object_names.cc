#include "app/object_names.h"

#include "common/encoding.h"

namespace satchel::app {
namespace {

// Decodes the code point at text[i] of valid UTF-8 and advances i past it.
uint32_t next_code_point(std::string_view text, size_t& i) {
  auto lead = static_cast<unsigned char>(text[i]);
  size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  uint32_t code_point = length == 1 ? lead : lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  }
  i += length;
  return code_point;
}

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and
// the bidirectional formatting characters, which can make a name display
// as another one (U+202E turns "txt.exe" around).
bool is_forbidden_code_point(uint32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x200e && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

// Precondition: text is valid UTF-8.
bool has_control_character(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (is_forbidden_code_point(next_code_point(text, i))) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> check_object_name(std::string_view name) {
  if (name.empty()) return "name is missing";
  if (name.size() > kMaxNameBytes) {
    return "name is longer than " + std::to_string(kMaxNameBytes) + " bytes";
  }
  if (!is_valid_utf8(name)) return "name is not valid UTF-8";
  if (has_control_character(name)) return "name contains a control character";
  if (name.find('\\') != std::string_view::npos) return "name contains a backslash";
  if (name.front() == '/' || name.back() == '/') return "name must not start or end with '/'";
  std::string_view rest = name;
  for (;;) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) return "name contains an empty path segment";
    if (segment == "." || segment == "..") return "name contains a '.' or '..' segment";
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return std::nullopt;
}

std::optional<std::string> check_identity_part(std::string_view part, std::string_view what) {
  std::string label(what);
  if (part.empty()) return label + " is missing or empty";
  if (part.size() > kMaxIdentityPartBytes) return label + " is too long";
  if (!is_valid_utf8(part)) return label + " is not valid UTF-8";
  if (has_control_character(part)) return label + " contains a control character";
  if (part.find('/') != std::string_view::npos) return label + " contains '/'";
  if (part == "." || part == "..") return label + " is '.' or '..'";
  return std::nullopt;
}

std::string make_object_key(std::string_view tenant, std::string_view subject,
                            std::string_view name) {
  std::string key;
  key.reserve(tenant.size() + subject.size() + name.size() + 2);
  key.append(tenant).append("/").append(subject).append("/").append(name);
  return key;
}

}  // namespace satchel::app
