#include "policy/policy.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace satchel::policy {
namespace {

using Failure = Unexpected<std::string>;

// ---- Resource patterns ----------------------------------------------------

struct PatternPart {
  enum class Kind { kLiteral, kWildcard, kTenant, kSubject, kClaim };
  Kind kind = Kind::kLiteral;
  std::string text;  // the literal, or the claim path for kClaim
};
using Pattern = std::vector<PatternPart>;

// A pattern after variable expansion: literals with '*' wildcards between
// them. pieces.size() - 1 is the number of wildcards.
struct ExpandedPattern {
  std::vector<std::string> pieces{std::string()};
};

Expected<Pattern, std::string> parse_pattern(std::string_view text) {
  if (text.empty()) return Failure("a resource pattern is empty");
  Pattern pattern;
  auto literal = [&](char c) {
    if (pattern.empty() || pattern.back().kind != PatternPart::Kind::kLiteral) {
      pattern.push_back({PatternPart::Kind::kLiteral, ""});
    }
    pattern.back().text += c;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*') {
      pattern.push_back({PatternPart::Kind::kWildcard, ""});
    } else if (text.substr(i, 2) == "${") {
      const size_t close = text.find('}', i);
      if (close == std::string_view::npos) {
        return Failure("unclosed variable in resource \"" + std::string(text) + "\"");
      }
      const std::string_view name = text.substr(i + 2, close - i - 2);
      if (name == "org") {
        pattern.push_back({PatternPart::Kind::kTenant, ""});
      } else if (name == "sub") {
        pattern.push_back({PatternPart::Kind::kSubject, ""});
      } else if (name.starts_with("claim:") && name.size() > 6) {
        pattern.push_back({PatternPart::Kind::kClaim, std::string(name.substr(6))});
      } else {
        return Failure("unknown variable ${" + std::string(name) +
                       "}; use ${org}, ${sub} or ${claim:NAME}");
      }
      i = close;
    } else {
      literal(text[i]);
    }
  }
  return pattern;
}

// A string claim at a dotted path, a top-level member named with the whole
// path first, as the token verifier does.
const nlohmann::json* find_claim(const nlohmann::json& claims, std::string_view path) {
  if (!claims.is_object()) return nullptr;
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

// The value of a variable, or nullopt when it cannot be used in a key.
std::optional<std::string> variable_value(const PatternPart& part, const Principal& principal) {
  std::string value;
  if (part.kind == PatternPart::Kind::kTenant) {
    value = principal.tenant;
  } else if (part.kind == PatternPart::Kind::kSubject) {
    value = principal.subject;
  } else {
    const nlohmann::json* claim = find_claim(principal.claims, part.text);
    if (claim == nullptr || !claim->is_string()) return std::nullopt;
    value = claim->get<std::string>();
  }
  // A '/' would let a value span key segments, and '*' reads like a wildcard.
  if (value.empty() || value.find_first_of("/*") != std::string::npos) return std::nullopt;
  return value;
}

std::optional<ExpandedPattern> expand(const Pattern& pattern, const Principal& principal) {
  ExpandedPattern expanded;
  for (const PatternPart& part : pattern) {
    switch (part.kind) {
      case PatternPart::Kind::kLiteral:
        expanded.pieces.back() += part.text;
        break;
      case PatternPart::Kind::kWildcard:
        expanded.pieces.emplace_back();
        break;
      default: {
        auto value = variable_value(part, principal);
        if (!value) return std::nullopt;
        expanded.pieces.back() += *value;
      }
    }
  }
  return expanded;
}

// Glob match where each wildcard matches any run of characters.
bool matches(const ExpandedPattern& pattern, std::string_view text) {
  const auto& pieces = pattern.pieces;
  if (pieces.size() == 1) return text == pieces.front();
  const std::string& first = pieces.front();
  const std::string& last = pieces.back();
  if (first.size() + last.size() > text.size() || !text.starts_with(first) ||
      !text.ends_with(last)) {
    return false;
  }
  size_t position = first.size();
  const size_t end = text.size() - last.size();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    const size_t found = text.substr(0, end).find(pieces[i], position);
    if (found == std::string_view::npos) return false;
    position = found + pieces[i].size();
  }
  return true;
}

// ---- Conditions -----------------------------------------------------------

