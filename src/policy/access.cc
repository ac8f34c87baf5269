#include "policy/access.h"

#include <algorithm>

namespace satchel::policy {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kObjectWrite:
      return "object:write";
    case Action::kObjectRead:
      return "object:read";
    case Action::kObjectDelete:
      return "object:delete";
    case Action::kObjectList:
      return "object:list";
  }
  return "unknown";
}

bool Principal::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Decision decide(const Principal& principal, Action action, std::string_view key) {
  if (principal.subject.empty() || principal.tenant.empty()) {
    return {false, "token has no subject or tenant"};
  }
  const std::string tenant_prefix = principal.tenant + "/";
  const std::string own_prefix = tenant_prefix + principal.subject + "/";
  if (key.starts_with(own_prefix)) {
    return {true, "key is in the caller's own space"};
  }
  bool reads = action == Action::kObjectRead || action == Action::kObjectList;
  if (reads && principal.has_role(kAdminRole) && key.starts_with(tenant_prefix)) {
    return {true, "admin role may read within its tenant"};
  }
  if (!key.starts_with(tenant_prefix)) {
    return {false, "key belongs to another tenant"};
  }
  return {false, "key belongs to another user"};
}

}  // namespace satchel::policy
