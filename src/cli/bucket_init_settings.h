// The bucket settings `satchel bucket init` wants, derived from Satchel's
// configuration, and where it finds the endpoint and the key pair.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/bucket_init_xml.h"
#include "common/expected.h"
#include "config/config.h"
#include "s3/credentials.h"
#include "store/records.h"

namespace satchel::cli {

struct DesiredBucketSettings {
  std::vector<LifecycleRule> lifecycle;
  store::CorsRule cors;
  DefaultEncryption encryption;
  // Set with --object-lock only.
  std::optional<ObjectLockSettings> object_lock;
};

// Lifecycle: abort multipart uploads after store.max_upload_age_seconds,
// rounded up to whole days, and expire noncurrent versions after
// lifecycle.noncurrent_version_days (none when 0), or after longest_retention
// when that is longer, so the bucket never removes a version that a policy
// retention rule still protects. CORS: the API's origin and api.web_origins,
// as `satchel serve` allows them. Encryption: aws:kms with
// store.sse_kms_key_id when store.sse is "aws:kms", else AES256. Object Lock:
// store.default_retention_mode and _days.
DesiredBucketSettings desired_bucket_settings(const config::Config& config, bool object_lock,
                                              std::chrono::seconds longest_retention = {});

// Reads a variable of the environment; nullopt when unset.
using EnvironmentReader = std::optional<std::string> (*)(const std::string& name);

struct ResolvedCredentials {
  s3::Credentials credentials;
  std::string source;  // where they came from, for the operator
};

// The key pair to sign with: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
// (with AWS_SESSION_TOKEN when set), else store.access_key_id and
// store.secret_access_key, else, for the embedded store, the admin key in
// DATA_DIR/store/credentials.json. Fails with a message naming all three
// when none is there.
Expected<ResolvedCredentials, std::string> resolve_credentials(const config::Config& config,
                                                               EnvironmentReader environment);

// --endpoint when given, else store.endpoint, else the embedded store's
// origin (store.public_url, or http(s):// and store.listen).
std::string resolve_endpoint(const config::Config& config, const std::string& flag);

}  // namespace satchel::cli