struct Conditions {
  std::vector<std::string> roles;
  std::vector<std::string> content_types;
  std::optional<uint64_t> max_size_bytes;
  std::optional<std::chrono::seconds> max_url_ttl;
  std::optional<std::chrono::seconds> max_expiry;
};

std::string lower_essence(std::string_view content_type) {
  std::string essence(content_type.substr(0, content_type.find(';')));
  while (!essence.empty() && essence.back() == ' ') essence.pop_back();
  for (char& c : essence) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return essence;
}

bool content_type_matches(const std::vector<std::string>& patterns, std::string_view value) {
  const std::string essence = lower_essence(value);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    if (pattern.ends_with("/*")) return essence.starts_with(pattern.substr(0, pattern.size() - 1));
    return essence == pattern;
  });
}

std::string join(const std::vector<std::string>& values) {
  std::string text;
  for (const std::string& value : values) text += (text.empty() ? "" : ", ") + value;
  return text;
}

// Describes the first condition that does not hold, or nullopt when all hold.
std::optional<std::string> unmet_condition(const Conditions& conditions, const Principal& principal,
                                           const RequestAttributes& attributes) {
  if (!conditions.roles.empty() &&
      std::none_of(conditions.roles.begin(), conditions.roles.end(),
                   [&](const std::string& role) { return principal.has_role(role); })) {
    return "it requires one of the roles " + join(conditions.roles);
  }
  if (!conditions.content_types.empty() && attributes.content_type &&
      !content_type_matches(conditions.content_types, *attributes.content_type)) {
    return "content type " + *attributes.content_type + " is not one of " +
           join(conditions.content_types);
  }
  if (conditions.max_size_bytes && attributes.size_bytes &&
      *attributes.size_bytes > *conditions.max_size_bytes) {
    return "size " + std::to_string(*attributes.size_bytes) + " bytes is over its maximum of " +
           std::to_string(*conditions.max_size_bytes) + " bytes";
  }
  if (conditions.max_url_ttl && attributes.url_ttl &&
      *attributes.url_ttl > *conditions.max_url_ttl) {
    return "URL lifetime " + std::to_string(attributes.url_ttl->count()) +
           " s is over its maximum of " + std::to_string(conditions.max_url_ttl->count()) + " s";
  }
  if (conditions.max_expiry && attributes.expiry && *attributes.expiry > *conditions.max_expiry) {
    return "expiry " + std::to_string(attributes.expiry->count()) + " s is over its maximum of " +
           std::to_string(conditions.max_expiry->count()) + " s";
  }
  return std::nullopt;
}

}  // namespace

struct Policy::Statement {
  std::string id;
  int line = 0;
  bool allow = false;
  std::vector<Action> actions;
  std::vector<Pattern> resources;
  bool not_resources = false;  // the statement applies when no pattern matches
  Conditions conditions;

  bool covers(Action action) const {
    return std::find(actions.begin(), actions.end(), action) != actions.end();
  }

  bool matches_resource(const Principal& principal, std::string_view resource) const {
    bool any = std::any_of(resources.begin(), resources.end(), [&](const Pattern& pattern) {
      auto expanded = expand(pattern, principal);
      return expanded && matches(*expanded, resource);
    });
    return not_resources ? !any : any;
  }

  std::string name() const {
    return "statement \"" + id + "\" (line " + std::to_string(line) + ")";
  }
};

struct Policy::Retention {
  RetentionRule rule;
  std::vector<Pattern> resources;
};

// ---- Parsing --------------------------------------------------------------

namespace {

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  Failure fail(const toml::node& node, std::string_view problem) const {
    return Failure(source_ + " line " + std::to_string(node.source().begin.line) + ": " +
                   std::string(problem));
  }

  Expected<std::vector<std::string>, std::string> strings(const toml::node& node,
                                                          std::string_view key) const {
    std::vector<std::string> values;
    const toml::array* array = node.as_array();
    if (array != nullptr) {
      for (const toml::node& item : *array) {
        auto value = item.value<std::string>();
        if (!item.is_string() || !value || value->empty())
          return fail(item, std::string(key) + " must contain non-empty strings");
        values.push_back(std::move(*value));
      }
    }
    if (values.empty())
      return fail(node, std::string(key) + " must be a non-empty array of strings");
    return values;
  }

  Expected<int64_t, std::string> positive(const toml::node& node, std::string_view key) const {
    auto value = node.value<int64_t>();
    if (!node.is_integer() || !value || *value < 1) {
      return fail(node, std::string(key) + " must be a positive integer");
    }
    return *value;
  }

