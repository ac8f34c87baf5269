#include "auth/issuer_config.h"

#include <algorithm>
#include <set>

namespace satchel::auth {
namespace {

using Failure = Unexpected<std::string>;

std::string line_of(const toml::node& node) {
  return "(line " + std::to_string(node.source().begin.line) + ")";
}

Failure invalid(const std::string& path, const toml::node& node, std::string_view problem) {
  return Failure(path + " " + line_of(node) + ": " + std::string(problem));
}

// Rejects keys outside the allowed list, so a misspelt key is reported
// instead of silently taking its default.
Expected<void, std::string> check_keys(const toml::table& table, const std::string& path,
                                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      return invalid(path + "." + std::string(key.str()), node, "unknown key");
    }
  }
  return {};
}

Expected<std::optional<std::string>, std::string> optional_text(const toml::table& table,
                                                                const std::string& path,
                                                                std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<std::string>{};
  auto value = node->value<std::string>();
  if (!node->is_string() || !value || value->empty()) {
    return invalid(path + "." + std::string(key), *node, "expected a non-empty string");
  }
  return std::optional<std::string>(std::move(*value));
}

Expected<std::optional<std::chrono::seconds>, std::string> optional_seconds(
    const toml::table& table, const std::string& path, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<std::chrono::seconds>{};
  auto value = node->value<int64_t>();
  if (!node->is_integer() || !value || *value < 0) {
    return invalid(path + "." + std::string(key), *node,
                   "expected a non-negative integer number of seconds");
  }
  return std::optional<std::chrono::seconds>(*value);
}

Expected<std::vector<std::string>, std::string> string_array(const toml::node& node,
                                                             const std::string& path) {
  const toml::array* array = node.as_array();
  std::vector<std::string> values;
  if (array != nullptr) {
    for (const toml::node& item : *array) {
      auto value = item.value<std::string>();
      if (!item.is_string() || !value || value->empty()) {
        values.clear();
        break;
      }
      values.push_back(std::move(*value));
    }
  }
  if (values.empty()) return invalid(path, node, "expected a non-empty array of strings");
  return values;
}

bool is_http_url(std::string_view text) {
  return text.starts_with("https://") || text.starts_with("http://");
}

Expected<JwksCacheSettings, std::string> parse_cache_settings(
    const toml::table& table, std::chrono::milliseconds& fetch_timeout) {
  const std::string path = "auth.jwks_cache";
  if (auto known =
          check_keys(table, path,
                     {"min_lifetime_seconds", "max_lifetime_seconds", "default_lifetime_seconds",
                      "refetch_interval_seconds", "max_stale_seconds", "fetch_timeout_seconds"});
      !known) {
    return Failure(known.error());
  }
  JwksCacheSettings settings;
  const std::pair<std::string_view, std::chrono::seconds*> fields[] = {
      {"min_lifetime_seconds", &settings.min_lifetime},
      {"max_lifetime_seconds", &settings.max_lifetime},
      {"default_lifetime_seconds", &settings.default_lifetime},
      {"refetch_interval_seconds", &settings.refetch_interval},
      {"max_stale_seconds", &settings.max_stale}};
  for (const auto& [key, target] : fields) {
    auto value = optional_seconds(table, path, key);
    if (!value) return Failure(value.error());
    if (*value) *target = **value;
  }
  if (settings.min_lifetime > settings.max_lifetime) {
    return invalid(path + ".min_lifetime_seconds", table,
                   "must not be larger than max_lifetime_seconds");
  }
  auto timeout = optional_seconds(table, path, "fetch_timeout_seconds");
  if (!timeout) return Failure(timeout.error());
  if (*timeout) {
    if (**timeout == std::chrono::seconds{0}) {
      return invalid(path + ".fetch_timeout_seconds", table, "must be at least 1 second");
    }
    fetch_timeout = **timeout;
  }
  return settings;
}

Expected<std::vector<JwsAlgorithm>, std::string> parse_algorithms(const toml::node& node,
                                                                  const std::string& path) {
  auto names = string_array(node, path);
  if (!names) return Failure(names.error());
  std::vector<JwsAlgorithm> algorithms;
  for (const std::string& name : *names) {
    auto algorithm = parse_jws_algorithm(name);
    if (!algorithm || *algorithm == JwsAlgorithm::kHs256) {
      return invalid(path, node,
                     "unknown asymmetric algorithm \"" + name +
                         "\"; use RS256, RS384, RS512, PS256, PS384, ES256, ES384 or EdDSA "
                         "(HS256 is enabled by hs256_secret)");
    }
    algorithms.push_back(*algorithm);
  }
  return algorithms;
}

Expected<void, std::string> parse_claim_names(const toml::table& table, const std::string& path,
                                              IssuerConfig& issuer) {
  const std::pair<std::string_view, std::string*> claims[] = {
      {"subject_claim", &issuer.subject_claim},
      {"tenant_claim", &issuer.tenant_claim},
      {"roles_claim", &issuer.roles_claim}};
  for (const auto& [key, target] : claims) {
    auto value = optional_text(table, path, key);
    if (!value) return Failure(value.error());
    if (*value) *target = std::move(**value);
  }
  return {};
}

