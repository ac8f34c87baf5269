#include "config/keys.h"

#include <algorithm>
#include <limits>

namespace satchel::config {
namespace {

using Problem = std::optional<std::string>;

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Key make_key(std::string name, ValueType type, std::string default_text, std::string unit,
             std::string flag, std::string help) {
  Key key;
  key.name = std::move(name);
  key.type = type;
  key.default_text = std::move(default_text);
  key.unit = std::move(unit);
  key.flag = std::move(flag);
  key.help = std::move(help);
  return key;
}

template <class Field>
Key text(std::string name, std::string default_text, std::string flag, std::string help,
         Field field) {
  Key key = make_key(std::move(name), ValueType::kString, std::move(default_text), "",
                     std::move(flag), std::move(help));
  key.assign = [field](const toml::node& node, Config& config) -> Problem {
    auto value = node.value<std::string>();
    if (!node.is_string() || !value) return "expected a string";
    field(config) = *value;
    return std::nullopt;
  };
  key.render = [field](const Config& config) { return quote(std::string(field(config))); };
  return key;
}

template <class Field>
Key path(std::string name, std::string default_text, std::string flag, std::string help,
         Field field) {
  Key key = make_key(std::move(name), ValueType::kString, std::move(default_text), "",
                     std::move(flag), std::move(help));
  key.assign = [field](const toml::node& node, Config& config) -> Problem {
    if (!node.is_string()) return "expected a string (a file or folder path)";
    field(config) = std::filesystem::path(*node.value<std::string>());
    return std::nullopt;
  };
  key.render = [field](const Config& config) { return quote(field(config).string()); };
  return key;
}

template <class Field>
Key secret(std::string name, std::string help, Field field) {
  Key key = make_key(std::move(name), ValueType::kString, "", "", "", std::move(help));
  key.secret = true;
  key.assign = [field](const toml::node& node, Config& config) -> Problem {
    if (!node.is_string()) return "expected a string";
    field(config) = Secret(*node.value<std::string>());
    return std::nullopt;
  };
  key.render = [field](const Config& config) {
    return field(config).empty() ? quote("") : quote(kRedacted);
  };
  return key;
}

template <class Get, class Set>
Key choice(std::string name, std::string default_text, std::string flag, std::string help,
           std::vector<std::string> allowed, Get get, Set set) {
  Key key = make_key(std::move(name), ValueType::kString, std::move(default_text), "",
                     std::move(flag), std::move(help));
  key.assign = [set, allowed](const toml::node& node, Config& config) -> Problem {
    auto value = node.value<std::string>();
    if (node.is_string() && value &&
        std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) {
      set(config, *value);
      return std::nullopt;
    }
    std::string expected = "expected one of";
    for (const auto& option : allowed) expected += " \"" + option + "\"";
    return expected;
  };
  key.render = [get](const Config& config) { return quote(get(config)); };
  return key;
}

// Integers of any width, and std::chrono::seconds, checked against [min, max].
template <class Field>
Key integer(std::string name, std::string default_text, std::string unit, std::string flag,
            std::string help, int64_t min, int64_t max, Field field) {
  Key key = make_key(std::move(name), ValueType::kInteger, std::move(default_text), std::move(unit),
                     std::move(flag), std::move(help));
  key.assign = [field, min, max](const toml::node& node, Config& config) -> Problem {
    auto value = node.value<int64_t>();
    if (!node.is_integer() || !value || *value < min || *value > max) {
      return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
    auto& target = field(config);
    using Target = std::decay_t<decltype(target)>;
    if constexpr (std::is_integral_v<Target>) {
      target = static_cast<Target>(*value);
    } else {
      target = Target(*value);
    }
    return std::nullopt;
  };
  key.render = [field](const Config& config) {
    const auto& value = field(const_cast<Config&>(config));
    using Target = std::decay_t<decltype(value)>;
    if constexpr (std::is_integral_v<Target>) {
      return std::to_string(value);
    } else {
      return std::to_string(value.count());
    }
  };
  return key;
}

template <class Field>
Key boolean(std::string name, std::string default_text, std::string flag, std::string help,
            Field field) {
  Key key = make_key(std::move(name), ValueType::kBoolean, std::move(default_text), "",
                     std::move(flag), std::move(help));
  key.assign = [field](const toml::node& node, Config& config) -> Problem {
    if (!node.is_boolean()) return "expected true or false";
    field(config) = *node.value<bool>();
    return std::nullopt;
  };
  key.render = [field](const Config& config) {
    return std::string(field(const_cast<Config&>(config)) ? "true" : "false");
  };
  return key;
}

template <class Field>
Key list(std::string name, std::string help, Field field) {
  Key key = make_key(std::move(name), ValueType::kStringList, "[]", "", "", std::move(help));
  key.assign = [field](const toml::node& node, Config& config) -> Problem {
    const toml::array* array = node.as_array();
    if (!array || !array->is_homogeneous(toml::node_type::string)) {
      if (!array || !array->empty()) return "expected an array of strings";
    }
    std::vector<std::string> values;
    for (const auto& element : *array) values.push_back(*element.value<std::string>());
    field(config) = std::move(values);
    return std::nullopt;
  };
  key.render = [field](const Config& config) {
    std::string out = "[";
    for (const auto& value : field(const_cast<Config&>(config))) {
      if (out.size() > 1) out += ", ";
      out += quote(value);
    }
    return out + "]";
  };
  return key;
}

// "auto", "on" or "off".
template <class Field>
Key feature(std::string name, std::string help, Field field) {
  static const std::vector<std::pair<std::string, FeatureSetting>> kNames = {
      {"auto", FeatureSetting::kAuto}, {"on", FeatureSetting::kOn}, {"off", FeatureSetting::kOff}};
  return choice(
      std::move(name), "auto", "", std::move(help), {"auto", "on", "off"},
      [field](const Config& config) {
        FeatureSetting value = field(const_cast<Config&>(config));
        for (const auto& [text, setting] : kNames) {
          if (setting == value) return text;
        }
        return std::string("auto");
      },
      [field](Config& config, const std::string& value) {
        for (const auto& [text, setting] : kNames) {
          if (text == value) field(config) = setting;
        }
      });
}

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxPresignSeconds = 7 * 24 * 3600;  // SigV4's limit for X-Amz-Expires
constexpr int64_t kMaxPort = 65535;

std::vector<Key> build_keys() {
  std::vector<Key> all;
  all.push_back(choice(
      "mode", "development", "",
      "development or production. Production rejects the development OpenID provider, plain "
      "HTTP on non-loopback addresses and default secrets. The --production flag sets it",
      {"development", "production"},
      [](const Config& config) {
        return std::string(config.mode == Mode::kProduction ? "production" : "development");
      },
      [](Config& config, const std::string& value) {
        config.mode = value == "production" ? Mode::kProduction : Mode::kDevelopment;
      }));
  all.push_back(path(
      "data_dir", "satchel-data", "--data-dir",
      "Folder for the embedded store's objects, SQLite metadata and keys "
      "(created if missing)",
      [](auto& config) -> auto& { return config.data_dir; }));
  all.push_back(choice(
      "log.level", "info", "--log-level", "Minimum log level: debug, info, warn or error",
      {"debug", "info", "warn", "error"}, [](const Config& config) { return config.log_level; },
      [](Config& config, const std::string& value) { config.log_level = value; }));

  // [server]
  all.push_back(text(
      "server.listen", "127.0.0.1:8080", "--listen", "API and web page address, HOST:PORT",
      [](auto& config) -> auto& { return config.server.listen; }));
  all.push_back(text(
      "server.public_url", "", "",
      "Origin browsers use for the API, such as https://satchel.example.com "
      "(empty: derived from server.listen)",
      [](auto& config) -> auto& { return config.server.public_url; }));
  all.push_back(integer(
      "server.io_threads", "0", "threads", "--io-threads",
      "Threads serving network I/O (0: one per core)", 0, 1024,
      [](auto& config) -> auto& { return config.server.io_threads; }));
  all.push_back(integer(
      "server.worker_threads", "4", "threads", "", "Threads for blocking work: SQLite, disk syncs",
      1, 1024, [](auto& config) -> auto& { return config.server.worker_threads; }));
  all.push_back(integer(
      "server.max_connections", "4096", "connections", "",
      "Open connections per listener; further ones are closed at once", 1, 1'000'000,
      [](auto& config) -> auto& { return config.server.max_connections; }));
  all.push_back(integer(
      "server.max_connections_per_client", "256", "connections", "",
      "Open connections one client address (IPv6: one /64) may hold on each listener; loopback "
      "clients are not limited (0: no limit; raise it behind a remote proxy)",
      0, 1'000'000,
      [](auto& config) -> auto& { return config.server.max_connections_per_client; }));
  all.push_back(integer(
      "server.max_header_bytes", "16384", "bytes", "",
      "Largest request header; larger ones get 431", 1024, 1 << 20,
      [](auto& config) -> auto& { return config.server.max_header_bytes; }));
  all.push_back(integer(
      "server.idle_timeout_seconds", "60", "seconds", "",
      "How long a kept-alive connection may wait for its next request", 1, 3600,
      [](auto& config) -> auto& { return config.server.idle_timeout; }));
  all.push_back(integer(
      "server.read_timeout_seconds", "30", "seconds", "",
      "How long a request body may go without a byte arriving", 1, 3600,
      [](auto& config) -> auto& { return config.server.read_timeout; }));
  all.push_back(integer(
      "server.write_timeout_seconds", "60", "seconds", "", "How long writing one response may take",
      1, 3600, [](auto& config) -> auto& { return config.server.write_timeout; }));
  all.push_back(integer(
      "server.shutdown_timeout_seconds", "10", "seconds", "--shutdown-timeout",
      "How long SIGTERM or SIGINT waits for requests in flight", 0, 3600,
      [](auto& config) -> auto& { return config.server.shutdown_timeout; }));
  all.push_back(path(
      "server.tls.cert_file", "", "--tls-cert",
      "PEM certificate chain of the API listener (empty: plain HTTP)",
      [](auto& config) -> auto& { return config.server.tls.cert_file; }));
  all.push_back(path(
      "server.tls.key_file", "", "--tls-key", "PEM private key of the API listener",
      [](auto& config) -> auto& { return config.server.tls.key_file; }));
  all.push_back(boolean(
      "server.tls_terminated_by_proxy", "false", "",
      "Allow plain HTTP on a non-loopback address in production, because a load balancer in "
      "front terminates TLS",
      [](auto& config) -> auto& { return config.server.tls_terminated_by_proxy; }));

  // [api]
  all.push_back(integer(
      "api.presign_ttl_seconds", "60", "seconds", "--presign-ttl", "Lifetime of presigned URLs", 1,
      kMaxPresignSeconds, [](auto& config) -> auto& { return config.api.presign_ttl; }));
  all.push_back(integer(
      "api.upload_ttl_seconds", "900", "seconds", "",
      "How long an upload may stay pending before completing it fails", 1, kMaxPresignSeconds,
      [](auto& config) -> auto& { return config.api.upload_ttl; }));
  all.push_back(integer(
      "api.max_upload_bytes", "104857600", "bytes", "--max-upload-bytes",
      "Largest object a user may upload", 1, kMaxInt,
      [](auto& config) -> auto& { return config.api.max_upload_bytes; }));
  all.push_back(integer(
      "api.max_json_body_bytes", "65536", "bytes", "",
      "Largest JSON request body of the API; larger ones get 413", 1024, 16 << 20,
      [](auto& config) -> auto& { return config.api.max_json_body_bytes; }));
  all.push_back(integer(
      "api.presign_burst", "60", "requests", "",
      "Presign requests one user may make at once; after that, 429 with Retry-After", 1, 1'000'000,
      [](auto& config) -> auto& { return config.api.presign_burst; }));
  all.push_back(integer(
      "api.presign_per_second", "5", "requests", "",
      "Presign requests per second one user may make on average", 1, 1'000'000,
      [](auto& config) -> auto& { return config.api.presign_per_second; }));
  all.push_back(list(
      "api.web_origins",
      "Further origins whose pages may call the API, such as "
      "\"https://app.example.com\"",
      [](auto& config) -> auto& { return config.api.web_origins; }));
  all.push_back(path(
      "api.preferences_schema_file", "", "",
      "JSON Schema (draft-07) that an uploaded preferences.json must match (empty: the built-in "
      "schema)",
      [](auto& config) -> auto& { return config.api.preferences_schema_file; }));
  all.push_back(integer(
      "api.max_avatar_bytes", "10485760", "bytes", "",
      "Largest avatar that complete turns into a thumbnail; larger ones get 413", 1024, 256 << 20,
      [](auto& config) -> auto& { return config.api.max_avatar_bytes; }));
  all.push_back(boolean(
      "api.keep_avatar_original", "false", "",
      "Keep the uploaded avatar, metadata included, as avatar.original beside the thumbnail "
      "(false: delete it)",
      [](auto& config) -> auto& { return config.api.keep_avatar_original; }));

  // [store]
  all.push_back(boolean(
      "store.embedded", "true", "", "Run the embedded S3 store (false: use store.endpoint)",
      [](auto& config) -> auto& { return config.store.embedded; }));
  all.push_back(text(
      "store.listen", "127.0.0.1:9000", "--store-listen", "Embedded S3 store address, HOST:PORT",
      [](auto& config) -> auto& { return config.store.listen; }));
  all.push_back(text(
      "store.public_url", "", "",
      "Origin browsers use for the embedded store (empty: derived from "
      "store.listen)",
      [](auto& config) -> auto& { return config.store.public_url; }));
  all.push_back(path(
      "store.tls.cert_file", "", "",
      "PEM certificate chain of the embedded store (empty: plain HTTP)",
      [](auto& config) -> auto& { return config.store.tls.cert_file; }));
  all.push_back(path(
      "store.tls.key_file", "", "", "PEM private key of the embedded store",
      [](auto& config) -> auto& { return config.store.tls.key_file; }));
  all.push_back(integer(
      "store.max_object_bytes", "5368709120", "bytes", "",
      "Largest object the embedded store accepts in one PUT", 1, kMaxInt,
      [](auto& config) -> auto& { return config.store.max_object_bytes; }));
  all.push_back(integer(
      "store.max_upload_age_seconds", "604800", "seconds", "",
      "Embedded store: multipart uploads neither completed nor aborted within this time are "
      "aborted",
      1, kMaxInt, [](auto& config) -> auto& { return config.store.max_upload_age; }));
  all.push_back(integer(
      "store.stale_upload_sweep_interval_seconds", "3600", "seconds", "",
      "Embedded store: how often stale multipart uploads are looked for (at start-up, then at "
      "most once per interval, when a multipart upload is created)",
      1, kMaxInt, [](auto& config) -> auto& { return config.store.stale_upload_sweep_interval; }));
  all.push_back(secret(
      "store.master_key",
      "Embedded store: base64 of a 32-byte master key that wraps the data keys (empty: the key "
      "file DATA_DIR/store/master-keys.json, created at first start)",
      [](auto& config) -> auto& { return config.store.master_key; }));
  all.push_back(integer(
      "store.key_check_interval_seconds", "60", "seconds", "",
      "Embedded store: how often the master key file is reread; after `satchel keys rotate` the "
      "data keys are rewrapped in the background",
      1, kMaxInt, [](auto& config) -> auto& { return config.store.key_check_interval; }));
  all.push_back(integer(
      "store.lifecycle_interval_seconds", "3600", "seconds", "",
      "Embedded store: how often bucket lifecycle rules are applied in the background (also "
      "once at start-up)",
      1, kMaxInt, [](auto& config) -> auto& { return config.store.lifecycle_interval; }));
  all.push_back(text(
      "store.endpoint", "", "",
      "URL of an external S3 service, such as https://s3.eu-west-1.amazonaws.com "
      "(with store.embedded = false)",
      [](auto& config) -> auto& { return config.store.endpoint; }));
  all.push_back(text(
      "store.bucket", "satchel", "", "Bucket that holds the objects",
      [](auto& config) -> auto& { return config.store.bucket; }));
  all.push_back(text(
      "store.region", "us-east-1", "", "SigV4 region of the store",
      [](auto& config) -> auto& { return config.store.region; }));
  all.push_back(text(
      "store.access_key_id", "", "",
      "Access key id for the external store (with store.embedded = false)",
      [](auto& config) -> auto& { return config.store.access_key_id; }));
  all.push_back(secret(
      "store.secret_access_key",
      "Secret access key for the external store (with store.embedded = false)",
      [](auto& config) -> auto& { return config.store.secret_access_key; }));
  all.push_back(path(
      "store.ca_file", "", "",
      "PEM CA bundle that verifies the store's certificate over https (empty: the system's "
      "roots)",
      [](auto& config) -> auto& { return config.store.ca_file; }));
  all.push_back(integer(
      "store.timeout_seconds", "10", "seconds", "",
      "Deadline of one call from the API to the store", 1, 600,
      [](auto& config) -> auto& { return config.store.timeout; }));
  all.push_back(feature(
      "store.conditional_writes",
      "Sign the upload's If-Match or If-None-Match: * into presigned PUTs: auto (probe the store "
      "at start-up), on or off",
      [](auto& config) -> auto& { return config.store.conditional_writes; }));
  all.push_back(feature(
      "store.checksums",
      "Sign x-amz-checksum-sha256 into presigned PUTs that have a sha256 and compare it at "
      "complete: auto (probe the store at start-up), on or off",
      [](auto& config) -> auto& { return config.store.checksums; }));
  all.push_back(choice(
      "store.sse", "", "",
      "Server-side encryption that presigned PUTs require, as a signed "
      "x-amz-server-side-encryption header: \"\" (none), \"AES256\" or \"aws:kms\" (an external "
      "store; the embedded store encrypts every object anyway)",
      {"", "AES256", "aws:kms"}, [](const Config& config) { return config.store.sse; },
      [](Config& config, const std::string& value) { config.store.sse = value; }));
  all.push_back(text(
      "store.sse_kms_key_id", "", "",
      "KMS key id or ARN signed into presigned PUTs with store.sse = \"aws:kms\" (empty: the "
      "store's default key)",
      [](auto& config) -> auto& { return config.store.sse_kms_key_id; }));
  all.push_back(choice(
      "store.default_retention_mode", "", "",
      "Default Object Lock retention that `satchel bucket init --object-lock` sets on the "
      "bucket: \"\" (none), \"GOVERNANCE\" or \"COMPLIANCE\"",
      {"", "GOVERNANCE", "COMPLIANCE"},
      [](const Config& config) { return config.store.default_retention_mode; },
      [](Config& config, const std::string& value) {
        config.store.default_retention_mode = value;
      }));
  all.push_back(integer(
      "store.default_retention_days", "0", "days", "",
      "Days of the default Object Lock retention, with store.default_retention_mode", 0, 36500,
      [](auto& config) -> auto& { return config.store.default_retention_days; }));

  // [lifecycle]
  all.push_back(integer(
      "lifecycle.noncurrent_version_days", "0", "days", "",
      "Days a version is kept after a newer one replaced it (0: forever). The lifecycle sweeper "
      "then deletes its bytes, and `satchel bucket init` also sets it as the bucket's noncurrent "
      "version expiration",
      0, 36500, [](auto& config) -> auto& { return config.lifecycle.noncurrent_version_days; }));
  all.push_back(boolean(
      "lifecycle.enabled", "true", "",
      "Run the lifecycle sweeper, which deletes expired objects, aborts stale uploads and "
      "removes old noncurrent versions",
      [](auto& config) -> auto& { return config.lifecycle.enabled; }));
  all.push_back(integer(
      "lifecycle.sweep_interval_seconds", "300", "seconds", "",
      "Time from the end of one lifecycle sweep to the start of the next", 1, 30 * 86400,
      [](auto& config) -> auto& { return config.lifecycle.sweep_interval; }));
  all.push_back(integer(
      "lifecycle.batch_size", "100", "objects", "",
      "Most objects one sweep expires, uploads it aborts or cleans up, and noncurrent versions "
      "it purges. Each upload's clean-up checks up to 1000 versions of its key",
      1, 1000, [](auto& config) -> auto& { return config.lifecycle.batch_size; }));
  all.push_back(integer(
      "lifecycle.pending_upload_max_age_seconds", "86400", "seconds", "",
      "Pending uploads older than this (and past their completion time) are aborted, and the "
      "bytes they left in the store deleted",
      60, kMaxInt, [](auto& config) -> auto& { return config.lifecycle.pending_upload_max_age; }));
  all.push_back(integer(
      "lifecycle.noncurrent_version_max_count", "0", "versions", "",
      "Most noncurrent versions kept per object; the bytes of older ones are deleted (0: keep "
      "all)",
      0, 1000000,
      [](auto& config) -> auto& { return config.lifecycle.noncurrent_version_max_count; }));

  // [metadata], [policy], [dev_provider], [metrics]
  Key metadata_url = secret(
      "metadata.url",
      "Metadata database: postgresql://... for PostgreSQL, or sqlite:PATH (empty: SQLite at "
      "DATA_DIR/metadata.db)",
      [](auto& config) -> auto& { return config.metadata.url; });
  all.push_back(std::move(metadata_url));
  all.push_back(path(
      "policy.file", "", "", "Access policy file (empty: the built-in policy)",
      [](auto& config) -> auto& { return config.policy.file; }));
  Key dev_provider = make_key(
      "dev_provider.enabled", ValueType::kBoolean, "", "", "",
      "Serve the development OpenID provider under /oidc, which signs anyone in (default: on "
      "exactly when no [[auth.issuers]] are configured)");
  dev_provider.assign = [](const toml::node& node, Config& config) -> Problem {
    if (!node.is_boolean()) return "expected true or false";
    config.dev_provider = *node.value<bool>();
    return std::nullopt;
  };
  dev_provider.render = [](const Config& config) {
    return std::string(config.dev_provider_enabled() ? "true" : "false");
  };
  all.push_back(std::move(dev_provider));
  all.push_back(boolean(
      "metrics.enabled", "true", "", "Serve /metrics on the API listener",
      [](auto& config) -> auto& { return config.metrics.enabled; }));
  all.push_back(integer(
      "metrics.max_tenants", "100", "tenants", "",
      "Tenants with their own series in per-tenant metrics; the rest count as "
      "\"other\"",
      0, 100000, [](auto& config) -> auto& { return config.metrics.max_tenants; }));
  return all;
}

}  // namespace

std::string Key::environment_variable() const {
  std::string variable = "SATCHEL_";
  for (char c : name) {
    variable += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return variable;
}

const std::vector<Key>& keys() {
  static const std::vector<Key> all = build_keys();
  return all;
}

const Key* find_key(std::string_view name) {
  for (const Key& key : keys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

}  // namespace satchel::config
