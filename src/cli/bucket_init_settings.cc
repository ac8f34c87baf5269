#include "cli/bucket_init_settings.h"

#include <algorithm>
#include <filesystem>

#include "cli/dev_setup.h"
#include "config/host_port.h"
#include "store/credentials.h"

namespace satchel::cli {
namespace {

constexpr std::chrono::seconds kSecondsPerDay{24 * 3600};

// S3 lifecycle rules count whole days, so an age that is not one is rounded
// up: an upload is never aborted earlier than configured.
int64_t whole_days_rounded_up(std::chrono::seconds age) {
  int64_t days = (age.count() + kSecondsPerDay.count() - 1) / kSecondsPerDay.count();
  return std::max<int64_t>(days, 1);
}

std::vector<std::string> web_origins(const config::Config& config) {
  std::vector<std::string> origins;
  // The configuration was checked, so server.listen parses.
  if (auto address = config::parse_host_port(config.server.listen)) {
    origins =
        dev_setup(*address, config.server.public_url, config.server.tls.enabled()).web_origins;
  }
  origins.insert(origins.end(), config.api.web_origins.begin(), config.api.web_origins.end());
  return origins;
}

}  // namespace

DesiredBucketSettings desired_bucket_settings(const config::Config& config, bool object_lock,
                                              std::chrono::seconds longest_retention) {
  // A version becomes noncurrent after its commit, and a retention rule counts from the commit,
  // so a noncurrent period at least as long as every rule's keeps each protected version.
  int64_t noncurrent_days = config.lifecycle.noncurrent_version_days;
  if (noncurrent_days > 0 && longest_retention > std::chrono::seconds(0)) {
    noncurrent_days = std::max(noncurrent_days, whole_days_rounded_up(longest_retention));
  }
  DesiredBucketSettings desired{
      .lifecycle = satchel_lifecycle_rules(whole_days_rounded_up(config.store.max_upload_age),
                                           noncurrent_days),
      .cors = satchel_cors_rule(web_origins(config)),
      .encryption = {.algorithm = "AES256"},
  };
  if (config.store.sse == "aws:kms") {
    desired.encryption = {.algorithm = "aws:kms", .kms_key_id = config.store.sse_kms_key_id};
  }
  if (object_lock) {
    desired.object_lock = ObjectLockSettings{.enabled = true,
                                             .mode = config.store.default_retention_mode,
                                             .days = config.store.default_retention_days};
  }
  return desired;
}

Expected<ResolvedCredentials, std::string> resolve_credentials(const config::Config& config,
                                                               EnvironmentReader environment) {
  auto access_key_id = environment("AWS_ACCESS_KEY_ID");
  auto secret_access_key = environment("AWS_SECRET_ACCESS_KEY");
  if (access_key_id && secret_access_key && !access_key_id->empty()) {
    s3::Credentials credentials{*access_key_id, Secret(*secret_access_key), {}};
    if (auto token = environment("AWS_SESSION_TOKEN"); token && !token->empty()) {
      credentials.session_token = Secret(*token);
    }
    return ResolvedCredentials{std::move(credentials), "AWS_ACCESS_KEY_ID"};
  }
  if (!config.store.access_key_id.empty() && !config.store.secret_access_key.empty()) {
    return ResolvedCredentials{{config.store.access_key_id, config.store.secret_access_key, {}},
                               "store.access_key_id"};
  }
  std::filesystem::path file = store::credentials_path(config.data_dir);
  if (config.store.embedded && std::filesystem::exists(file)) {
    auto stored = store::load_or_create_credentials(config.data_dir);
    if (!stored) return Unexpected(stored.error());
    return ResolvedCredentials{{stored->admin.access_key_id, stored->admin.secret_access_key, {}},
                               "the embedded store's admin key in " + file.string()};
  }
  return Unexpected(
      "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or store.access_key_id "
      "and store.secret_access_key, or pass the --data-dir of an embedded store that has "
      "started once (" +
      file.string() + " does not exist)");
}

std::string resolve_endpoint(const config::Config& config, const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!config.store.endpoint.empty()) return config.store.endpoint;
  if (!config.store.public_url.empty()) return config.store.public_url;
  return (config.store.tls.enabled() ? "https://" : "http://") + config.store.listen;
}

}  // namespace satchel::cli
