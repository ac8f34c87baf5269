#include "cli/migrate_db.h"

#include <iostream>

#include "meta/open_repository.h"

namespace satchel::cli {

Secret metadata_url(const config::Config& config) {
  if (!config.metadata.url.empty()) return config.metadata.url;
  return Secret((config.data_dir / "metadata.db").string());
}

int run_migrate_db(const config::Config& config) {
  auto report = meta::migrate_database(metadata_url(config));
  if (!report) {
    std::cerr << "satchel migrate-db: " << report.error().message << "\n";
    return 1;
  }
  std::string_view backend = meta::backend_name(report->backend);
  if (report->version_before == report->version_after) {
    std::cout << "metadata schema (" << backend << ") is at version " << report->version_after
              << ", the newest this binary knows; nothing to do\n";
  } else {
    std::cout << "metadata schema (" << backend << ") migrated from version "
              << report->version_before << " to " << report->version_after << "\n";
  }
  return 0;
}

}  // namespace satchel::cli
