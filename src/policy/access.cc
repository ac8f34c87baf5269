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
    case Action::kObjectRestore:
      return "object:restore";
    case Action::kAdminAudit:
      return "admin:audit";
    case Action::kAdminUsage:
      return "admin:usage";
  }
  return "unknown";
}

std::optional<Action> parse_action(std::string_view name) {
  for (Action action : kAllActions) {
    if (to_string(action) == name) return action;
  }
  return std::nullopt;
}

bool Principal::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace satchel::policy
