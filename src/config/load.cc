#include "config/load.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "config/host_port.h"
#include "config/keys.h"

namespace satchel::config {
namespace {

// The source of each key's value ("FILE line 3", "flag --listen"), for error messages.
using Origins = std::map<std::string, std::string, std::less<>>;

bool is_delegated(std::string_view path) {
  std::string_view top = path.substr(0, path.find('.'));
  return std::find(std::begin(kDelegatedTables), std::end(kDelegatedTables), top) !=
         std::end(kDelegatedTables);
}

bool is_table_prefix(std::string_view path) {
  return std::any_of(keys().begin(), keys().end(), [path](const Key& key) {
    return key.name.size() > path.size() && key.name.starts_with(path) &&
           key.name[path.size()] == '.';
  });
}

std::string file_origin(const std::filesystem::path& file, const toml::node& node) {
  return file.string() + " line " + std::to_string(node.source().begin.line);
}

// Walks the file's tables and rejects any key the table of keys lacks.
Expected<void, std::string> check_known_keys(const toml::table& table, const std::string& prefix,
                                             const std::filesystem::path& file, Origins& origins) {
  for (const auto& [name, node] : table) {
    std::string path =
        prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
    if (is_delegated(path)) continue;
    if (find_key(path)) {
      origins[path] = file_origin(file, node);
      continue;
    }
    if (const toml::table* inner = node.as_table(); inner && is_table_prefix(path)) {
      auto checked = check_known_keys(*inner, path, file, origins);
      if (!checked) return checked;
      continue;
    }
    return Unexpected("unknown key " + path + " (" + file_origin(file, node) +
                      "): remove it or correct the name; docs/configuration.md lists every key");
  }
  return {};
}

Expected<toml::table, std::string> read_file(const std::filesystem::path& file) {
  std::ifstream stream(file);
  if (!stream) {
    return Unexpected("cannot read the configuration file " + file.string() +
                      ": check the --config path and its permissions");
  }
  std::stringstream text;
  text << stream.rdbuf();
  try {
    return toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& error) {
    return Unexpected("invalid TOML in " + file.string() + " line " +
                      std::to_string(error.source().begin.line) + ": " +
                      std::string(error.description()));
  }
}

// Converts text from the environment or a flag into a TOML value of the
// key's type. Text that does not convert stays a string, so that assign()
// reports the expected type.
std::unique_ptr<toml::node> parse_text(const Key& key, const std::string& text) {
  switch (key.type) {
    case ValueType::kInteger: {
      int64_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc{} && end == text.data() + text.size() && !text.empty()) {
        return std::make_unique<toml::value<int64_t>>(value);
      }
      break;
    }
    case ValueType::kBoolean:
      if (text == "true" || text == "1") return std::make_unique<toml::value<bool>>(true);
      if (text == "false" || text == "0") return std::make_unique<toml::value<bool>>(false);
      break;
    case ValueType::kStringList: {
      auto array = std::make_unique<toml::array>();
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma - start);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) array->push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return array;
    }
    case ValueType::kString:
      break;
  }
  return std::make_unique<toml::value<std::string>>(text);
}

// Sets document[path] to value, creating the tables on the way.
void set_path(toml::table& document, std::string_view path, std::unique_ptr<toml::node> value) {
  toml::table* table = &document;
  size_t dot;
  while ((dot = path.find('.')) != std::string_view::npos) {
    std::string_view part = path.substr(0, dot);
    auto* inner = (*table)[part].as_table();
    if (!inner) {
      table->insert_or_assign(part, toml::table{});
      inner = (*table)[part].as_table();
    }
    table = inner;
    path.remove_prefix(dot + 1);
  }
  std::move(*value).visit([&](auto&& node) { table->insert_or_assign(path, std::move(node)); });
}

