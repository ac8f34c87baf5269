#include "cli/bucket_init.h"

#include <iostream>

#include "cli/bucket_init_settings.h"
#include "cli/bucket_init_steps.h"
#include "config/load.h"
#include "http/tls.h"
#include "policy/policy.h"

namespace satchel::cli {
namespace {

int fail(const std::string& message, int status) {
  std::cerr << "satchel bucket init: " << message << "\n";
  return status;
}

std::optional<std::string> read_variable(const std::string& name) {
  return config::read_environment(name);
}

}  // namespace

CLI::App* add_bucket_init_command(CLI::App& app, BucketInitOptions& options) {
  auto* bucket = app.add_subcommand("bucket", "Set up the bucket on an S3 service");
  bucket->require_subcommand(1);
  auto* init = bucket->add_subcommand(
      "init",
      "Create the bucket when it is missing and make versioning, lifecycle rules, default "
      "encryption, CORS and, with --object-lock, Object Lock match the configuration. Writes only "
      "what differs; prints one line per setting. The key comes from AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, else store.access_key_id, else the embedded store's admin key");
  init->add_option("--endpoint", options.endpoint,
                   "S3 endpoint, such as https://s3.eu-west-1.amazonaws.com (default: "
                   "store.endpoint, or the embedded store's address)");
  init->add_option("--bucket", options.bucket, "Bucket name (default: store.bucket)");
  init->add_option("--region", options.region, "SigV4 region (default: store.region)");
  init->add_flag("--object-lock", options.object_lock,
                 "Create the bucket with Object Lock and set the default retention of "
                 "store.default_retention_mode");
  init->add_flag("--dry-run", options.dry_run, "Read every setting and print what would change");
  options.config.add_to(*init);
  return init;
}

int run_bucket_init(const BucketInitOptions& options) {
  auto config = options.config.load();
  if (!config) return fail(config.error(), 2);
  // The policy's retention rules bound the bucket's noncurrent version expiration.
  std::optional<policy::Policy> loaded_policy;
  if (!config->policy.file.empty()) {
    auto parsed = policy::Policy::load(config->policy.file.string());
    if (!parsed) return fail("policy.file: " + parsed.error(), 2);
    loaded_policy.emplace(std::move(*parsed));
  }
  const policy::Policy* policy =
      loaded_policy ? &*loaded_policy : &policy::Policy::default_policy();

  std::string endpoint_text = resolve_endpoint(*config, options.endpoint);
  auto url = http::parse_url(endpoint_text);
  if (!url || url->path != "/" || !url->query.empty()) {
    return fail("invalid --endpoint '" + endpoint_text +
                    "': expected http(s)://host[:port] without a path, such as "
                    "https://s3.eu-west-1.amazonaws.com",
                2);
  }
  auto credentials = resolve_credentials(*config, read_variable);
  if (!credentials) return fail(credentials.error(), 2);

  std::shared_ptr<http::asio::ssl::context> tls;
  if (url->scheme == "https") {
    auto context = http::make_client_tls_context(config->store.ca_file);
    if (!context) return fail("store.ca_file: " + context.error(), 2);
    tls = *context;
  }
  BucketEndpoint endpoint{.url = *url,
                          .bucket = options.bucket.empty() ? config->store.bucket : options.bucket,
                          .region = options.region.empty() ? config->store.region : options.region,
                          .credentials = credentials->credentials};
  std::cerr << "satchel bucket init: bucket " << endpoint.bucket << " at " << url->origin()
            << " (region " << endpoint.region << "), access key "
            << endpoint.credentials.access_key_id << " from " << credentials->source
            << (options.dry_run ? "; dry run, nothing is written" : "") << "\n";

  SystemClock clock;
  BucketClient client(std::move(endpoint), tls, clock, config->store.timeout);
  BucketSetup setup(client, options.dry_run, std::cout);
  DesiredBucketSettings desired =
      desired_bucket_settings(*config, options.object_lock, policy->longest_retention());
  if (!setup.ensure_bucket(options.object_lock)) return 1;
  if (desired.object_lock) setup.apply_object_lock(*desired.object_lock);
  setup.apply_versioning();
  setup.apply_lifecycle(desired.lifecycle);
  setup.apply_encryption(desired.encryption);
  setup.apply_cors(desired.cors);
  std::cout.flush();
  if (setup.failed()) return fail("one or more settings failed; see the lines above", 1);
  return 0;
}

}  // namespace satchel::cli