 private:
  std::string source_;
};

Expected<std::vector<Action>, std::string> parse_actions(const Parser& parser,
                                                         const toml::node& node) {
  auto names = parser.strings(node, "actions");
  if (!names) return Failure(names.error());
  std::vector<Action> actions;
  const toml::array& items = *node.as_array();
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string& name = (*names)[i];
    if (name == "object:*" || name == "admin:*") {
      for (Action action : kAllActions) {
        if (to_string(action).starts_with(name.substr(0, name.size() - 1)))
          actions.push_back(action);
      }
    } else if (auto action = parse_action(name)) {
      actions.push_back(*action);
    } else {
      return parser.fail(*items.get(i), "unknown action \"" + name + "\"");
    }
  }
  return actions;
}

Expected<void, std::string> check_content_type_pattern(const Parser& parser, const toml::node& node,
                                                       const std::string& pattern) {
  const size_t slash = pattern.find('/');
  const bool valid = slash != std::string::npos && slash > 0 && slash + 1 < pattern.size() &&
                     pattern.find('/', slash + 1) == std::string::npos &&
                     pattern == lower_essence(pattern);
  if (!valid) {
    return parser.fail(
        node, "content type \"" + pattern + "\" must be a lower-case type/subtype or type/*");
  }
  return {};
}

bool only_actions(const std::vector<Action>& actions, const std::vector<Action>& allowed) {
  return std::all_of(actions.begin(), actions.end(), [&](Action action) {
    return std::find(allowed.begin(), allowed.end(), action) != allowed.end();
  });
}

Expected<Conditions, std::string> parse_conditions(const Parser& parser, const toml::node& node,
                                                   bool allow, const std::vector<Action>& actions) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return parser.fail(node, "conditions must be a table");
  Conditions conditions;
  for (const auto& [key_name, value] : *table) {
    const std::string key(key_name.str());
    const bool is_maximum = key.starts_with("max_");
    if (is_maximum && !allow) {
      return parser.fail(value, key +
                                    " limits what an allow statement allows; in a deny "
                                    "statement it would deny the requests within the limit");
    }
    std::vector<Action> applies_to = {Action::kObjectWrite};
    if (key == "roles") {
      auto roles = parser.strings(value, key);
      if (!roles) return Failure(roles.error());
      conditions.roles = std::move(*roles);
      continue;
    }
    if (key == "content_types") {
      auto types = parser.strings(value, key);
      if (!types) return Failure(types.error());
      for (const std::string& type : *types) {
        if (auto valid = check_content_type_pattern(parser, value, type); !valid) {
          return Failure(valid.error());
        }
      }
      conditions.content_types = std::move(*types);
    } else if (key == "max_size_bytes" || key == "max_url_ttl_seconds" ||
               key == "max_expiry_seconds") {
      auto number = parser.positive(value, key);
      if (!number) return Failure(number.error());
      if (key == "max_size_bytes") conditions.max_size_bytes = static_cast<uint64_t>(*number);
      if (key == "max_expiry_seconds") conditions.max_expiry = std::chrono::seconds(*number);
      if (key == "max_url_ttl_seconds") {
        conditions.max_url_ttl = std::chrono::seconds(*number);
        applies_to = {Action::kObjectWrite, Action::kObjectRead};
      }
    } else {
      return parser.fail(value, "unknown condition \"" + key +
                                    "\"; use roles, content_types, max_size_bytes, "
                                    "max_url_ttl_seconds or max_expiry_seconds");
    }
    if (!only_actions(actions, applies_to)) {
      std::string names;
      for (Action action : applies_to)
        names += (names.empty() ? "" : " and ") + std::string(to_string(action));
      return parser.fail(value, "condition " + key + " applies only to " + names +
                                    "; put the other actions in a statement of their own");
    }
  }
  return conditions;
}

Expected<std::vector<Pattern>, std::string> parse_resources(const Parser& parser,
                                                            const toml::node& node,
                                                            std::string_view key) {
  auto texts = parser.strings(node, key);
  if (!texts) return Failure(texts.error());
  std::vector<Pattern> patterns;
  for (const std::string& text : *texts) {
    auto pattern = parse_pattern(text);
    if (!pattern) return parser.fail(node, pattern.error());
    patterns.push_back(std::move(*pattern));
  }
  return patterns;
}

