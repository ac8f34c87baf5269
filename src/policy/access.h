// The vocabulary of access decisions: actions, the principal a verified
// token names, the attributes of a request that conditions test, and the
// decision with the statement that made it.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace satchel::policy {

enum class Action {
  kObjectWrite,
  kObjectRead,
  kObjectDelete,
  kObjectList,
  kObjectRestore,
  kAdminAudit,
  kAdminUsage,
};
inline constexpr Action kAllActions[] = {
    Action::kObjectWrite,   Action::kObjectRead, Action::kObjectDelete, Action::kObjectList,
    Action::kObjectRestore, Action::kAdminAudit, Action::kAdminUsage};

// "object:write", "admin:audit", ...
std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view name);

struct Principal {
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;
  // The issuer of the token, empty when unknown.
  std::string issuer;
  // The token's whole payload, for ${claim:...} variables. Null when absent.
  nlohmann::json claims;

  bool has_role(std::string_view role) const;
};

// What a request asks for besides the action and key. An attribute left
// unset is not tested by conditions on it: an endpoint sets every attribute
// it has.
struct RequestAttributes {
  std::optional<std::string> content_type;
  std::optional<uint64_t> size_bytes;
  // Lifetime of the presigned URL the request would receive.
  std::optional<std::chrono::seconds> url_ttl;
  // Lifetime the request gives the object.
  std::optional<std::chrono::seconds> expiry;
};

struct AccessRequest {
  Action action = Action::kObjectRead;
  // A store key, a key prefix for object:list, or "{tenant}/" for admin actions.
  std::string resource;
  RequestAttributes attributes;
};

struct Decision {
  bool allowed = false;
  // The id of the deciding statement, empty when nothing allowed the request.
  std::string statement;
  // The line of that statement in the policy file, 0 when there is none.
  int line = 0;
  // A sentence for the audit log, the denial message and `policy check`.
  std::string reason;
};

inline constexpr std::string_view kAdminRole = "admin";

}  // namespace satchel::policy
