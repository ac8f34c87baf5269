// `satchel migrate-db` and the metadata location that it and `satchel serve`
// share.
#pragma once

#include "common/secret.h"
#include "config/config.h"

namespace satchel::cli {

// The metadata URL that config names: metadata.url, or the SQLite file
// metadata.db in the data directory when it is empty.
Secret metadata_url(const config::Config& config);

// Brings the metadata database to this binary's schema version, the step
// `satchel serve` also takes when it starts, and prints the versions before
// and after. Returns 0 on success and 1 when the database cannot be reached,
// fails to migrate or has a schema newer than this binary.
int run_migrate_db(const config::Config& config);

}  // namespace satchel::cli