Expected<IssuerConfig, std::string> parse_issuer(const toml::table& table,
                                                 const std::string& path) {
  if (auto known =
          check_keys(table, path,
                     {"issuer", "audiences", "jwks_uri", "ca_file", "subject_claim", "tenant_claim",
                      "roles_claim", "hs256_secret", "algorithms", "leeway_seconds"});
      !known) {
    return Failure(known.error());
  }
  IssuerConfig issuer;
  auto name = optional_text(table, path, "issuer");
  if (!name) return Failure(name.error());
  if (!*name || !is_http_url(**name)) {
    return invalid(path + ".issuer", table,
                   "expected the issuer URL, such as \"https://login.example.com\"");
  }
  issuer.issuer = std::move(**name);

  const toml::node* audiences = table.get("audiences");
  if (audiences == nullptr) return invalid(path + ".audiences", table, "missing");
  auto audience_list = string_array(*audiences, path + ".audiences");
  if (!audience_list) return Failure(audience_list.error());
  issuer.audiences = std::move(*audience_list);

  auto jwks_uri = optional_text(table, path, "jwks_uri");
  if (!jwks_uri) return Failure(jwks_uri.error());
  if (*jwks_uri && !is_http_url(**jwks_uri)) {
    return invalid(path + ".jwks_uri", *table.get("jwks_uri"), "expected an http or https URL");
  }
  issuer.jwks_uri = std::move(*jwks_uri);

  auto ca_file = optional_text(table, path, "ca_file");
  if (!ca_file) return Failure(ca_file.error());
  if (*ca_file && (*ca_file)->empty()) {
    return invalid(path + ".ca_file", *table.get("ca_file"), "expected the path of a PEM file");
  }
  if (*ca_file) issuer.ca_file = std::move(**ca_file);

  if (auto claims = parse_claim_names(table, path, issuer); !claims) return Failure(claims.error());

  auto secret = optional_text(table, path, "hs256_secret");
  if (!secret) return Failure(secret.error());
  if (*secret) {
    Secret value(std::move(**secret));
    if (auto usable = check_shared_secret(value); !usable) {
      return invalid(path + ".hs256_secret", *table.get("hs256_secret"),
                     shared_secret_error_description(usable.error()));
    }
    issuer.hs256_secret = std::move(value);
  }

  if (const toml::node* algorithms = table.get("algorithms")) {
    auto parsed = parse_algorithms(*algorithms, path + ".algorithms");
    if (!parsed) return Failure(parsed.error());
    issuer.algorithms = std::move(*parsed);
  }
  auto leeway = optional_seconds(table, path, "leeway_seconds");
  if (!leeway) return Failure(leeway.error());
  if (*leeway) issuer.leeway = **leeway;
  return issuer;
}

}  // namespace

Expected<AuthConfig, std::string> parse_auth_config(const toml::table& root) {
  AuthConfig config;
  const toml::node* auth_node = root.get("auth");
  if (auth_node == nullptr) return config;
  const toml::table* auth = auth_node->as_table();
  if (auth == nullptr) return invalid("auth", *auth_node, "expected a table");
  if (auto known = check_keys(*auth, "auth", {"issuers", "jwks_cache"}); !known) {
    return Failure(known.error());
  }

  if (const toml::node* cache = auth->get("jwks_cache")) {
    if (!cache->is_table()) return invalid("auth.jwks_cache", *cache, "expected a table");
    auto settings = parse_cache_settings(*cache->as_table(), config.fetch_timeout);
    if (!settings) return Failure(settings.error());
    config.jwks_cache = *settings;
  }

  const toml::node* issuers = auth->get("issuers");
  if (issuers == nullptr) return config;
  const toml::array* list = issuers->as_array();
  if (list == nullptr || !list->is_array_of_tables()) {
    return invalid("auth.issuers", *issuers, "expected [[auth.issuers]] tables");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "auth.issuers[" + std::to_string(i + 1) + "]";
    auto issuer = parse_issuer(*list->get(i)->as_table(), path);
    if (!issuer) return Failure(issuer.error());
    if (!seen.insert(issuer->issuer).second) {
      return invalid(path + ".issuer", *list->get(i),
                     "issuer \"" + issuer->issuer + "\" is listed twice");
    }
    config.issuers.push_back(std::move(*issuer));
  }
  return config;
}

JwtVerifierConfig make_verifier_config(const IssuerConfig& issuer) {
  return JwtVerifierConfig{.issuer = issuer.issuer,
                           .audiences = issuer.audiences,
                           .algorithms = issuer.algorithms,
                           .hs256_secret = issuer.hs256_secret,
                           .leeway = issuer.leeway,
                           .subject_claim = issuer.subject_claim,
                           .tenant_claim = issuer.tenant_claim,
                           .roles_claim = issuer.roles_claim};
}

}  // namespace satchel::auth