Expected<void, std::string> check_statement_keys(const Parser& parser, const toml::table& table) {
  static constexpr std::string_view kKeys[] = {"id",        "effect",        "actions",
                                               "resources", "not_resources", "conditions"};
  for (const auto& [key, value] : table) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      return parser.fail(value, "unknown statement key \"" + std::string(key.str()) + "\"");
    }
  }
  return {};
}

}  // namespace

namespace {

template <class Statement>
Expected<Statement, std::string> parse_statement(const Parser& parser, const toml::table& table,
                                                 size_t index) {
  if (auto keys = check_statement_keys(parser, table); !keys) return Failure(keys.error());
  Statement statement;
  statement.line = static_cast<int>(table.source().begin.line);
  statement.id = "#" + std::to_string(index + 1);
  if (const toml::node* id = table.get("id")) {
    auto text = id->value<std::string>();
    if (!id->is_string() || !text || text->empty())
      return parser.fail(*id, "id must be a non-empty string");
    statement.id = *text;
  }

  const toml::node* effect = table.get("effect");
  if (effect == nullptr)
    return parser.fail(table, "the statement has no effect; use \"allow\" or \"deny\"");
  const auto effect_text = effect->value<std::string>();
  if (!effect->is_string() || (effect_text != "allow" && effect_text != "deny")) {
    return parser.fail(*effect, "effect must be \"allow\" or \"deny\"");
  }
  statement.allow = effect_text == "allow";

  const toml::node* actions = table.get("actions");
  if (actions == nullptr) return parser.fail(table, "the statement has no actions");
  auto parsed_actions = parse_actions(parser, *actions);
  if (!parsed_actions) return Failure(parsed_actions.error());
  statement.actions = std::move(*parsed_actions);

  const toml::node* resources = table.get("resources");
  const toml::node* not_resources = table.get("not_resources");
  if ((resources == nullptr) == (not_resources == nullptr)) {
    return parser.fail(table, "the statement needs exactly one of resources and not_resources");
  }
  statement.not_resources = not_resources != nullptr;
  auto patterns = parse_resources(parser, resources ? *resources : *not_resources,
                                  resources ? "resources" : "not_resources");
  if (!patterns) return Failure(patterns.error());
  statement.resources = std::move(*patterns);

  if (const toml::node* conditions = table.get("conditions")) {
    auto parsed = parse_conditions(parser, *conditions, statement.allow, statement.actions);
    if (!parsed) return Failure(parsed.error());
    statement.conditions = std::move(*parsed);
  }
  return statement;
}

}  // namespace

namespace {

template <class Retention>
Expected<Retention, std::string> parse_retention(const Parser& parser, const toml::table& table,
                                                 size_t index) {
  for (const auto& [key, value] : table) {
    if (key.str() != "id" && key.str() != "resources" && key.str() != "days") {
      return parser.fail(value, "unknown retention key \"" + std::string(key.str()) +
                                    "\"; use id, resources and days");
    }
  }
  Retention retention;
  retention.rule.line = static_cast<int>(table.source().begin.line);
  retention.rule.id = "retention #" + std::to_string(index + 1);
  if (const toml::node* id = table.get("id")) {
    auto text = id->value<std::string>();
    if (!id->is_string() || !text || text->empty())
      return parser.fail(*id, "id must be a non-empty string");
    retention.rule.id = *text;
  }
  const toml::node* resources = table.get("resources");
  if (resources == nullptr) return parser.fail(table, "the retention rule has no resources");
  auto patterns = parse_resources(parser, *resources, "resources");
  if (!patterns) return Failure(patterns.error());
  for (const Pattern& pattern : *patterns) {
    for (const PatternPart& part : pattern) {
      if (part.kind == PatternPart::Kind::kClaim) {
        return parser.fail(*resources,
                           "retention resources may use ${org} and ${sub} but no ${claim:...}, "
                           "because expiry is checked without a token");
      }
    }
  }
  retention.resources = std::move(*patterns);
  const toml::node* days = table.get("days");
  if (days == nullptr) return parser.fail(table, "the retention rule has no days");
  auto count = parser.positive(*days, "days");
  if (!count) return Failure(count.error());
  // A bound keeps the period in seconds far from overflow: 100 years is longer than any
  // records schedule.
  constexpr int64_t kMaxRetentionDays = 36500;
  if (*count > kMaxRetentionDays) {
    return parser.fail(*days, "days must be at most " + std::to_string(kMaxRetentionDays));
  }
  retention.rule.period = std::chrono::days(*count);
  return retention;
}

}  // namespace

