// `satchel migrate`: imports a legacy directory tree or S3 prefix into
// Satchel through key templates (src/migrate does the work).
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/config_flags.h"

namespace satchel::cli {

struct MigrateOptions {
  ConfigFlags config;
  std::filesystem::path source_dir;
  std::string source_s3;  // endpoint URL
  std::string source_bucket;
  std::string source_prefix;
  std::vector<std::string> mappings;
  std::string org;
  std::filesystem::path users_file;
  std::filesystem::path report_file;
  std::filesystem::path checkpoint_file;
  std::string cut_over;
  std::string staging_prefix = ".satchel-migrate/";
  bool dry_run = false;
  size_t concurrency = 4;
  int64_t progress_interval_seconds = 10;
};

// Adds the subcommand and its flags to app. options must outlive parsing.
CLI::App* add_migrate_command(CLI::App& app, MigrateOptions& options);

// Runs the import. Returns 0 when every object was imported or skipped, 1
// when any failed or the run was interrupted, and 2 for invalid options or a
// setup failure.
int run_migrate(const MigrateOptions& options);

}  // namespace satchel::cli
