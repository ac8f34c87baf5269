// The declarative access policy: a TOML file of statements, evaluated with
// deny winning over allow and nothing allowed unless a statement allows it.
//
//   [[statements]]
//   id = "own-space-write"              # optional, shown in explanations
//   effect = "allow"                    # or "deny"
//   actions = ["object:write"]          # "object:*" and "admin:*" cover a family
//   resources = ["${org}/${sub}/*"]     # or not_resources = [...]
//   [statements.conditions]             # optional, all must hold
//   roles = ["admin"]                   # the principal has one of these roles
//   content_types = ["image/*"]         # object:write only
//   max_size_bytes = 104857600          # object:write only, allow statements only
//   max_url_ttl_seconds = 3600          # object:write and object:read, allow only
//   max_expiry_seconds = 2592000        # object:write only, allow only
//
//   [[retention]]                       # optional, any number
//   id = "regulated-records"            # optional, shown in errors and audit events
//   resources = ["${org}/*/records/*"]  # ${org} and ${sub} only
//   days = 365                          # no delete or expiry before this age
//
// Resource patterns match whole keys. '*' matches any run of characters,
// '/' included. ${org} is the tenant, ${sub} the subject and
// ${claim:NAME} a string claim of the token (NAME may be a dotted path).
// A variable that is missing, empty or contains '/' or '*' makes its pattern
// match nothing, and its value is never read as a wildcard.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "policy/access.h"

namespace satchel::policy {

// A [[retention]] rule that applies to an object: it may be neither deleted nor expired before
// period has passed since its commit.
struct RetentionRule {
  std::string id;
  // The rule's line in the policy file.
  int line = 0;
  std::chrono::seconds period{0};
};

// A parsed policy. Immutable, so it may be shared between threads.
class Policy {
 public:
  // Parses a policy file's text. source names the file in error messages.
  // Any unknown key, action, variable or condition, a condition that does not
  // apply to one of its statement's actions, or a maximum in a deny
  // statement is an error naming the file and line, such as
  // "policy.toml line 7: unknown action \"object:wirte\"".
  static Expected<Policy, std::string> parse(std::string_view text, std::string_view source);

  // Reads and parses a policy file.
  static Expected<Policy, std::string> load(const std::string& path);

  // The built-in default policy, the text of config/policy.toml.
  static const Policy& default_policy();

  // Decides one request. Deny statements that apply win, then the first allow
  // statement that applies, else the request is denied. A statement applies
  // when it lists the action, a resource pattern matches (or, with
  // not_resources, none does) and every condition holds.
  Decision evaluate(const Principal& principal, const AccessRequest& request) const;

  size_t statement_count() const;

  // Returns the retention rule with the longest period whose resources match key, or nullopt
  // when none does. ${org} is tenant and ${sub} is owner, because the lifecycle sweeper checks
  // without a token.
  std::optional<RetentionRule> retention_for(std::string_view tenant, std::string_view owner,
                                             std::string_view key) const;

  // Returns the longest period of all retention rules, or zero when there is none.
  std::chrono::seconds longest_retention() const;

  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;
  ~Policy();

 private:
  struct Statement;
  struct Retention;
  Policy();

  std::vector<Statement> statements_;
  std::vector<Retention> retention_;
};

// The text of the shipped default policy, compiled into the binary.
std::string_view default_policy_text();

}  // namespace satchel::policy