Policy::Policy() = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

size_t Policy::statement_count() const { return statements_.size(); }

std::optional<RetentionRule> Policy::retention_for(std::string_view tenant, std::string_view owner,
                                                   std::string_view key) const {
  Principal owner_principal;
  owner_principal.tenant = std::string(tenant);
  owner_principal.subject = std::string(owner);
  std::optional<RetentionRule> longest;
  for (const Retention& retention : retention_) {
    bool applies = std::any_of(retention.resources.begin(), retention.resources.end(),
                               [&](const Pattern& pattern) {
                                 auto expanded = expand(pattern, owner_principal);
                                 return expanded && matches(*expanded, key);
                               });
    if (applies && (!longest || retention.rule.period > longest->period)) longest = retention.rule;
  }
  return longest;
}

std::chrono::seconds Policy::longest_retention() const {
  std::chrono::seconds longest{0};
  for (const Retention& retention : retention_) longest = std::max(longest, retention.rule.period);
  return longest;
}

Expected<Policy, std::string> Policy::parse(std::string_view text, std::string_view source) {
  const Parser parser(source);
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    return Failure(std::string(source) + " line " + std::to_string(error.source().begin.line) +
                   ": " + std::string(error.description()));
  }
  for (const auto& [key, value] : root) {
    if (key.str() != "version" && key.str() != "statements" && key.str() != "retention") {
      return parser.fail(value, "unknown key \"" + std::string(key.str()) +
                                    "\"; a policy has version, [[statements]] and [[retention]]");
    }
  }
  if (const toml::node* version = root.get("version"); version && version->value<int64_t>() != 1) {
    return parser.fail(*version, "unsupported policy version; this Satchel reads version 1");
  }
  const toml::node* statements = root.get("statements");
  const toml::array* list = statements ? statements->as_array() : nullptr;
  if (list == nullptr || !list->is_array_of_tables() || list->empty()) {
    return Failure(std::string(source) + ": the policy has no [[statements]]");
  }
  Policy policy;
  for (size_t i = 0; i < list->size(); ++i) {
    auto statement = parse_statement<Statement>(parser, *list->get(i)->as_table(), i);
    if (!statement) return Failure(statement.error());
    policy.statements_.push_back(std::move(*statement));
  }
  if (const toml::node* retention = root.get("retention")) {
    const toml::array* rules = retention->as_array();
    if (rules == nullptr || !rules->is_array_of_tables()) {
      return parser.fail(*retention, "retention must be an array of tables, [[retention]]");
    }
    for (size_t i = 0; i < rules->size(); ++i) {
      auto rule = parse_retention<Retention>(parser, *rules->get(i)->as_table(), i);
      if (!rule) return Failure(rule.error());
      policy.retention_.push_back(std::move(*rule));
    }
  }
  return policy;
}

Expected<Policy, std::string> Policy::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Failure("cannot read the policy file " + path);
  std::stringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

const Policy& Policy::default_policy() {
  // The shipped text is checked by the policy tests, so parsing cannot fail here.
  static const Policy policy = std::move(*parse(default_policy_text(), "default policy"));
  return policy;
}

Decision Policy::evaluate(const Principal& principal, const AccessRequest& request) const {
  const Statement* allowing = nullptr;
  std::string near_miss;
  for (const Statement& statement : statements_) {
    if (!statement.covers(request.action) ||
        !statement.matches_resource(principal, request.resource)) {
      continue;
    }
    if (auto unmet = unmet_condition(statement.conditions, principal, request.attributes)) {
      if (statement.allow && near_miss.empty()) {
        near_miss = "; " + statement.name() + " covers it, but " + *unmet;
      }
      continue;
    }
    if (!statement.allow) {
      return {false, statement.id, statement.line, "denied by " + statement.name()};
    }
    if (allowing == nullptr) allowing = &statement;
  }
  if (allowing != nullptr) {
    return {true, allowing->id, allowing->line, "allowed by " + allowing->name()};
  }
  return {false, "", 0,
          "no statement allows " + std::string(to_string(request.action)) + " on " +
              request.resource + near_miss};
}

}  // namespace satchel::policy