Expected<Config, std::string> decode(toml::table document, const Origins& origins) {
  Config config;
  for (const Key& key : keys()) {
    const toml::node* node = document.at_path(key.name).node();
    if (!node) continue;
    if (auto problem = key.assign(*node, config)) {
      auto origin = origins.find(key.name);
      std::string where = origin == origins.end() ? std::string() : " (" + origin->second + ")";
      return Unexpected("invalid " + key.name + where + ": " + *problem);
    }
  }
  config.document = std::move(document);
  return config;
}

Expected<void, std::string> check_readable(const std::string& key,
                                           const std::filesystem::path& file) {
  if (file.empty()) return {};
  std::ifstream stream(file);
  if (!stream) {
    return Unexpected(key + ": cannot read " + file.string() +
                      ": check the path and that the satchel user may read it");
  }
  return {};
}

Expected<void, std::string> check_tls(const std::string& table, const TlsFiles& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Unexpected(table + ".cert_file and " + table +
                      ".key_file must be set together: set both for TLS or neither for plain "
                      "HTTP");
  }
  if (auto readable = check_readable(table + ".cert_file", tls.cert_file); !readable) {
    return readable;
  }
  return check_readable(table + ".key_file", tls.key_file);
}

Expected<void, std::string> check_address(const std::string& key, const std::string& value) {
  if (auto parsed = parse_host_port(value); !parsed) {
    return Unexpected("invalid " + key + ": " + parsed.error());
  }
  return {};
}

Expected<void, std::string> check_external_store(const StoreConfig& store) {
  if (store.embedded) {
    if (!store.endpoint.empty()) {
      return Unexpected(
          "store.endpoint is set but store.embedded is true: set store.embedded = false to use "
          "the external store, or remove store.endpoint");
    }
    return {};
  }
  if (store.endpoint.empty()) {
    return Unexpected(
        "store.endpoint is missing: with store.embedded = false, set it to the S3 service's URL "
        "(SATCHEL_STORE_ENDPOINT)");
  }
  if (!store.endpoint.starts_with("http://") && !store.endpoint.starts_with("https://")) {
    return Unexpected("invalid store.endpoint '" + store.endpoint +
                      "': expected an http:// or https:// URL");
  }
  if (store.access_key_id.empty()) {
    return Unexpected(
        "store.access_key_id is missing: with store.embedded = false, set the API's access key "
        "(SATCHEL_STORE_ACCESS_KEY_ID)");
  }
  if (store.secret_access_key.empty()) {
    return Unexpected(
        "store.secret_access_key is missing: with store.embedded = false, set the API's secret "
        "key (SATCHEL_STORE_SECRET_ACCESS_KEY)");
  }
  return {};
}

// Checks the settings that only make sense together: SSE-KMS needs an
// external store, and a default retention needs both its mode and its days.
Expected<void, std::string> check_encryption_and_retention(const StoreConfig& store) {
  if (store.embedded && store.sse == "aws:kms") {
    return Unexpected(
        "store.sse = \"aws:kms\" needs an external store: the embedded store rejects SSE-KMS "
        "and encrypts every object with its own keys; use \"AES256\" or \"\"");
  }
  if (!store.sse_kms_key_id.empty() && store.sse != "aws:kms") {
    return Unexpected("store.sse_kms_key_id is set but store.sse is not \"aws:kms\"");
  }
  if (store.default_retention_mode.empty() != (store.default_retention_days == 0)) {
    return Unexpected(
        "store.default_retention_mode and store.default_retention_days must be set together "
        "(a mode and a number of days above 0), or neither");
  }
  return {};
}

// Secrets from documentation and quick-start guides, which attackers try
// first.
constexpr std::string_view kWellKnownSecrets[] = {
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  // the AWS documentation's example key
    "minioadmin",
    "changeme",
    "password",
    "secret",
};
// Generated S3 secret keys are 40 characters; anything this short was typed
// by a person.
constexpr size_t kMinSecretLength = 16;

