#include "cli/policy_check.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "policy/policy.h"

namespace satchel::cli {
namespace {

// The claim at a dotted path, a top-level member named with the whole path
// first, as the token verifier reads it.
const nlohmann::json* find_claim(const nlohmann::json& claims, std::string_view path) {
  auto whole = claims.find(std::string(path));
  if (whole != claims.end()) return &*whole;
  const nlohmann::json* node = &claims;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    if (!node->is_object()) return nullptr;
    auto it = node->find(std::string(path.substr(0, dot)));
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return node;
}

std::string string_claim(const nlohmann::json& claims, const std::string& path) {
  const nlohmann::json* value = find_claim(claims, path);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

policy::Principal principal_from(const nlohmann::json& claims, const PolicyCheckOptions& options) {
  policy::Principal principal;
  principal.subject = string_claim(claims, options.subject_claim);
  principal.tenant = string_claim(claims, options.tenant_claim);
  if (const nlohmann::json* roles = find_claim(claims, options.roles_claim);
      roles != nullptr && roles->is_array()) {
    for (const auto& role : *roles) {
      if (role.is_string()) principal.roles.push_back(role.get<std::string>());
    }
  }
  principal.claims = claims;
  return principal;
}

policy::RequestAttributes attributes_from(const PolicyCheckOptions& options) {
  policy::RequestAttributes attributes;
  if (!options.content_type.empty()) attributes.content_type = options.content_type;
  if (options.size_bytes >= 0) attributes.size_bytes = static_cast<uint64_t>(options.size_bytes);
  if (options.url_ttl_seconds >= 0)
    attributes.url_ttl = std::chrono::seconds(options.url_ttl_seconds);
  if (options.expiry_seconds >= 0) attributes.expiry = std::chrono::seconds(options.expiry_seconds);
  return attributes;
}

}  // namespace

CLI::App* add_policy_check_command(CLI::App& app, PolicyCheckOptions& options) {
  auto* policy_command = app.add_subcommand("policy", "Access policy tools");
  policy_command->require_subcommand(1);
  auto* check = policy_command->add_subcommand(
      "check", "Decide one request with a policy and print allow or deny and the statement");
  check->add_option("--policy", options.policy_file,
                    "Policy file (TOML); the built-in default policy when left out");
  check
      ->add_option("--claims", options.claims_json,
                   "The token's claims as a JSON object, such as "
                   "'{\"sub\":\"alice\",\"org\":\"acme\",\"roles\":[\"admin\"]}'")
      ->required();
  check->add_option("--action", options.action, "Action, such as object:write or admin:audit")
      ->required();
  check
      ->add_option("--key", options.key,
                   "Store key {tenant}/{subject}/{name}, a prefix for object:list, or "
                   "{tenant}/ for admin actions")
      ->required();
  check->add_option("--content-type", options.content_type, "Content type of an upload");
  check->add_option("--size", options.size_bytes, "Size of an upload in bytes");
  check->add_option("--url-ttl", options.url_ttl_seconds, "Presigned URL lifetime in seconds");
  check->add_option("--expiry", options.expiry_seconds, "Object lifetime in seconds");
  check->add_option("--subject-claim", options.subject_claim, "Claim holding the subject")
      ->capture_default_str();
  check->add_option("--tenant-claim", options.tenant_claim, "Claim holding the tenant")
      ->capture_default_str();
  check->add_option("--roles-claim", options.roles_claim, "Dotted path to the roles array")
      ->capture_default_str();
  return check;
}

int run_policy_check(const PolicyCheckOptions& options) {
  std::optional<policy::Policy> loaded;
  if (!options.policy_file.empty()) {
    auto parsed = policy::Policy::load(options.policy_file);
    if (!parsed) {
      std::cerr << "satchel policy check: " << parsed.error() << "\n";
      return 2;
    }
    loaded = std::move(*parsed);
  }
  const policy::Policy& active = loaded ? *loaded : policy::Policy::default_policy();

  nlohmann::json claims = nlohmann::json::parse(options.claims_json, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    std::cerr << "satchel policy check: --claims must be a JSON object\n";
    return 2;
  }
  auto action = policy::parse_action(options.action);
  if (!action) {
    std::cerr << "satchel policy check: unknown action '" << options.action
              << "'; use object:write, object:read, object:delete, object:list, "
                 "object:restore, admin:audit or admin:usage\n";
    return 2;
  }

  policy::Decision decision = active.evaluate(principal_from(claims, options),
                                              {*action, options.key, attributes_from(options)});
  std::cout << (decision.allowed ? "allow" : "deny") << "\n";
  if (decision.statement.empty()) {
    std::cout << "statement: none (nothing allows the request, so it is denied)\n";
  } else {
    std::cout << "statement: " << decision.statement << " (line " << decision.line << ")\n";
  }
  std::cout << "reason: " << decision.reason << "\n";
  return decision.allowed ? 0 : 1;
}

}  // namespace satchel::cli
