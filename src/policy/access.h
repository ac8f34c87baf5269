// Who may do what to which key. This is the built-in default policy: each
// user owns the prefix "{tenant}/{subject}/", and a user with the admin role
// may read and list anything in their own tenant. Nobody crosses tenants, and
// anything not allowed here is denied.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace satchel::policy {

enum class Action { kObjectWrite, kObjectRead, kObjectDelete, kObjectList };
std::string_view to_string(Action action);

struct Principal {
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;

  bool has_role(std::string_view role) const;
};

struct Decision {
  bool allowed = false;
  std::string reason;  // for the audit log and for denial messages
};

inline constexpr std::string_view kAdminRole = "admin";

// Decides whether the principal may perform the action on the store key (or,
// for kObjectList, on every key under the given prefix).
Decision decide(const Principal& principal, Action action, std::string_view key);

}  // namespace satchel::policy