Expected<void, std::string> check_production(const Config& config) {
  if (config.dev_provider_enabled()) {
    return Unexpected(
        "mode = production rejects the development OpenID provider, which signs anyone in: "
        "configure at least one [[auth.issuers]] and leave dev_provider.enabled unset");
  }
  auto plain_http = [&config](const std::string& key, const std::string& listen,
                              const TlsFiles& tls) -> Expected<void, std::string> {
    auto address = parse_host_port(listen);
    if (tls.enabled() || config.server.tls_terminated_by_proxy || is_loopback_host(address->host)) {
      return {};
    }
    return Unexpected("mode = production rejects plain HTTP on " + listen + " (" + key + "): set " +
                      key.substr(0, key.find('.')) +
                      ".tls.cert_file and key_file, or set server.tls_terminated_by_proxy = true "
                      "when a load balancer terminates TLS");
  };
  if (auto checked = plain_http("server.listen", config.server.listen, config.server.tls);
      !checked) {
    return checked;
  }
  if (config.store.embedded) {
    if (auto checked = plain_http("store.listen", config.store.listen, config.store.tls);
        !checked) {
      return checked;
    }
  } else {
    const std::string& secret = config.store.secret_access_key.reveal();
    bool well_known = std::find(std::begin(kWellKnownSecrets), std::end(kWellKnownSecrets),
                                secret) != std::end(kWellKnownSecrets);
    if (well_known || secret.size() < kMinSecretLength) {
      return Unexpected(
          "mode = production rejects store.secret_access_key: it is a well-known default or "
          "shorter than 16 characters; create a new key pair for Satchel in the store");
    }
  }
  return {};
}

}  // namespace

bool Config::dev_provider_enabled() const {
  return dev_provider.value_or(auth_issuer_count() == 0);
}

size_t Config::auth_issuer_count() const {
  const toml::array* issuers = document.at_path("auth.issuers").as_array();
  return issuers ? issuers->size() : 0;
}

std::optional<std::string> read_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

bool is_loopback_host(std::string_view host) {
  return host.starts_with("127.") || host == "::1" || host == "localhost";
}

Expected<Config, std::string> load(const Sources& sources) {
  toml::table document;
  Origins origins;
  if (sources.file) {
    auto parsed = read_file(*sources.file);
    if (!parsed) return Unexpected(parsed.error());
    document = std::move(*parsed);
    auto known = check_known_keys(document, "", *sources.file, origins);
    if (!known) return Unexpected(known.error());
  }
  for (const Key& key : keys()) {
    std::string variable = key.environment_variable();
    auto value = sources.environment ? sources.environment(variable) : std::nullopt;
    if (!value) continue;
    set_path(document, key.name, parse_text(key, *value));
    origins[key.name] = "environment variable " + variable;
  }
  for (const auto& [name, value] : sources.flags) {
    const Key* key = find_key(name);
    if (!key) return Unexpected("internal error: flag for unknown key " + name);
    set_path(document, key->name, parse_text(*key, value));
    origins[key->name] = "flag " + key->flag;
  }
  auto config = decode(std::move(document), origins);
  if (!config) return config;
  if (auto checked = check(*config); !checked) return Unexpected(checked.error());
  return config;
}

Expected<void, std::string> check(const Config& config) {
  for (auto [key, value] : {std::pair{"server.listen", &config.server.listen},
                            std::pair{"store.listen", &config.store.listen}}) {
    if (auto checked = check_address(key, *value); !checked) return checked;
  }
  if (auto checked = check_tls("server.tls", config.server.tls); !checked) return checked;
  if (auto checked = check_tls("store.tls", config.store.tls); !checked) return checked;
  if (auto checked = check_external_store(config.store); !checked) return checked;
  if (auto checked = check_encryption_and_retention(config.store); !checked) return checked;
  if (auto checked = check_readable("store.ca_file", config.store.ca_file); !checked) {
    return checked;
  }
  if (auto checked = check_readable("policy.file", config.policy.file); !checked) return checked;
  if (config.mode == Mode::kProduction) return check_production(config);
  return {};
}

}  // namespace satchel::config
