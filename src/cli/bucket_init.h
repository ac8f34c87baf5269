// `satchel bucket init`: creates the bucket Satchel stores objects in when
// it is missing, then makes versioning, lifecycle rules, default encryption,
// CORS and, with --object-lock, Object Lock match Satchel's configuration on
// any S3 service. Each setting is read first and written only when it
// differs, so a second run changes nothing.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/config_flags.h"

namespace satchel::cli {

struct BucketInitOptions {
  ConfigFlags config;
  std::string endpoint;  // empty: from the configuration
  std::string bucket;    // empty: store.bucket
  std::string region;    // empty: store.region
  bool object_lock = false;
  bool dry_run = false;
};

// Adds "bucket" and its "init" subcommand to app and returns "init".
CLI::App* add_bucket_init_command(CLI::App& app, BucketInitOptions& options);

// Prints one line per setting. Returns 0 when every setting was applied,
// already matched or is not implemented by the store. Returns 1 when the
// store rejected the credentials or a setting, or the bucket belongs to
// someone else, and 2 for an invalid configuration or endpoint.
int run_bucket_init(const BucketInitOptions& options);

}  // namespace satchel::cli
