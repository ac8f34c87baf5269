// `satchel reconcile`: compares the metadata index with the store and reports the drift, and
// with --fix repairs what is safe (src/reconcile/reconciler.h). It reads the same settings as
// serve, and for the embedded store the server must be running, because reconcile reaches the
// store over S3 with the store's admin key.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/config_flags.h"

namespace satchel::cli {

struct ReconcileCommandOptions {
  ConfigFlags config;
  std::string tenant;  // empty: every tenant
  std::int64_t grace_seconds = 3600;
  bool json = false;
  bool fix = false;
};

// Adds "reconcile" to app and returns it. The options must outlive parsing.
CLI::App* add_reconcile_command(CLI::App& app, ReconcileCommandOptions& options);

// Runs the command. Returns 0 when the index and the store agree, 1 when drift was found (also
// when --fix repaired all of it, so a second run shows the result), and 2 on errors: bad
// settings, an index or store that cannot be read, or a repair that failed.
int run_reconcile(const ReconcileCommandOptions& options);

}  // namespace satchel::cli
