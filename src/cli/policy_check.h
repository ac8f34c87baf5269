// `satchel policy check`: evaluates one request against a policy file and
// prints the decision with the statement that made it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace satchel::cli {

struct PolicyCheckOptions {
  std::string policy_file;  // empty: the built-in default policy
  std::string claims_json;  // the token payload, such as {"sub":"alice","org":"acme"}
  std::string action;       // such as object:write
  std::string key;          // the store key, or "{tenant}/" for admin actions
  std::string content_type;
  int64_t size_bytes = -1;       // -1: not part of the request
  int64_t url_ttl_seconds = -1;  // -1: not part of the request
  int64_t expiry_seconds = -1;   // -1: not part of the request
  std::string subject_claim = "sub";
  std::string tenant_claim = "org";
  std::string roles_claim = "roles";
};

// Adds the "policy check" subcommands to app and returns the "check" command.
CLI::App* add_policy_check_command(CLI::App& app, PolicyCheckOptions& options);

// Prints "allow" or "deny", the deciding statement and the reason. Returns 0
// for allow, 1 for deny and 2 when the policy, claims or action are invalid.
int run_policy_check(const PolicyCheckOptions& options);

}  // namespace satchel::cli
