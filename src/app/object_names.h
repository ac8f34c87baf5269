// Validation of the names clients send and of the identity parts that build
// store keys. The client picks only the name; the key is always
// "{tenant}/{subject}/{name}", built from the verified token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace satchel::app {

inline constexpr size_t kMaxNameBytes = 512;
inline constexpr size_t kMaxIdentityPartBytes = 128;

// Returns an error message, or nullopt when the name is acceptable: 1-512
// bytes of UTF-8, no control characters (C0, C1, line separators or
// bidirectional overrides), no backslash, no leading or trailing '/', no
// empty, "." or ".." segment.
std::optional<std::string> check_object_name(std::string_view name);

// Returns an error message, or nullopt when a tenant or subject can be a key
// segment: 1-128 bytes of UTF-8, no '/', no control characters, not "." or
// "..".
std::optional<std::string> check_identity_part(std::string_view part, std::string_view what);

std::string make_object_key(std::string_view tenant, std::string_view subject,
                            std::string_view name);

}  // namespace satchel::app
