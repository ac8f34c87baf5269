#include "app/object_names.h"

#include "common/encoding.h"

namespace satchel::app {
namespace {

bool has_control_character(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
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
