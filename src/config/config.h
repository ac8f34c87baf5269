// Satchel's configuration: every setting with its default, loaded from a TOML
// file, then SATCHEL_* environment variables, then command-line flags, each
// overriding the one before. docs/configuration.md lists every key.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"

namespace satchel::config {

enum class Mode { kDevelopment, kProduction };

// An optional store feature: probed at start-up, forced on, or never used.
enum class FeatureSetting { kAuto, kOn, kOff };

// A certificate chain and its private key, both PEM. Both empty means plain
// HTTP.
struct TlsFiles {
  std::filesystem::path cert_file;
  std::filesystem::path key_file;

  bool enabled() const { return !cert_file.empty(); }
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  // The origin browsers use for the API and web page, such as
  // "https://satchel.example.com". Empty: derived from listen and TLS.
  std::string public_url;
  unsigned io_threads = 0;  // 0: one per core
  unsigned worker_threads = 4;
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_client = 256;
  uint32_t max_header_bytes = 16 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{60};
  // How long SIGTERM waits for requests in flight before exiting.
  std::chrono::seconds shutdown_timeout{10};
  TlsFiles tls;
  // Allows plain HTTP on a non-loopback address in production, for a load
  // balancer that terminates TLS in front of Satchel.
  bool tls_terminated_by_proxy = false;
};

struct ApiSettings {
  std::chrono::seconds presign_ttl{60};
  std::chrono::seconds upload_ttl{15 * 60};
  uint64_t max_upload_bytes = 100ULL << 20;
  uint64_t max_json_body_bytes = 64 * 1024;
  // Per-user token bucket of the presign endpoints.
  uint32_t presign_burst = 60;
  uint32_t presign_per_second = 5;
  // Origins, besides the API's own, whose pages may call the API.
  std::vector<std::string> web_origins;
  // JSON Schema (draft-07) for preferences.json; empty: the built-in one.
  std::filesystem::path preferences_schema_file;
  uint64_t max_avatar_bytes = 10ULL << 20;
  // Keep the uploaded avatar as avatar.original beside its thumbnail.
  bool keep_avatar_original = false;
};

struct StoreConfig {
  // true: run the embedded store. false: use the S3 service at endpoint.
  bool embedded = true;
  // Embedded store only.
  std::string listen = "127.0.0.1:9000";
  std::string public_url;  // origin browsers use; empty: derived from listen and TLS
  TlsFiles tls;
  uint64_t max_object_bytes = 5ULL << 30;
  // Multipart uploads older than this are aborted, checked at most once per
  // sweep interval.
  std::chrono::seconds max_upload_age{7 * 24 * 3600};
  std::chrono::seconds stale_upload_sweep_interval{3600};
  // Base64 of the master key; empty: the key file in the data folder.
  Secret master_key;
  std::chrono::seconds key_check_interval{60};
  std::chrono::seconds lifecycle_interval{3600};
  // External store only: the endpoint URL and the API's key pair.
  std::string endpoint;
  std::string access_key_id;
  Secret secret_access_key;
  // Both modes.
  std::string bucket = "satchel";
  std::string region = "us-east-1";
  // CA bundle that verifies an https store; empty: the system's roots.
  std::filesystem::path ca_file;
  std::chrono::seconds timeout{10};
  // Whether presigned PUTs carry If-Match / If-None-Match, and
  // x-amz-checksum-sha256: kAuto probes the store at start-up.
  FeatureSetting conditional_writes = FeatureSetting::kAuto;
  FeatureSetting checksums = FeatureSetting::kAuto;
  // Server-side encryption that presigned PUTs sign into their headers, so
  // the store encrypts every upload: "" (none), "AES256" or "aws:kms".
  std::string sse;
  std::string sse_kms_key_id;  // with sse = "aws:kms"; empty: the account's default KMS key
  // The default Object Lock retention `satchel bucket init --object-lock`
  // sets: "" (none), "GOVERNANCE" or "COMPLIANCE", for this many days.
  std::string default_retention_mode;
  uint32_t default_retention_days = 0;
};

// The data lifecycle: the API's sweeper (app/lifecycle_sweeper.h) and the bucket rules that
// `satchel bucket init` applies.
struct LifecycleConfig {
  // Days a version is kept after a newer one replaces it; 0 keeps it forever.
  uint32_t noncurrent_version_days = 0;
  bool enabled = true;
  std::chrono::seconds sweep_interval{300};
  size_t batch_size = 100;
  std::chrono::seconds pending_upload_max_age{24 * 3600};
  // 0 keeps every noncurrent version.
  int64_t noncurrent_version_max_count = 0;
};

struct MetadataConfig {
  // Empty: SQLite at <data_dir>/metadata.db. A secret, because database URLs
  // may carry a password.
  Secret url;
};

struct PolicyConfig {
  // Empty: the built-in default policy.
  std::filesystem::path file;
};

struct MetricsConfig {
  bool enabled = true;
  size_t max_tenants = 100;
};

struct Config {
  Mode mode = Mode::kDevelopment;
  std::filesystem::path data_dir = "satchel-data";
  std::string log_level = "info";
  ServerConfig server;
  ApiSettings api;
  StoreConfig store;
  LifecycleConfig lifecycle;
  MetadataConfig metadata;
  PolicyConfig policy;
  MetricsConfig metrics;
  // Unset: on exactly when no [[auth.issuers]] are configured.
  std::optional<bool> dev_provider;

  // The merged document. Parts that read their own tables (the [auth] table)
  // parse them from here.
  toml::table document;

  bool dev_provider_enabled() const;
  size_t auth_issuer_count() const;
};

}  // namespace satchel::config
