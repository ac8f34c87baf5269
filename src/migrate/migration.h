// One run of `satchel migrate`: list the source, map every key, then fetch,
// validate and import objects concurrently, with a report, a checkpoint and
// a progress display.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "app/preferences_schema.h"
#include "migrate/checkpoint.h"
#include "migrate/importer.h"
#include "migrate/plan.h"
#include "migrate/report.h"
#include "migrate/source.h"

namespace satchel::migrate {

struct RunSettings {
  // Objects in flight at once.
  size_t concurrency = 4;
  // Larger objects fail without being read.
  uint64_t max_object_bytes = 100ULL << 20;
  // Validate only: nothing is written to the store or the index.
  bool dry_run = false;
  // Redraw a progress bar on standard error; otherwise log a progress line
  // every progress_log_interval.
  bool progress_bar = false;
  std::chrono::seconds progress_log_interval{10};
};

struct RunSummary {
  uint64_t listed = 0;
  uint64_t imported = 0;
  uint64_t already_imported = 0;
  uint64_t would_import = 0;
  uint64_t no_mapping = 0;
  uint64_t failed = 0;
  // Bytes of the objects this run imported.
  uint64_t imported_bytes = 0;
  // SIGINT or SIGTERM stopped the run before every object was handled.
  bool interrupted = false;
  // Set when the source could not be listed; nothing was imported.
  std::string error;

  uint64_t skipped() const { return already_imported + no_mapping; }
};

struct RunParts {
  Source& source;
  const MappingRules& rules;
  const app::PreferencesSchema& schema;
  // Null in a dry run.
  Importer* importer = nullptr;
  ReportWriter* report = nullptr;        // optional
  CheckpointFile* checkpoint = nullptr;  // optional
};

// Runs the migration on io, which must not be running, and returns when
// every object is handled or, after SIGINT or SIGTERM, when the objects in
// flight are. Blocking work goes to workers.
RunSummary run_migration(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                         const RunParts& parts, const RunSettings& settings);

// "imported 9000, skipped 500 (already imported 400, no mapping 100), failed 500, 12.1 MiB
// imported", with "would import N" in a dry run.
std::string format_summary(const RunSummary& summary, bool dry_run);

}  // namespace satchel::migrate
